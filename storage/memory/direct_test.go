package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// genericStore is an Inventory (or a wrapper of one) that hides
// ReserveDirect and SettleDirect: a Ledger on it reserves, commits and
// releases through Update and its transaction function, with the
// records encoded before the transaction, as on the store itself.
type genericStore struct{ s preencodingStore }

type preencodingStore interface {
	inventory.Store
	inventory.Preencoder
}

func (g genericStore) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	return g.s.Update(ctx, keys, fn)
}
func (g genericStore) View(ctx context.Context, fn func(inventory.ReadTx) error) error {
	return g.s.View(ctx, fn)
}
func (g genericStore) CommitsInMemory() bool { return true }
func (g genericStore) Preencode(head, body []byte, e *inventory.Entry, r *inventory.Reservation) ([]byte, []byte, bool) {
	return g.s.Preencode(head, body, e, r)
}

// directCounter counts the reservations a Ledger ran through
// ReserveDirect and the commits and releases through SettleDirect; and,
// in keyed (which may be shared by several counters), the keyed commands
// of either that wrote and those the store found recorded.
type directCounter struct {
	*Inventory
	n, settled atomic.Int64
	keyed      *keyedCounts
}

type keyedCounts struct{ written, replayed atomic.Int64 }

func (d *directCounter) ReserveDirect(ctx context.Context, op *inventory.ReserveOp) error {
	d.n.Add(1)
	err := d.Inventory.ReserveDirect(ctx, op)
	d.countKeyed(op.Key, op.Replayed, err)
	return err
}

func (d *directCounter) SettleDirect(ctx context.Context, op *inventory.SettleOp) error {
	d.settled.Add(1)
	err := d.Inventory.SettleDirect(ctx, op)
	d.countKeyed(op.Key, op.Replayed, err)
	return err
}

func (d *directCounter) countKeyed(key string, replayed bool, err error) {
	switch {
	case d.keyed == nil || key == "" || err != nil:
	case replayed:
		d.keyed.replayed.Add(1)
	default:
		d.keyed.written.Add(1)
	}
}

