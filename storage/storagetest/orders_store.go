package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
)

// testOrdersStore checks the orders.Store contract itself, without the
// Service: what a store keeps, what it refuses, how it numbers events and
// what its indexes return.
func testOrdersStore(t *testing.T, h OrdersHarness) {
	t.Run("RoundTrip", func(t *testing.T) { testStoreRoundTrip(t, h) })
	t.Run("Duplicates", func(t *testing.T) { testStoreDuplicates(t, h) })
	t.Run("EmptyKeys", func(t *testing.T) { testStoreEmptyKeys(t, h) })
	t.Run("Save", func(t *testing.T) { testStoreSave(t, h) })
	t.Run("Find", func(t *testing.T) { testStoreFind(t, h) })
	t.Run("Events", func(t *testing.T) { testStoreEvents(t, h) })
	t.Run("Pending", func(t *testing.T) { testStorePending(t, h) })
	t.Run("DuePickups", func(t *testing.T) { testStoreDuePickups(t, h) })
	t.Run("Copies", func(t *testing.T) { testStoreCopies(t, h) })
	t.Run("Concurrency", func(t *testing.T) { testStoreConcurrency(t, h) })
}

func newStoreOnly(t *testing.T, h OrdersHarness) orders.Store {
	t.Helper()
	_, s := h.NewStores(t)
	return s
}

// storeCmp compares what a store returns with what it was given: Money
// and Currency have unexported fields, and a stored time is the same
// instant, not necessarily the same location. Nil and empty slices are
// the same.
var storeCmp = cmp.Options{
	cmp.Comparer(func(a, b omnikit.Money) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b omnikit.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

var storeEUR = omnikit.MustCurrency("EUR")

// storeFullOrder returns an order with every field set (fullOrderCheck proves
// it), in version 1: two delivery groups (a ship-to address with a
// position, a pickup store), lines with prices and discounts, and two
// fulfilments, one shipped and one ready for pickup.
func storeFullOrder(id orders.OrderID) orders.Order {
	cet := time.FixedZone("CET", 3600)
	at := epoch.Add(123456789 * time.Nanosecond)
	return orders.Order{
		ID:             id,
		Channel:        "marketplace",
		ExternalID:     "EXT-" + string(id),
		CustomerID:     "customer-7",
		IdempotencyKey: "key-" + string(id),
		Currency:       storeEUR,
		State:          orders.Open,
		Groups: []orders.Delivery{
			{Method: routing.Ship, Address: omnikit.Address{
				Line1: "12 rue de Rivoli", Line2: "3e étage", City: "Paris", Region: "IDF",
				PostalCode: "75001", Country: "FR", Geo: omnikit.GeoPoint{Lat: 48.8559, Lng: 2.3601},
			}},
			{Method: routing.Pickup, Store: "store-lyon"},
		},
		Lines: []orders.Line{
			{ID: "L1", Group: 0, SKU: "SKU-1", Qty: 3, UnitPrice: omnikit.MustMoney("12.50", "EUR"),
				Discount: omnikit.MustMoney("2.05", "EUR"), Backordered: 1, Cancelled: 1},
			{ID: "L2", Group: 1, SKU: "SKU-2", Qty: 1, UnitPrice: omnikit.MustMoney("99.99", "EUR")},
		},
		Fulfilments: []orders.Fulfilment{
			{ID: "F1", Group: 0, Location: "warehouse", Method: routing.Ship, State: orders.Shipped,
				Lines:       []orders.FulfilmentLine{{Line: "L1", SKU: "SKU-1", Qty: 1, Rejected: 1, Cancelled: 1}},
				Reservation: inventory.ReservationID("res-" + string(id) + "-1"), Tracking: "TRACK-1",
				CreatedAt: at, UpdatedAt: at.Add(time.Hour).In(cet)},
			{ID: "F2", Group: 1, Location: "store-lyon", Method: routing.Pickup, State: orders.ReadyForPickup,
				Lines:       []orders.FulfilmentLine{{Line: "L2", SKU: "SKU-2", Qty: 1}},
				Reservation: inventory.ReservationID("res-" + string(id) + "-2"), RerouteOf: "F1", PickupCode: "4821",
				PickupBy:  at.Add(48 * time.Hour).In(cet),
				CreatedAt: at, UpdatedAt: at.Add(2 * time.Hour)},
		},
		Backorder:   true,
		Attempts:    2,
		Reason:      "partly rejected",
		Fingerprint: "fp-" + string(id),
		CreatedAt:   at,
		UpdatedAt:   at.Add(3 * time.Hour),
		Version:     1,
	}
}

// storeFullEvent returns an event with every field set; Seq is nonsense the
// store must replace.
func storeFullEvent(id orders.OrderID, typ orders.EventType, reason string) orders.Event {
	return orders.Event{
		Seq: 999, Order: id, Type: typ, Fulfilment: "F1", State: string(orders.Accepted), Location: "warehouse",
		Lines:  []orders.EventLine{{Line: "L1", SKU: "SKU-1", Qty: 2}},
		Reason: reason, At: epoch.Add(5*time.Minute + 7*time.Nanosecond),
	}
}

// storeOrder returns a small order in version 1 with no keys.
func storeOrder(id orders.OrderID, state orders.State, created time.Time) orders.Order {
	return orders.Order{ID: id, Channel: "web", Currency: storeEUR, State: state, CreatedAt: created, UpdatedAt: created, Version: 1,
		Lines: []orders.Line{{ID: "L1", SKU: "SKU-1", Qty: 1, UnitPrice: omnikit.MustMoney("1.00", "EUR")}}}
}

func storeEvent(id orders.OrderID, reason string) orders.Event {
	return orders.Event{Order: id, Type: orders.EventPlaced, Reason: reason, At: epoch}
}

// storeAllFieldsSet fails t for every field of v (recursively through the
// structs of package orders, addresses and positions, and for slices in
// at least one element) left at its zero value, so that the round trip
// covers a field added later.
func storeAllFieldsSet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch {
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is empty", path)
			return
		}
		et := v.Type().Elem()
		if et.Kind() != reflect.Struct || !storeRecurseInto(et) {
			return
		}
		for i := range et.NumField() {
			if !et.Field(i).IsExported() {
				continue
			}
			set := false
			for j := range v.Len() {
				f := v.Index(j).Field(i)
				if !f.IsZero() && !set {
					// The first element that sets it must set it fully.
					set = true
					storeAllFieldsSet(t, fmt.Sprintf("%s[%d].%s", path, j, et.Field(i).Name), f)
				}
			}
			if !set {
				t.Errorf("%s[*].%s is zero in every element", path, et.Field(i).Name)
			}
		}
	case v.Kind() == reflect.Struct && storeRecurseInto(v.Type()):
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			f := v.Field(i)
			if f.IsZero() {
				t.Errorf("%s.%s is zero", path, sf.Name)
				continue
			}
			storeAllFieldsSet(t, path+"."+sf.Name, f)
		}
	}
}

