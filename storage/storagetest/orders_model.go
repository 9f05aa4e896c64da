package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
)

// omodel is the model of the orders state-machine test: the state each
// fulfilment must be in, its pickup deadline, and the physical units each
// location must hold (received, less handed over, less the units a short
// pick found missing).
type omodel struct {
	ctx    context.Context
	l      *inventory.Ledger
	clk    *omnikit.ManualClock
	oms    *orders.Service
	onHand map[string]int64 // sku@loc -> sellable + reserved
	fstate map[string]orders.FulfilmentState
	pickBy map[string]time.Time
	method map[string]routing.Method
	ids    []orders.OrderID
	n      int
	// The event log read so far: its length and each order's count.
	seen    int64
	byOrder map[orders.OrderID]int
	last    orders.OrderID // the order touched last
}

func fkey(id orders.OrderID, f orders.FulfilmentID) string { return string(id) + "/" + string(f) }

var (
	modelSKUs = []omnikit.SKU{"A", "B", "C"}
	modelLocs = []omnikit.LocationID{"wh", "paris", "lyon"}
)

// testOrdersModel runs random orders, rejections, cancellations, pickups,
// expiries and shipments against the Service and checks after every step
// that every fulfilment is in the one state the model predicts, that the
// ledger holds exactly the units of the live fulfilments (so every
// reservation ends exactly once and none leaks), that stock is conserved,
// and that the event log is gap-free.
func testOrdersModel(t *testing.T, h OrdersHarness) {
	rapid.Check(t, func(rt *rapid.T) {
		inv, st := h.NewStores(t)
		m := &omodel{ctx: context.Background(), clk: omnikit.NewManualClock(scenStart),
			onHand: map[string]int64{}, byOrder: map[orders.OrderID]int{}, fstate: map[string]orders.FulfilmentState{}, pickBy: map[string]time.Time{}, method: map[string]routing.Method{}}
		l, err := inventory.New(m.ctx, inv, &inventory.Options{Clock: m.clk, GroupCommit: h.GroupCommit})
		if err != nil {
			rt.Fatal(err)
		}
		m.l = l
		for _, loc := range []inventory.Location{
			{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip, Geo: omnikit.GeoPoint{Lat: 48.9, Lng: 2.6}},
			{ID: "paris", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore, Geo: omnikit.GeoPoint{Lat: 48.86, Lng: 2.35}},
			{ID: "lyon", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore, Geo: omnikit.GeoPoint{Lat: 45.76, Lng: 4.84}},
		} {
			if err := l.DefineLocation(m.ctx, loc); err != nil {
				rt.Fatal(err)
			}
		}
		if err := l.DefineSKUs(m.ctx, modelSKUs...); err != nil {
			rt.Fatal(err)
		}
		if err := l.DefineChannel(m.ctx, inventory.Channel{ID: "web", Pool: modelLocs}); err != nil {
			rt.Fatal(err)
		}
		m.oms, err = orders.New(l, st, &orders.Options{
			NewOrderID:    func() orders.OrderID { m.n++; return orders.OrderID(fmt.Sprintf("O%d", m.n)) },
			NewPickupCode: func() string { return "CODE" },
			PickupWindow:  24 * time.Hour,
		})
		if err != nil {
			rt.Fatal(err)
		}
		for _, sku := range modelSKUs {
			for _, loc := range modelLocs {
				if q := int64(rapid.IntRange(0, 6).Draw(rt, "initial")); q > 0 {
					if _, err := l.Receive(m.ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: q}}}); err != nil {
						rt.Fatal(err)
					}
					m.onHand[string(sku)+"@"+string(loc)] += q
				}
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"receive": m.receive,
			"place":   m.place,
			"step":    m.step,
			"advance": m.step,
			"reject":  m.reject,
			"cancel":  m.cancel,
			"expire":  m.expire,
			"":        m.check,
		})
	})
}