// TestReserveDirectMatchesTransaction runs one random sequence of
// commands on two Ledgers, one whose reservations go through ReserveDirect
// and whose commits and releases go through SettleDirect (keyed or not),
// and one whose go through Update, and requires the same result from
// every command and, at the end, the same store: every entry (with its
// channel levels), reservation, balance and channel sum.
func TestReserveDirectMatchesTransaction(t *testing.T) {
	var keyed keyedCounts
	defer func() {
		// Over all the runs, keyed commands went through the direct
		// path, some writing and some replayed.
		if !t.Failed() && (keyed.written.Load() == 0 || keyed.replayed.Load() == 0) {
			t.Fatalf("keyed direct commands: %d written, %d found recorded; want some of each", keyed.written.Load(), keyed.replayed.Load())
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		clock := omnikit.NewManualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		direct := &directCounter{Inventory: NewInventory(), keyed: &keyed}
		generic := NewInventory()
		newLedger := func(s inventory.Store) *inventory.Ledger {
			var n atomic.Uint64
			l, err := inventory.New(ctx, s, &inventory.Options{Clock: clock, NewReservationID: func() inventory.ReservationID {
				return inventory.ReservationID(fmt.Sprintf("res_t_%016x", n.Add(1)))
			}})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		ls := []*inventory.Ledger{newLedger(direct), newLedger(genericStore{generic})}
		// each runs op on both ledgers and requires the same result.
		each := func(what string, op func(l *inventory.Ledger) (any, error)) {
			var res [2]any
			var errs [2]string
			for i, l := range ls {
				r, err := op(l)
				res[i] = r
				if err != nil {
					errs[i] = err.Error()
				}
			}
			if errs[0] != errs[1] {
				t.Fatalf("%s: direct error %q, generic %q", what, errs[0], errs[1])
			}
			if diff := gocmp.Diff(res[1], res[0]); diff != "" {
				t.Fatalf("%s (-generic +direct):\n%s", what, diff)
			}
		}
		locs := []omnikit.LocationID{"wh", "s1", "s2"}
		skus := []omnikit.SKU{"A", "B", "C"}
		each("setup", func(l *inventory.Ledger) (any, error) {
			for _, loc := range []inventory.Location{
				{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip},
				{ID: "s1", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
				{ID: "s2", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
			} {
				if err := l.DefineLocation(ctx, loc); err != nil {
					return nil, err
				}
			}
			return nil, l.DefineSKUs(ctx, skus[:2]...) // C stays unknown
		})
		for i := range rapid.IntRange(0, 2).Draw(t, "channels") {
			ch := inventory.Channel{
				ID:   omnikit.ChannelID(fmt.Sprintf("ch%d", i)),
				Pool: rapid.SliceOfNDistinct(rapid.SampledFrom(locs), 1, 3, func(l omnikit.LocationID) omnikit.LocationID { return l }).Draw(t, "pool"),
				Rule: inventory.ChannelRule{
					BufferPercent:  rapid.SampledFrom([]int64{0, 0, 10, 50}).Draw(t, "percent"),
					BufferUnits:    rapid.Int64Range(0, 3).Draw(t, "units"),
					Cap:            rapid.SampledFrom([]int64{0, 0, 5, 20}).Draw(t, "cap"),
					StoreThreshold: rapid.Int64Range(0, 3).Draw(t, "threshold"),
				},
			}
			each("define channel", func(l *inventory.Ledger) (any, error) { return nil, l.DefineChannel(ctx, ch) })
		}
		var ids []inventory.ReservationID
		var retry func(l *inventory.Ledger) (any, error)
		line := func(t *rapid.T) inventory.LocatedLine {
			return inventory.LocatedLine{SKU: rapid.SampledFrom(skus).Draw(t, "sku"), Location: rapid.SampledFrom(locs).Draw(t, "loc"),
				Qty: rapid.Int64Range(1, 8).Draw(t, "qty")}
		}
		t.Repeat(map[string]func(*rapid.T){
			"receive": func(t *rapid.T) {
				req := inventory.StockRequest{Location: rapid.SampledFrom(locs).Draw(t, "loc"),
					Lines: []inventory.Line{{SKU: rapid.SampledFrom(skus[:2]).Draw(t, "sku"), Qty: rapid.Int64Range(1, 20).Draw(t, "qty")}}}
				each("receive", func(l *inventory.Ledger) (any, error) { return l.Receive(ctx, req) })
			},
			"safety stock": func(t *rapid.T) {
				ss := inventory.SafetyStock{SKU: rapid.SampledFrom(skus[:2]).Draw(t, "sku"), Location: rapid.SampledFrom(locs).Draw(t, "loc"),
					Qty: rapid.Int64Range(0, 5).Draw(t, "qty")}
				each("safety stock", func(l *inventory.Ledger) (any, error) { return nil, l.SetSafetyStock(ctx, ss) })
			},
			"sell": func(t *rapid.T) {
				// A till sale is never refused: it may drive the book
				// below zero, which a reservation must then see.
				req := inventory.StockRequest{Location: rapid.SampledFrom(locs).Draw(t, "loc"),
					Lines: []inventory.Line{{SKU: rapid.SampledFrom(skus[:2]).Draw(t, "sku"), Qty: rapid.Int64Range(1, 10).Draw(t, "qty")}}}
				each("sell", func(l *inventory.Ledger) (any, error) { return l.Sell(ctx, req) })
			},
			"reserve": func(t *rapid.T) {
				req := inventory.ReserveRequest{Owner: rapid.SampledFrom([]string{"", "cart-1"}).Draw(t, "owner"),
					Lines: rapid.SliceOfN(rapid.Custom(line), 1, 3).Draw(t, "lines")}
				switch rapid.IntRange(0, 3).Draw(t, "id") {
				case 0:
					req.ID = "mine-" + inventory.ReservationID(rapid.SampledFrom([]string{"1", "2"}).Draw(t, "own id"))
				case 1:
					if len(ids) > 0 {
						req.ID = rapid.SampledFrom(ids).Draw(t, "taken id")
					}
				}
				if rapid.Bool().Draw(t, "keyed") {
					req.IdempotencyKey = rapid.SampledFrom([]string{"k1", "k2"}).Draw(t, "key")
				}
				if rapid.Bool().Draw(t, "expires") {
					req.ExpiresAt = clock.Now().Add(time.Duration(rapid.IntRange(-1, 10).Draw(t, "minutes")) * time.Minute)
				}
				var got inventory.Reservation
				each("reserve", func(l *inventory.Ledger) (any, error) {
					r, err := l.Reserve(ctx, req)
					got = r
					return r, err
				})
				if got.ID != "" {
					ids = append(ids, got.ID)
				}
				if req.IdempotencyKey != "" {
					retry = func(l *inventory.Ledger) (any, error) { return l.Reserve(ctx, req) }
				}
			},
			"retry": func(t *rapid.T) {
				// The last keyed command again, as a client retries.
				if retry == nil {
					t.Skip("no keyed command")
				}
				each("retry", retry)
			},
			"settle": func(t *rapid.T) {
				if len(ids) == 0 {
					t.Skip("no reservation")
				}
				req := inventory.SettleRequest{ID: rapid.SampledFrom(ids).Draw(t, "id"),
					Reference: rapid.SampledFrom([]string{"", "parcel-1"}).Draw(t, "reference")}
				switch rapid.IntRange(0, 2).Draw(t, "ids") {
				case 0:
					req.ID = "mine-" + inventory.ReservationID(rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "own id"))
				case 1:
					// A part: lines of the reservation or not, more
					// than it holds or not, one pair twice or not.
					req.Lines = rapid.SliceOfN(rapid.Custom(line), 1, 3).Draw(t, "lines")
				}
				if rapid.IntRange(0, 3).Draw(t, "keyed") == 0 {
					req.IdempotencyKey = rapid.SampledFrom([]string{"k1", "k3"}).Draw(t, "key")
				}
				commit := rapid.Bool().Draw(t, "commit")
				settle := func(l *inventory.Ledger) (any, error) {
					if commit {
						return l.Commit(ctx, req)
					}
					return l.Release(ctx, req)
				}
				each("settle", settle)
				if req.IdempotencyKey != "" {
					retry = settle
				}
			},
			"advance": func(t *rapid.T) {
				clock.Advance(time.Duration(rapid.IntRange(1, 5).Draw(t, "minutes")) * time.Minute)
			},
		})

		// The stores hold the same records.
		var dumps [2]storeDump
		for i, s := range []*Inventory{direct.Inventory, generic} {
			dumps[i] = dump(t, s)
		}
		if diff := gocmp.Diff(dumps[1], dumps[0]); diff != "" {
			t.Fatalf("stores differ (-generic +direct):\n%s", diff)
		}
		for i, l := range ls {
			if err := l.Verify(ctx); err != nil {
				t.Fatalf("ledger %d: %v", i, err)
			}
		}
		// Unless no reservation was drawn unkeyed, the first ledger used
		// ReserveDirect (else this test compares the generic path with
		// itself).
		unkeyed := 0
		for _, e := range dumps[0].Entries {
			if e.Kind == inventory.KindReserve && e.IdempotencyKey == "" {
				unkeyed++
			}
		}
		if unkeyed > 0 && direct.n.Load() == 0 {
			t.Fatalf("%d unkeyed reservations, none through ReserveDirect", unkeyed)
		}
		settled := 0
		for _, e := range dumps[0].Entries {
			if (e.Kind == inventory.KindCommit || e.Kind == inventory.KindRelease) && e.IdempotencyKey == "" {
				settled++
			}
		}
		if settled > 0 && direct.settled.Load() == 0 {
			t.Fatalf("%d unkeyed commits and releases, none through SettleDirect", settled)
		}
	})
}

// TestSettleDirectShortReserved: a commit or a release of more units
// than the pair's reserved account holds, which only a store changed
// behind the ledger's back can ask for, is refused alike by SettleDirect
// and by the transaction function (a *ShortageError on the reserved
// bucket) and writes nothing; a line left out of a partial settle is not
// checked, short or not.
func TestSettleDirectShortReserved(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		lines []inventory.LocatedLine // of the settle request
		short bool
	}{
		{name: "every open unit", short: true},
		{name: "the short line", lines: []inventory.LocatedLine{{SKU: "B", Location: "wh", Qty: 2}}, short: true},
		{name: "another line", lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}},
	} {
		for _, commit := range []bool{true, false} {
			name := fmt.Sprintf("%s, commit %v", tc.name, commit)
			direct := &directCounter{Inventory: NewInventory()}
			generic := NewInventory()
			var errs [2]error
			var got [2]inventory.Entry
			clock := omnikit.NewManualClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
			for i, s := range []inventory.Store{direct, genericStore{generic}} {
				l, err := inventory.New(ctx, s, &inventory.Options{Clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
					t.Fatal(err)
				}
				if err := l.DefineSKUs(ctx, "A", "B"); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 10}, {SKU: "B", Qty: 10}}}); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Reserve(ctx, inventory.ReserveRequest{ID: "r1", Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 3}, {SKU: "B", Location: "wh", Qty: 3}}}); err != nil {
					t.Fatal(err)
				}
				// B's reserved account: 3 -> -1.
				[]*Inventory{direct.Inventory, generic}[i].corruptBalance(inventory.Account{SKU: "B", Location: "wh", Bucket: inventory.Reserved}, -4)
				req := inventory.SettleRequest{ID: "r1", Lines: tc.lines}
				if commit {
					got[i], errs[i] = l.Commit(ctx, req)
				} else {
					got[i], errs[i] = l.Release(ctx, req)
				}
			}
			var short *inventory.ShortageError
			if !tc.short && errs[0] != nil {
				t.Fatalf("%s: direct: %v, want no error", name, errs[0])
			}
			if tc.short && (!errors.As(errs[0], &short) || len(short.Lines) != 1 || short.Lines[0].SKU != "B" ||
				short.Lines[0].Bucket != inventory.Reserved || short.Lines[0].Available != 0) {
				t.Fatalf("%s: direct: %v, want a shortage of B's reserved bucket with 0 available", name, errs[0])
			}
			if fmt.Sprint(errs[0]) != fmt.Sprint(errs[1]) {
				t.Fatalf("%s: direct %v, generic %v", name, errs[0], errs[1])
			}
			if diff := gocmp.Diff(got[1], got[0]); diff != "" {
				t.Fatalf("%s: entries differ (-generic +direct):\n%s", name, diff)
			}
			if direct.settled.Load() != 1 {
				t.Fatalf("%s: %d commands through SettleDirect, want 1", name, direct.settled.Load())
			}
			if diff := gocmp.Diff(dump(t, generic), dump(t, direct.Inventory)); diff != "" {
				t.Fatalf("%s: stores differ (-generic +direct):\n%s", name, diff)
			}
		}
	}
}