func storeRecurseInto(rt reflect.Type) bool {
	if rt.Kind() != reflect.Struct {
		return false
	}
	return rt.PkgPath() == "github.com/omnikit/omnikit/orders" ||
		rt == reflect.TypeFor[omnikit.Address]() || rt == reflect.TypeFor[omnikit.GeoPoint]()
}

// storeAllEvents reads the whole event log in pages of 7.
func storeAllEvents(t *testing.T, s orders.Store) []orders.Event {
	t.Helper()
	var out []orders.Event
	var after int64
	for {
		page, err := s.Events(context.Background(), after, 7)
		if err != nil {
			t.Fatalf("Events(%d, 7): %v", after, err)
		}
		if len(page) == 0 {
			return out
		}
		if len(page) > 7 {
			t.Fatalf("Events(%d, 7) returned %d events", after, len(page))
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

// storeCheckGapFree fails t unless events are numbered 1..len in order.
func storeCheckGapFree(t *testing.T, events []orders.Event) {
	t.Helper()
	for i, e := range events {
		if e.Seq != int64(i)+1 {
			t.Fatalf("event %d has Seq %d, want %d (gap-free from 1, in order)", i, e.Seq, i+1)
		}
	}
}

func storeCreate(t *testing.T, s orders.Store, o orders.Order, events ...orders.Event) {
	t.Helper()
	if err := s.Create(context.Background(), o, events); err != nil {
		t.Fatalf("Create(%s): %v", o.ID, err)
	}
}

func storeSave(t *testing.T, s orders.Store, o orders.Order, events ...orders.Event) {
	t.Helper()
	if err := s.Save(context.Background(), o, events); err != nil {
		t.Fatalf("Save(%s, version %d): %v", o.ID, o.Version, err)
	}
}

func storeGet(t *testing.T, s orders.Store, id orders.OrderID) orders.Order {
	t.Helper()
	o, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return o
}

func storeEventCount(t *testing.T, s orders.Store) int {
	t.Helper()
	return len(storeAllEvents(t, s))
}

func testStoreRoundTrip(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	in := storeFullOrder("O1")
	ev := storeFullEvent("O1", orders.EventPlaced, "placed")
	storeAllFieldsSet(t, "Order", reflect.ValueOf(in))
	storeAllFieldsSet(t, "Event", reflect.ValueOf(ev))
	if _, ok := in.PickupDue(); !ok {
		t.Fatal("the full order has no pickup due")
	}
	storeCreate(t, s, in, ev)
	got := storeGet(t, s, "O1")
	if d := cmp.Diff(in, got, storeCmp); d != "" {
		t.Fatalf("Get after Create (-created +got):\n%s", d)
	}
	// The comparers are not too lenient: a changed price or time shows.
	changed := got.Clone()
	changed.Lines[0].UnitPrice = omnikit.MustMoney("12.51", "EUR")
	changed.Fulfilments[1].PickupBy = changed.Fulfilments[1].PickupBy.Add(time.Nanosecond)
	if cmp.Equal(in, changed, storeCmp) {
		t.Fatal("storeCmp does not see a changed price and time")
	}
	evs := storeAllEvents(t, s)
	want := ev
	want.Seq = 1
	if d := cmp.Diff([]orders.Event{want}, evs, storeCmp); d != "" {
		t.Fatalf("Events after Create (-want +got):\n%s", d)
	}

	// Save round-trips too, and a changed order replaces the old one.
	next := got.Clone()
	next.Version = 2
	next.State = orders.Completed
	next.Fulfilments[1].State = orders.Collected
	next.Lines = append(next.Lines, orders.Line{ID: "L3", Group: 1, SKU: "SKU-3", Qty: 4,
		UnitPrice: omnikit.MustMoney("0.10", "EUR"), Discount: omnikit.MustMoney("0.05", "EUR")})
	next.UpdatedAt = epoch.Add(24 * time.Hour)
	ev2 := storeFullEvent("O1", orders.EventCollected, "collected")
	storeSave(t, s, next, ev2)
	if d := cmp.Diff(next, storeGet(t, s, "O1"), storeCmp); d != "" {
		t.Fatalf("Get after Save (-saved +got):\n%s", d)
	}
	hist, err := s.History(ctx, "O1")
	if err != nil {
		t.Fatal(err)
	}
	want2 := ev2
	want2.Seq = 2
	if d := cmp.Diff([]orders.Event{want, want2}, hist, storeCmp); d != "" {
		t.Fatalf("History (-want +got):\n%s", d)
	}

	// An order with nothing but an id and a version survives too.
	bare := orders.Order{ID: "bare", Version: 1}
	storeCreate(t, s, bare)
	if d := cmp.Diff(bare, storeGet(t, s, "bare"), storeCmp); d != "" {
		t.Fatalf("bare order (-created +got):\n%s", d)
	}
}

func testStoreDuplicates(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	dup := func(id orders.OrderID, key, ext string) orders.Order {
		o := storeOrder(id, orders.Open, epoch)
		o.IdempotencyKey, o.Channel, o.ExternalID = key, "marketplace", ext
		return o
	}
	a := dup("A", "key-A", "EXT-1")
	storeCreate(t, s, a, storeEvent("A", "a"))

	cases := []struct {
		name string
		o    orders.Order
	}{
		{"same id", dup("A", "key-other", "EXT-other")},
		{"same idempotency key", dup("B", "key-A", "EXT-B")},
		{"same channel and external id", dup("B", "key-B", "EXT-1")},
		{"same key and external id", dup("B", "key-A", "EXT-1")},
	}
	for _, c := range cases {
		err := s.Create(ctx, c.o, []orders.Event{storeEvent(c.o.ID, "dup"), storeEvent(c.o.ID, "dup2")})
		var de *orders.DuplicateError
		if !errors.As(err, &de) || !errors.Is(err, orders.ErrDuplicate) {
			t.Fatalf("%s: Create = %v, want a *orders.DuplicateError matching ErrDuplicate", c.name, err)
		}
		if de.Existing != "A" {
			t.Errorf("%s: DuplicateError.Existing = %q, want A", c.name, de.Existing)
		}
		// Nothing written: no event, no order, no key.
		if n := storeEventCount(t, s); n != 1 {
			t.Errorf("%s: %d events after a refused Create, want 1", c.name, n)
		}
		if got := storeGet(t, s, "A"); !cmp.Equal(a, got, storeCmp) {
			t.Errorf("%s: order A changed:\n%s", c.name, cmp.Diff(a, got, storeCmp))
		}
		if _, err := s.Get(ctx, "B"); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("%s: Get(B) = %v, want ErrNotFound", c.name, err)
		}
		if id, err := s.FindByKey(ctx, c.o.IdempotencyKey); c.o.IdempotencyKey != "key-A" && !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("%s: FindByKey(%s) = %q, %v after a refused Create, want ErrNotFound", c.name, c.o.IdempotencyKey, id, err)
		}
		if id, err := s.FindByExternal(ctx, c.o.Channel, c.o.ExternalID); c.o.ExternalID != "EXT-1" && !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("%s: FindByExternal(%s) = %q, %v after a refused Create, want ErrNotFound", c.name, c.o.ExternalID, id, err)
		}
	}

	// The same external id on another channel is another order.
	other := storeOrder("C", orders.Open, epoch)
	other.Channel, other.ExternalID = "other-marketplace", "EXT-1"
	storeCreate(t, s, other, storeEvent("C", "c"))
	if id, err := s.FindByExternal(ctx, "other-marketplace", "EXT-1"); err != nil || id != "C" {
		t.Errorf("FindByExternal(other-marketplace, EXT-1) = %q, %v; want C", id, err)
	}
	if id, err := s.FindByExternal(ctx, "marketplace", "EXT-1"); err != nil || id != "A" {
		t.Errorf("FindByExternal(marketplace, EXT-1) = %q, %v; want A", id, err)
	}
	// A duplicate of C is named as C, not A.
	dupC := storeOrder("D", orders.Open, epoch)
	dupC.Channel, dupC.ExternalID = "other-marketplace", "EXT-1"
	var de *orders.DuplicateError
	if err := s.Create(ctx, dupC, nil); !errors.As(err, &de) || de.Existing != "C" {
		t.Errorf("Create of a duplicate of C = %v, want a *DuplicateError naming C", err)
	}

	// Version must be 1; another is refused and writes nothing.
	v2 := storeOrder("E", orders.Open, epoch)
	v2.Version = 2
	if err := s.Create(ctx, v2, []orders.Event{storeEvent("E", "e")}); err == nil {
		t.Error("Create of an order at version 2 succeeded")
	}
	if _, err := s.Get(ctx, "E"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("Get(E) after a refused Create = %v, want ErrNotFound", err)
	}
	if n := storeEventCount(t, s); n != 2 {
		t.Errorf("%d events, want 2 (A's and C's)", n)
	}
	storeCheckGapFree(t, storeAllEvents(t, s))
}