func (m *omodel) receive(rt *rapid.T) {
	sku := rapid.SampledFrom(modelSKUs).Draw(rt, "sku")
	loc := rapid.SampledFrom(modelLocs).Draw(rt, "loc")
	q := int64(rapid.IntRange(1, 4).Draw(rt, "qty"))
	if _, err := m.l.Receive(m.ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: q}}}); err != nil {
		rt.Fatal(err)
	}
	m.onHand[string(sku)+"@"+string(loc)] += q
}

func (m *omodel) place(rt *rapid.T) {
	var groups []orders.GroupRequest
	n := 0
	for g := range rapid.IntRange(1, 2).Draw(rt, "groups") {
		var d orders.Delivery
		switch rapid.IntRange(0, 3).Draw(rt, "method") {
		case 0, 1:
			d = shipParis
		case 2:
			d = pickupAt(rapid.SampledFrom([]omnikit.LocationID{"paris", "lyon"}).Draw(rt, "store"))
		default:
			d = orders.Delivery{Method: routing.TakeAway, Store: "paris"}
		}
		gr := orders.GroupRequest{Delivery: d}
		for range rapid.IntRange(1, 2).Draw(rt, "lines") {
			n++
			gr.Lines = append(gr.Lines, oline(fmt.Sprintf("G%dL%d", g, n), rapid.SampledFrom(modelSKUs).Draw(rt, "sku"), int64(rapid.IntRange(1, 3).Draw(rt, "qty"))))
		}
		groups = append(groups, gr)
	}
	backorder := rapid.Bool().Draw(rt, "backorder")
	before := m.reservedTotal(rt)
	o, err := m.oms.Place(m.ctx, orders.PlaceRequest{Channel: "web", Groups: groups, Backorder: backorder})
	if err != nil {
		if backorder || !errors.Is(err, orders.ErrUnfulfillable) {
			rt.Fatalf("place (backorder %v): %v", backorder, err)
		}
		if after := m.reservedTotal(rt); after != before {
			rt.Fatalf("a failed placement changed the reserved units: %d -> %d", before, after)
		}
		return
	}
	m.ids = append(m.ids, o.ID)
	m.last = o.ID
	m.learn(rt, o)
}

// learn adds the fulfilments of o that the model has not seen: they must
// be new, that is created.
func (m *omodel) learn(rt *rapid.T, o orders.Order) {
	for _, f := range o.Fulfilments {
		k := fkey(o.ID, f.ID)
		if _, ok := m.fstate[k]; !ok {
			if f.State != orders.Created {
				rt.Fatalf("new fulfilment %s is %s", k, f.State)
			}
			m.fstate[k] = orders.Created
			m.method[k] = f.Method
		}
	}
}

// pick draws a fulfilment the model knows, and skips the action when there
// is none.
func (m *omodel) pick(rt *rapid.T) (orders.Order, orders.Fulfilment) {
	if len(m.ids) == 0 {
		rt.Skip("no fulfilment")
	}
	id := rapid.SampledFrom(m.ids).Draw(rt, "order")
	m.last = id
	o, err := m.oms.Get(m.ctx, id)
	if err != nil {
		rt.Fatal(err)
	}
	if len(o.Fulfilments) == 0 {
		rt.Skip("no fulfilment")
	}
	fs := o.Fulfilments
	var live []orders.Fulfilment
	for _, f := range fs {
		if !f.State.Terminal() {
			live = append(live, f)
		}
	}
	if len(live) > 0 && rapid.IntRange(0, 3).Draw(rt, "preferLive") > 0 {
		fs = live
	}
	f := rapid.SampledFrom(fs).Draw(rt, "fulfilment")
	return o, f
}