// storeDump is everything an Inventory holds of a ledger, sorted, and
// its idempotency records.
type storeDump struct {
	Entries      []inventory.Entry
	Reservations []inventory.Reservation
	Balances     []inventory.Balance
	Raws         []inventory.ChannelRaw
	NextExpiry   time.Time
	Idempotency  map[string]inventory.IdempotencyRecord
}

func dump(t interface{ Fatal(...any) }, s *Inventory) storeDump {
	var d storeDump
	err := s.View(context.Background(), func(tx inventory.ReadTx) error {
		var err error
		if d.Entries, err = tx.Entries(0, 1<<30); err != nil {
			return err
		}
		if err := tx.Reservations(func(r inventory.Reservation) error { d.Reservations = append(d.Reservations, r); return nil }); err != nil {
			return err
		}
		if err := tx.Balances(func(b inventory.Balance) error { d.Balances = append(d.Balances, b); return nil }); err != nil {
			return err
		}
		if err := tx.ChannelRaws(func(r inventory.ChannelRaw) error { d.Raws = append(d.Raws, r); return nil }); err != nil {
			return err
		}
		d.Idempotency = maps.Clone(s.idem)
		d.NextExpiry, _, err = tx.NextExpiry()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(d.Reservations, func(a, b inventory.Reservation) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Balances, func(a, b inventory.Balance) int { return a.Account.Compare(b.Account) })
	slices.SortFunc(d.Raws, func(a, b inventory.ChannelRaw) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.SKU, b.SKU))
	})
	return d
}