func testStoreEmptyKeys(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	for _, id := range []orders.OrderID{"E1", "E2", "E3"} {
		storeCreate(t, s, storeOrder(id, orders.Open, epoch), storeEvent(id, "e"))
	}
	// The same channel, no external id but a key; and the same key on
	// another channel with no external id.
	k := storeOrder("E4", orders.Open, epoch)
	k.IdempotencyKey = "only-key"
	storeCreate(t, s, k)
	x := storeOrder("E5", orders.Open, epoch)
	x.ExternalID = "only-ext"
	storeCreate(t, s, x)
	if id, err := s.FindByKey(ctx, ""); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("FindByKey(\"\") = %q, %v; want ErrNotFound", id, err)
	}
	if id, err := s.FindByExternal(ctx, "web", ""); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("FindByExternal(web, \"\") = %q, %v; want ErrNotFound", id, err)
	}
	for _, id := range []orders.OrderID{"E1", "E2", "E3", "E4", "E5"} {
		storeGet(t, s, id)
	}
	if n := storeEventCount(t, s); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
}

func testStoreSave(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	a := storeFullOrder("A")
	storeCreate(t, s, a, storeEvent("A", "created"))

	stale := func(name string, o orders.Order, want error) {
		t.Helper()
		o.State, o.Reason = orders.Cancelled, "must not be stored"
		if err := s.Save(ctx, o, []orders.Event{storeEvent(o.ID, "refused")}); !errors.Is(err, want) {
			t.Errorf("%s: Save = %v, want %v", name, err, want)
		}
	}
	for _, v := range []int64{0, 1, 3, 7} {
		o := a.Clone()
		o.Version = v
		stale(fmt.Sprintf("version %d over 1", v), o, orders.ErrConflict)
	}
	if got := storeGet(t, s, "A"); !cmp.Equal(a, got, storeCmp) {
		t.Fatalf("a refused Save changed the order:\n%s", cmp.Diff(a, got, storeCmp))
	}
	if n := storeEventCount(t, s); n != 1 {
		t.Fatalf("%d events after refused Saves, want 1", n)
	}

	b := a.Clone()
	b.Version, b.State, b.Reason = 2, orders.Completed, "done"
	storeSave(t, s, b, storeEvent("A", "saved 1"), storeEvent("A", "saved 2"))
	if got := storeGet(t, s, "A"); got.Version != 2 || got.State != orders.Completed || got.Reason != "done" {
		t.Fatalf("after Save: version %d state %s reason %q", got.Version, got.State, got.Reason)
	}
	// The same version again lost the race.
	stale("version 2 over 2", b.Clone(), orders.ErrConflict)
	c := b.Clone()
	c.Version = 3
	storeSave(t, s, c) // no events is fine
	if got := storeGet(t, s, "A"); got.Version != 3 {
		t.Fatalf("after a Save without events: version %d, want 3", got.Version)
	}

	// An unknown order.
	u := storeOrder("unknown", orders.Open, epoch)
	u.Version = 2
	stale("unknown order", u, orders.ErrNotFound)
	if _, err := s.Get(ctx, "unknown"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, ""); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("Get(\"\") = %v, want ErrNotFound", err)
	}
	evs := storeAllEvents(t, s)
	storeCheckGapFree(t, evs)
	var reasons []string
	for _, e := range evs {
		reasons = append(reasons, e.Reason)
	}
	if want := []string{"created", "saved 1", "saved 2"}; !slices.Equal(reasons, want) {
		t.Errorf("events %q, want %q", reasons, want)
	}
}