var modelSteps = []struct {
	name string
	from []orders.FulfilmentState
	to   orders.FulfilmentState
	only routing.Method // 0: any method
	not  routing.Method
}{
	{"accept", []orders.FulfilmentState{orders.Created}, orders.Accepted, 0, 0},
	{"pick", []orders.FulfilmentState{orders.Accepted}, orders.Picking, 0, 0},
	{"pack", []orders.FulfilmentState{orders.Picking}, orders.Packed, 0, 0},
	{"ship", []orders.FulfilmentState{orders.Packed}, orders.Shipped, routing.Ship, 0},
	{"deliver", []orders.FulfilmentState{orders.Shipped}, orders.Delivered, 0, 0},
	{"ready", []orders.FulfilmentState{orders.Packed}, orders.ReadyForPickup, 0, routing.Ship},
	{"collect", []orders.FulfilmentState{orders.ReadyForPickup}, orders.Collected, routing.Pickup, 0},
	{"collect", []orders.FulfilmentState{orders.Created, orders.Accepted, orders.Picking, orders.Packed, orders.ReadyForPickup}, orders.Collected, routing.TakeAway, 0},
}

func (m *omodel) step(rt *rapid.T) {
	o, f := m.pick(rt)
	k := fkey(o.ID, f.ID)
	cur := m.fstate[k]
	name := rapid.SampledFrom([]string{"accept", "pick", "pack", "ship", "deliver", "ready", "collect", "collect-wrong-code"}).Draw(rt, "op")
	if rapid.IntRange(0, 3).Draw(rt, "forward") > 0 {
		// Mostly take the fulfilment's next step, so that runs reach the
		// late states.
		next := map[orders.FulfilmentState]string{orders.Created: "accept", orders.Accepted: "pick", orders.Picking: "pack", orders.Shipped: "deliver", orders.ReadyForPickup: "collect"}
		if n, ok := next[cur]; ok {
			name = n
		} else if cur == orders.Packed && f.Method == routing.Ship {
			name = "ship"
		} else if cur == orders.Packed {
			name = "ready"
		}
	}
	var want orders.FulfilmentState
	rule := name
	if name == "collect-wrong-code" && f.Method == routing.TakeAway {
		rule = "collect" // a take-away sale checks no code
	}
	for _, s := range modelSteps {
		if s.name == rule && slices.Contains(s.from, cur) && (s.only == 0 || s.only == f.Method) && (s.not == 0 || s.not != f.Method) {
			want = s.to
		}
	}
	events := m.eventCount(rt)
	var got orders.Order
	var err error
	switch name {
	case "accept":
		got, err = m.oms.Accept(m.ctx, o.ID, f.ID)
	case "pick":
		got, err = m.oms.StartPicking(m.ctx, o.ID, f.ID)
	case "pack":
		got, err = m.oms.Pack(m.ctx, o.ID, f.ID)
	case "ship":
		got, err = m.oms.Ship(m.ctx, o.ID, f.ID, "T")
	case "deliver":
		got, err = m.oms.Deliver(m.ctx, o.ID, f.ID)
	case "ready":
		got, err = m.oms.ReadyForPickup(m.ctx, o.ID, f.ID)
	case "collect":
		got, err = m.oms.Collect(m.ctx, o.ID, f.ID, "CODE")
	case "collect-wrong-code":
		got, err = m.oms.Collect(m.ctx, o.ID, f.ID, "WRONG")
		if f.Method == routing.Pickup && cur == orders.ReadyForPickup {
			if !errors.Is(err, orders.ErrPickupCode) {
				rt.Fatalf("wrong code on %s: %v", k, err)
			}
			m.expectNoEvents(rt, events)
			return
		}
	}
	if want == "" {
		if !errors.Is(err, orders.ErrIllegalTransition) {
			rt.Fatalf("%s on %s (%s, %s): got %v, want ErrIllegalTransition", name, k, cur, f.Method, err)
		}
		m.expectNoEvents(rt, events)
		return
	}
	if err != nil {
		rt.Fatalf("%s on %s (%s): %v", name, k, cur, err)
	}
	m.fstate[k] = want
	if want == orders.ReadyForPickup {
		m.pickBy[k] = m.clk.Now().Add(24 * time.Hour)
	}
	if want == orders.Shipped || want == orders.Collected {
		for _, fl := range got.Fulfilment(f.ID).Lines {
			m.onHand[string(fl.SKU)+"@"+string(f.Location)] -= fl.Qty
		}
	}
}