func testStoreFind(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	for i := range 3 {
		o := storeOrder(orders.OrderID(fmt.Sprint("F", i)), orders.Open, epoch)
		o.IdempotencyKey = fmt.Sprint("key-", i)
		o.Channel = omnikit.ChannelID(fmt.Sprint("ch-", i%2))
		o.ExternalID = fmt.Sprint("ext-", i/2)
		storeCreate(t, s, o)
	}
	// F0: ch-0/ext-0, F1: ch-1/ext-0, F2: ch-0/ext-1.
	for i := range 3 {
		want := orders.OrderID(fmt.Sprint("F", i))
		if id, err := s.FindByKey(ctx, fmt.Sprint("key-", i)); err != nil || id != want {
			t.Errorf("FindByKey(key-%d) = %q, %v; want %s", i, id, err, want)
		}
		ch, ext := omnikit.ChannelID(fmt.Sprint("ch-", i%2)), fmt.Sprint("ext-", i/2)
		if id, err := s.FindByExternal(ctx, ch, ext); err != nil || id != want {
			t.Errorf("FindByExternal(%s, %s) = %q, %v; want %s", ch, ext, id, err, want)
		}
	}
	if id, err := s.FindByKey(ctx, "key-9"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("FindByKey(key-9) = %q, %v; want ErrNotFound", id, err)
	}
	if id, err := s.FindByExternal(ctx, "ch-1", "ext-1"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("FindByExternal(ch-1, ext-1) = %q, %v; want ErrNotFound", id, err)
	}
	if id, err := s.FindByExternal(ctx, "ch-9", "ext-0"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("FindByExternal(ch-9, ext-0) = %q, %v; want ErrNotFound", id, err)
	}
	// The keys survive a Save.
	o := storeGet(t, s, "F1")
	o.Version = 2
	o.State = orders.Completed
	storeSave(t, s, o)
	if id, err := s.FindByKey(ctx, "key-1"); err != nil || id != "F1" {
		t.Errorf("FindByKey(key-1) after Save = %q, %v; want F1", id, err)
	}
	if id, err := s.FindByExternal(ctx, "ch-1", "ext-0"); err != nil || id != "F1" {
		t.Errorf("FindByExternal(ch-1, ext-0) after Save = %q, %v; want F1", id, err)
	}
}