func (m *omodel) reject(rt *rapid.T) {
	o, f := m.pick(rt)
	k := fkey(o.ID, f.ID)
	cur := m.fstate[k]
	req := orders.RejectRequest{Reason: "not found", KeepStock: rapid.Bool().Draw(rt, "keepStock")}
	qty := map[string]int64{}
	if rapid.Bool().Draw(rt, "partial") {
		fl := rapid.SampledFrom(f.Lines).Draw(rt, "line")
		q := int64(rapid.IntRange(1, 3).Draw(rt, "qty"))
		req.Lines = []orders.LineQty{{Line: fl.Line, Qty: q}}
		qty[fl.Line] = q
	} else {
		for _, fl := range f.Lines {
			qty[fl.Line] = fl.Qty
		}
	}
	events := m.eventCount(rt)
	got, err := m.oms.Reject(m.ctx, o.ID, f.ID, req)
	legal := cur == orders.Created || cur == orders.Accepted || cur == orders.Picking
	if !legal {
		if !errors.Is(err, orders.ErrIllegalTransition) {
			rt.Fatalf("reject %s in %s: %v", k, cur, err)
		}
		m.expectNoEvents(rt, events)
		return
	}
	carried := map[string]int64{}
	for _, fl := range f.Lines {
		carried[fl.Line] = fl.Qty
	}
	for line, q := range qty {
		if q > carried[line] {
			if !errors.Is(err, orders.ErrInvalidOrder) {
				rt.Fatalf("reject %d of %d carried: %v", q, carried[line], err)
			}
			m.expectNoEvents(rt, events)
			return
		}
	}
	if err != nil {
		rt.Fatalf("reject %s: %v", k, err)
	}
	if got.Fulfilment(f.ID).Units() == 0 {
		m.fstate[k] = orders.Rejected
	}
	if !req.KeepStock {
		for _, fl := range f.Lines {
			m.onHand[string(fl.SKU)+"@"+string(f.Location)] -= qty[fl.Line]
		}
	}
	m.learn(rt, got)
}

func (m *omodel) cancel(rt *rapid.T) {
	o, f := m.pick(rt)
	live := func(s orders.FulfilmentState) bool { return !s.Terminal() && s != orders.Shipped }
	if rapid.Bool().Draw(rt, "whole") {
		any := false
		for _, f := range o.Fulfilments {
			any = any || live(m.fstate[fkey(o.ID, f.ID)]) && f.Units() > 0
		}
		for _, l := range o.Lines {
			any = any || l.Backordered > 0
		}
		events := m.eventCount(rt)
		got, err := m.oms.Cancel(m.ctx, o.ID, "customer")
		if !any {
			if !errors.Is(err, orders.ErrIllegalTransition) {
				rt.Fatalf("cancel of %s with nothing to cancel: %v", o.ID, err)
			}
			m.expectNoEvents(rt, events)
			return
		}
		if err != nil {
			rt.Fatalf("cancel %s: %v", o.ID, err)
		}
		for _, f := range got.Fulfilments {
			k := fkey(o.ID, f.ID)
			if live(m.fstate[k]) {
				m.fstate[k] = orders.FCancelled
			}
		}
		return
	}
	fl := rapid.SampledFrom(f.Lines).Draw(rt, "line")
	q := int64(rapid.IntRange(1, 3).Draw(rt, "qty"))
	cancellable := o.Line(fl.Line).Backordered
	for _, f := range o.Fulfilments {
		if live(m.fstate[fkey(o.ID, f.ID)]) {
			for _, x := range f.Lines {
				if x.Line == fl.Line {
					cancellable += x.Qty
				}
			}
		}
	}
	events := m.eventCount(rt)
	got, err := m.oms.CancelLines(m.ctx, o.ID, []orders.LineQty{{Line: fl.Line, Qty: q}}, "customer")
	if q > cancellable {
		if !errors.Is(err, orders.ErrInvalidOrder) {
			rt.Fatalf("cancel %d of %d cancellable: %v", q, cancellable, err)
		}
		m.expectNoEvents(rt, events)
		return
	}
	if err != nil {
		rt.Fatalf("cancel lines: %v", err)
	}
	for _, f := range got.Fulfilments {
		k := fkey(o.ID, f.ID)
		if live(m.fstate[k]) && f.Units() == 0 {
			m.fstate[k] = orders.FCancelled
		}
	}
}