func testStoreEvents(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	// Writes of 1, 0, 3, 2 and 4 events across three orders, interleaved.
	type written struct {
		order  orders.OrderID
		reason string
	}
	var want []written
	evs := func(id orders.OrderID, n int) []orders.Event {
		var out []orders.Event
		for range n {
			r := fmt.Sprintf("%s-%d", id, len(want))
			want = append(want, written{id, r})
			out = append(out, storeEvent(id, r))
		}
		return out
	}
	versions := map[orders.OrderID]int64{}
	write := func(id orders.OrderID, n int) {
		t.Helper()
		e := evs(id, n)
		o := storeOrder(id, orders.Open, epoch)
		if versions[id] == 0 {
			storeCreate(t, s, o, e...)
		} else {
			o.Version = versions[id] + 1
			storeSave(t, s, o, e...)
		}
		versions[id]++
	}
	write("X", 1)
	write("Y", 0)
	write("X", 3)
	write("Z", 2)
	write("Y", 4)
	write("X", 1)
	all := storeAllEvents(t, s)
	storeCheckGapFree(t, all)
	if len(all) != len(want) {
		t.Fatalf("%d events, want %d", len(all), len(want))
	}
	for i, e := range all {
		if e.Order != want[i].order || e.Reason != want[i].reason {
			t.Errorf("event %d is %s/%s, want %s/%s", e.Seq, e.Order, e.Reason, want[i].order, want[i].reason)
		}
	}
	n := int64(len(all))
	// Windows of the log.
	for _, c := range []struct {
		after int64
		limit int
		first int64 // 0: none
		count int
	}{
		{0, 1, 1, 1}, {0, 100, 1, int(n)}, {4, 2, 5, 2}, {n - 1, 5, n, 1}, {n, 5, 0, 0}, {n + 10, 5, 0, 0},
		{0, 0, 0, 0}, {3, -1, 0, 0}, {-5, 2, 1, 2},
	} {
		got, err := s.Events(ctx, c.after, c.limit)
		if err != nil {
			t.Fatalf("Events(%d, %d): %v", c.after, c.limit, err)
		}
		if len(got) != c.count {
			t.Errorf("Events(%d, %d) returned %d events, want %d", c.after, c.limit, len(got), c.count)
			continue
		}
		for i, e := range got {
			if e.Seq != c.first+int64(i) {
				t.Errorf("Events(%d, %d)[%d].Seq = %d, want %d", c.after, c.limit, i, e.Seq, c.first+int64(i))
			}
		}
	}
	// History: each order's events, in order, with the log's numbers.
	for _, id := range []orders.OrderID{"X", "Y", "Z"} {
		hist, err := s.History(ctx, id)
		if err != nil {
			t.Fatalf("History(%s): %v", id, err)
		}
		var wantHist []orders.Event
		for _, e := range all {
			if e.Order == id {
				wantHist = append(wantHist, e)
			}
		}
		if d := cmp.Diff(wantHist, hist, storeCmp); d != "" {
			t.Errorf("History(%s) (-want +got):\n%s", id, d)
		}
	}
	if hist, err := s.History(ctx, "nobody"); err != nil || len(hist) != 0 {
		t.Errorf("History(nobody) = %v, %v; want none", hist, err)
	}
}

func testStorePending(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	m := time.Minute
	storeCreate(t, s, storeOrder("P1", orders.Pending, epoch.Add(2*m)))
	storeCreate(t, s, storeOrder("P2", orders.Pending, epoch.Add(1*m)))
	storeCreate(t, s, storeOrder("P3", orders.Pending, epoch.Add(3*m)))
	storeCreate(t, s, storeOrder("O1", orders.Open, epoch))
	storeCreate(t, s, storeOrder("F1", orders.Failed, epoch))
	check := func(before time.Time, limit int, want ...orders.OrderID) {
		t.Helper()
		got, err := s.Pending(ctx, before, limit)
		if err != nil {
			t.Fatalf("Pending: %v", err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Pending(epoch+%v, %d) = %v, want %v", before.Sub(epoch), limit, got, want)
		}
	}
	check(epoch, 10)
	check(epoch.Add(m), 10, "P2") // at or before
	check(epoch.Add(2*m), 10, "P2", "P1")
	check(epoch.Add(time.Hour), 10, "P2", "P1", "P3")
	check(epoch.Add(time.Hour), 2, "P2", "P1")
	check(epoch.Add(time.Hour), 0)
	// Placed: it leaves the list; failed later: it does not come back.
	o := storeGet(t, s, "P2")
	o.Version, o.State = 2, orders.Open
	storeSave(t, s, o)
	check(epoch.Add(time.Hour), 10, "P1", "P3")
	o.Version, o.State = 3, orders.Failed
	storeSave(t, s, o)
	check(epoch.Add(time.Hour), 10, "P1", "P3")
	// An order saved back to pending (a retried placement) is listed again.
	f := storeGet(t, s, "F1")
	f.Version, f.State = 2, orders.Pending
	storeSave(t, s, f)
	check(epoch.Add(time.Hour), 10, "F1", "P1", "P3")
}

// storePickupOrder returns an order whose fulfilments have the given states
// and pickup deadlines (the zero time for none).
func storePickupOrder(id orders.OrderID, fs ...any) orders.Order {
	o := storeOrder(id, orders.Open, epoch)
	for i := 0; i < len(fs); i += 2 {
		o.Fulfilments = append(o.Fulfilments, orders.Fulfilment{
			ID: orders.FulfilmentID(fmt.Sprint("F", i/2+1)), Location: "store", Method: routing.Pickup,
			State: fs[i].(orders.FulfilmentState), PickupBy: fs[i+1].(time.Time),
			Lines: []orders.FulfilmentLine{{Line: "L1", SKU: "SKU-1", Qty: 1}},
		})
	}
	return o
}

func testStoreDuePickups(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	hr := time.Hour
	storeCreate(t, s, storePickupOrder("D1", orders.ReadyForPickup, epoch.Add(5*hr)))
	// Only ready fulfilments count: D2 is due at 3h, not 1h.
	storeCreate(t, s, storePickupOrder("D2", orders.Created, epoch.Add(1*hr), orders.ReadyForPickup, epoch.Add(3*hr), orders.ReadyForPickup, epoch.Add(4*hr)))
	storeCreate(t, s, storePickupOrder("D3", orders.Collected, epoch.Add(hr/2), orders.ReadyForPickup, epoch.Add(8*hr)))
	storeCreate(t, s, storePickupOrder("D4", orders.Picking, epoch.Add(hr)))
	storeCreate(t, s, storePickupOrder("D5", orders.ReadyForPickup, time.Time{})) // no deadline
	storeCreate(t, s, storeOrder("D6", orders.Open, epoch))
	check := func(now time.Time, limit int, want ...orders.OrderID) {
		t.Helper()
		got, err := s.DuePickups(ctx, now, limit)
		if err != nil {
			t.Fatalf("DuePickups: %v", err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("DuePickups(epoch+%v, %d) = %v, want %v", now.Sub(epoch), limit, got, want)
		}
	}
	check(epoch.Add(2*hr), 10)
	check(epoch.Add(3*hr), 10, "D2") // at or before
	check(epoch.Add(6*hr), 10, "D2", "D1")
	check(epoch.Add(10*hr), 10, "D2", "D1", "D3")
	check(epoch.Add(10*hr), 1, "D2")
	check(epoch.Add(10*hr), 0)

	// D2's first ready fulfilment is collected: it is due at 4h now.
	d2 := storeGet(t, s, "D2")
	d2.Version = 2
	d2.Fulfilments[1].State = orders.Collected
	storeSave(t, s, d2)
	check(epoch.Add(3*hr), 10)
	check(epoch.Add(6*hr), 10, "D2", "D1")
	// D1's deadline moves past D3's.
	d1 := storeGet(t, s, "D1")
	d1.Version = 2
	d1.Fulfilments[0].PickupBy = epoch.Add(9 * hr)
	storeSave(t, s, d1)
	check(epoch.Add(10*hr), 10, "D2", "D3", "D1")
	// Nothing ready any more: D2 leaves.
	d2.Version = 3
	d2.Fulfilments[2].State = orders.FCancelled
	storeSave(t, s, d2)
	check(epoch.Add(10*hr), 10, "D3", "D1")
	// D4 becomes ready.
	d4 := storeGet(t, s, "D4")
	d4.Version = 2
	d4.Fulfilments[0].State = orders.ReadyForPickup
	storeSave(t, s, d4)
	check(epoch.Add(10*hr), 10, "D4", "D3", "D1")
}

func testStoreCopies(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	in := storeFullOrder("C1")
	want := in.Clone()
	ev := storeFullEvent("C1", orders.EventPlaced, "placed")
	evs := []orders.Event{ev}
	storeCreate(t, s, in, evs...)
	// The caller changes what it passed in.
	in.Lines[0].Qty = 999
	in.Groups[0].Store = "changed"
	in.Fulfilments[0].Lines[0].Qty = 999
	evs[0].Lines[0].Qty = 999
	evs[0].Reason = "changed"

	got := storeGet(t, s, "C1")
	if d := cmp.Diff(want, got, storeCmp); d != "" {
		t.Fatalf("changing the order passed to Create changed the store (-want +got):\n%s", d)
	}
	// ... and what it got back.
	got.Lines[0].Qty = 777
	got.Groups[0].Store = "changed"
	got.Fulfilments[0].Lines[0].Qty = 777
	got.Fulfilments = append(got.Fulfilments[:1], orders.Fulfilment{ID: "F9"})
	if d := cmp.Diff(want, storeGet(t, s, "C1"), storeCmp); d != "" {
		t.Fatalf("changing an order Get returned changed the store (-want +got):\n%s", d)
	}
	wantEv := ev
	wantEv.Seq = 1
	wantEv.Lines = []orders.EventLine{{Line: "L1", SKU: "SKU-1", Qty: 2}}
	wantEv.Reason = "placed"
	page, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]orders.Event{wantEv}, page, storeCmp); d != "" {
		t.Fatalf("changing the events passed to Create changed the store (-want +got):\n%s", d)
	}
	page[0].Lines[0].Qty = 555
	hist, err := s.History(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]orders.Event{wantEv}, hist, storeCmp); d != "" {
		t.Fatalf("changing an event Events returned changed the store (-want +got):\n%s", d)
	}
	hist[0].Lines[0].Qty = 444
	if d := cmp.Diff([]orders.Event{wantEv}, storeAllEvents(t, s), storeCmp); d != "" {
		t.Fatalf("changing an event History returned changed the store (-want +got):\n%s", d)
	}

	// Save copies too.
	next := want.Clone()
	next.Version = 2
	storeSave(t, s, next)
	next.Lines[1].Qty = 888
	if got := storeGet(t, s, "C1"); got.Lines[1].Qty != want.Lines[1].Qty {
		t.Fatalf("changing the order passed to Save changed the store: qty %d", got.Lines[1].Qty)
	}
}