func (m *omodel) expire(rt *rapid.T) {
	m.clk.Advance(time.Duration(rapid.IntRange(0, 30).Draw(rt, "hours")) * time.Hour)
	now := m.clk.Now()
	want := 0
	for k, s := range m.fstate {
		if s == orders.ReadyForPickup && !m.pickBy[k].After(now) {
			m.fstate[k] = orders.FCancelled
			want++
		}
	}
	n, err := m.oms.ExpirePickups(m.ctx)
	if err != nil {
		rt.Fatal(err)
	}
	if n != want {
		rt.Fatalf("ExpirePickups cancelled %d, the model %d", n, want)
	}
}

// eventCount reads the events appended since the last read, checks that
// they continue the log without a gap, and returns the log's length.
func (m *omodel) eventCount(rt *rapid.T) int64 {
	for {
		page, err := m.oms.Events(m.ctx, m.seen, 50)
		if err != nil {
			rt.Fatal(err)
		}
		if len(page) == 0 {
			return m.seen
		}
		for _, e := range page {
			if e.Seq != m.seen+1 {
				rt.Fatalf("event after %d has seq %d", m.seen, e.Seq)
			}
			m.seen = e.Seq
			m.byOrder[e.Order]++
		}
	}
}

func (m *omodel) expectNoEvents(rt *rapid.T, before int64) {
	if after := m.eventCount(rt); after != before {
		rt.Fatalf("a refused operation wrote %d events", after-before)
	}
}

func (m *omodel) reservedTotal(rt *rapid.T) int64 {
	var n int64
	for _, sku := range modelSKUs {
		for _, loc := range modelLocs {
			a, err := m.l.Availability(m.ctx, sku, loc)
			if err != nil {
				rt.Fatal(err)
			}
			n += a.Reserved
		}
	}
	return n
}

func (m *omodel) check(rt *rapid.T) {
	var carried int64
	seen := 0
	for _, id := range m.ids {
		o, err := m.oms.Get(m.ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		checkOrderInvariants(rt, m.ctx, m.l, o)
		for _, f := range o.Fulfilments {
			k := fkey(id, f.ID)
			seen++
			if want := m.fstate[k]; f.State != want {
				rt.Fatalf("fulfilment %s is %s, the model says %s", k, f.State, want)
			}
			if !f.State.Terminal() && !f.State.HandedOver() {
				carried += f.Units()
			}
		}
	}
	if seen != len(m.fstate) {
		rt.Fatalf("%d fulfilments stored, the model knows %d", seen, len(m.fstate))
	}
	var reserved int64
	for _, sku := range modelSKUs {
		for _, loc := range modelLocs {
			a, err := m.l.Availability(m.ctx, sku, loc)
			if err != nil {
				rt.Fatal(err)
			}
			if k := string(sku) + "@" + string(loc); a.Sellable+a.Reserved != m.onHand[k] {
				rt.Fatalf("%s holds %d+%d units, the model %d", k, a.Sellable, a.Reserved, m.onHand[k])
			}
			reserved += a.Reserved
		}
	}
	if reserved != carried {
		rt.Fatalf("the ledger reserves %d units, live fulfilments carry %d", reserved, carried)
	}
	if err := m.l.Verify(m.ctx); err != nil {
		rt.Fatal(err)
	}
	m.eventCount(rt)
	if m.last != "" {
		h, err := m.oms.History(m.ctx, m.last)
		if err != nil {
			rt.Fatal(err)
		}
		if len(h) != m.byOrder[m.last] {
			rt.Fatalf("History(%s) has %d events, the log %d", m.last, len(h), m.byOrder[m.last])
		}
		for i := 1; i < len(h); i++ {
			if h[i].Seq <= h[i-1].Seq || h[i].Order != m.last {
				rt.Fatalf("History(%s) out of order at %d", m.last, i)
			}
		}
	}
}