// testStoreConcurrency: writers save their own orders and fight over one
// shared order while a reader tails the event log. Afterwards the log is
// gap-free and holds every acknowledged event once, each order's version
// counts its saves, and the tail never saw a gap (a later commit with a
// smaller number). Run it with -race.
func testStoreConcurrency(t *testing.T, h OrdersHarness) {
	ctx := context.Background()
	s := newStoreOnly(t, h)
	const (
		workers   = 16
		ownSaves  = 10
		shareSave = 5
	)
	storeCreate(t, s, storeOrder("shared", orders.Open, epoch), storeEvent("shared", "shared-created"))
	for w := range workers {
		id := orders.OrderID(fmt.Sprint("own-", w))
		storeCreate(t, s, storeOrder(id, orders.Open, epoch), storeEvent(id, string(id)+"-created"))
	}

	done := make(chan struct{})
	tailErr := make(chan error, 1)
	go func() {
		var cursor int64
		var err error
		for {
			select {
			case <-done:
				tailErr <- err
				return
			default:
			}
			page, e := s.Events(ctx, cursor, 50)
			if e != nil {
				tailErr <- e
				return
			}
			for _, ev := range page {
				if ev.Seq != cursor+1 && err == nil {
					err = fmt.Errorf("tail at %d read event %d next: a gap", cursor, ev.Seq)
				}
				cursor = ev.Seq
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var conflicts sync.Map
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			id := orders.OrderID(fmt.Sprint("own-", w))
			o := storeOrder(id, orders.Open, epoch)
			shared := 0
			for i := range ownSaves {
				o.Version = int64(i) + 2
				o.Attempts = i + 1
				if err := s.Save(ctx, o, []orders.Event{storeEvent(id, fmt.Sprintf("%s-%d", id, i))}); err != nil {
					errs <- fmt.Errorf("Save(%s, %d): %w", id, o.Version, err)
					return
				}
				if i%2 == 1 && shared < shareSave {
					// One save on the shared order, again after a lost race.
					for n := 0; ; n++ {
						so, err := s.Get(ctx, "shared")
						if err != nil {
							errs <- err
							return
						}
						so.Version++
						so.Attempts++
						runtime.Gosched() // let another writer in between the read and the write
						err = s.Save(ctx, so, []orders.Event{storeEvent("shared", fmt.Sprintf("shared-%d-%d", w, shared))})
						if errors.Is(err, orders.ErrConflict) {
							conflicts.Store(w, n+1)
							continue
						}
						if err != nil {
							errs <- fmt.Errorf("Save(shared, %d): %w", so.Version, err)
							return
						}
						break
					}
					shared++
				}
			}
			for ; shared < shareSave; shared++ {
				for {
					so, err := s.Get(ctx, "shared")
					if err != nil {
						errs <- err
						return
					}
					so.Version++
					so.Attempts++
					err = s.Save(ctx, so, []orders.Event{storeEvent("shared", fmt.Sprintf("shared-%d-%d", w, shared))})
					if errors.Is(err, orders.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("Save(shared, %d): %w", so.Version, err)
						return
					}
					break
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-tailErr; err != nil {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	all := storeAllEvents(t, s)
	storeCheckGapFree(t, all)
	want := map[string]bool{"shared-created": true}
	for w := range workers {
		id := fmt.Sprint("own-", w)
		want[id+"-created"] = true
		for i := range ownSaves {
			want[fmt.Sprintf("%s-%d", id, i)] = true
		}
		for i := range shareSave {
			want[fmt.Sprintf("shared-%d-%d", w, i)] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.Reason] {
			t.Errorf("event %q appears twice", e.Reason)
		}
		seen[e.Reason] = true
		if !want[e.Reason] {
			t.Errorf("unexpected event %q", e.Reason)
		}
	}
	if len(all) != len(want) {
		t.Errorf("%d events, want %d", len(all), len(want))
	}
	so := storeGet(t, s, "shared")
	if wantV := int64(workers*shareSave + 1); so.Version != wantV || so.Attempts != workers*shareSave {
		t.Errorf("shared order at version %d with %d saves, want version %d after %d saves", so.Version, so.Attempts, wantV, workers*shareSave)
	}
	for w := range workers {
		id := orders.OrderID(fmt.Sprint("own-", w))
		if o := storeGet(t, s, id); o.Version != ownSaves+1 {
			t.Errorf("%s at version %d, want %d", id, o.Version, ownSaves+1)
		}
		hist, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != ownSaves+1 {
			t.Fatalf("History(%s) has %d events, want %d", id, len(hist), ownSaves+1)
		}
		for i, e := range hist[1:] {
			if e.Reason != fmt.Sprintf("%s-%d", id, i) || e.Seq <= hist[i].Seq {
				t.Errorf("History(%s)[%d] = %d %q, out of order", id, i+1, e.Seq, e.Reason)
			}
		}
	}
	n := 0
	conflicts.Range(func(any, any) bool { n++; return true })
	t.Logf("%d events; %d workers lost a race on the shared order at least once", len(all), n)
}
