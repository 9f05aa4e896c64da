package storagetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// testInventoryModel is a state-machine test: rapid draws random sequences
// of ledger commands (valid, invalid, retried and conflicting) and runs each
// against the ledger and against a plain Go model of balances, safety
// stocks, reservations and the clock. After every command it checks that
// the ledger agrees with the model (availability per SKU and location,
// channel availability recomputed from the ChannelRule semantics,
// reservation states and exact expiry), that Verify is clean, and that the
// change feed is gapless, conserves units, ends every reservation exactly
// once, never commits at or after a deadline, never lets an authorizing
// write drive a bucket negative and publishes every channel change.
func testInventoryModel(t *testing.T, h InventoryHarness) {
	rapid.Check(t, func(rt *rapid.T) {
		l, clk := newLedger(t, h)
		m := modelSetup(rt, l, clk)
		rt.Repeat(map[string]func(*rapid.T){
			"":                   m.check,
			"receive":            m.actReceive,
			"sell":               m.actSell,
			"adjust":             m.actAdjust,
			"count":              m.actCount,
			"reserve":            m.actReserve,
			"commit":             func(rt *rapid.T) { m.actSettle(rt, inventory.KindCommit) },
			"release":            func(rt *rapid.T) { m.actSettle(rt, inventory.KindRelease) },
			"settleNearDeadline": m.actSettleNearDeadline,
			"transferOut":        m.actTransferOut,
			"transferIn":         m.actTransferIn,
			"return":             m.actReturn,
			"restock":            func(rt *rapid.T) { m.actQuarantine(rt, inventory.KindRestock) },
			"writeOff":           func(rt *rapid.T) { m.actQuarantine(rt, inventory.KindWriteOff) },
			"setSafetyStock":     m.actSetSafetyStock,
			"expireDue":          m.actExpireDue,
			"advance":            m.actAdvance,
			"advanceAndReserve":  m.actAdvanceAndReserve,
			"retry":              m.actRetry,
			"conflict":           m.actConflict,
			"invalid":            m.actInvalid,
		})
	})
}

type modelSkuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}

// modelRes is the model of one reservation.
type modelRes struct {
	id      inventory.ReservationID
	owner   string
	lines   []inventory.ReservationLine
	expires time.Time
	state   inventory.ReservationState
}

func (r *modelRes) open() int64 {
	var n int64
	for _, ln := range r.lines {
		n += ln.Open()
	}
	return n
}

func (r *modelRes) due(now time.Time) bool {
	return r.state == inventory.Active && !r.expires.IsZero() && !now.Before(r.expires)
}

// modelKeyed is a command that carried an idempotency key and was applied.
type modelKeyed struct {
	desc string
	// retry runs the same input again: it must return the first result
	// and write nothing.
	retry func(rt *rapid.T)
	// conflict runs another input with the same key: it must fail with
	// ErrIdempotencyConflict and write nothing.
	conflict func(rt *rapid.T)
}

type modelState struct {
	ctx   context.Context
	l     *inventory.Ledger
	clk   *omnikit.ManualClock
	skus  []omnikit.SKU
	locs  []inventory.Location
	chans []inventory.Channel
	ltype map[omnikit.LocationID]inventory.LocationType

	bal      map[inventory.Account]int64
	safety   map[modelSkuLoc]int64
	res      map[inventory.ReservationID]*modelRes
	resOrder []inventory.ReservationID
	keyed    []*modelKeyed
	seq      int64 // entries the ledger must have appended
	nkey     int
	nid      int
}

func modelSetup(rt *rapid.T, l *inventory.Ledger, clk *omnikit.ManualClock) *modelState {
	rt.Helper()
	ctx := context.Background()
	m := &modelState{
		ctx: ctx, l: l, clk: clk,
		ltype:  map[omnikit.LocationID]inventory.LocationType{},
		bal:    map[inventory.Account]int64{},
		safety: map[modelSkuLoc]int64{},
		res:    map[inventory.ReservationID]*modelRes{},
	}
	m.locs = []inventory.Location{
		{ID: "wh", Name: "warehouse", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip},
		{ID: "st1", Name: "store 1", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
		{ID: "st2", Name: "store 2", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore},
	}
	for _, loc := range m.locs {
		m.ltype[loc.ID] = loc.Type
		if err := l.DefineLocation(ctx, loc); err != nil {
			rt.Fatalf("setup: DefineLocation(%s): %v", loc.ID, err)
		}
	}
	m.skus = []omnikit.SKU{"A", "B", "C", "D"}[:rapid.IntRange(3, 4).Draw(rt, "numSKUs")]
	if err := l.DefineSKUs(ctx, m.skus...); err != nil {
		rt.Fatalf("setup: DefineSKUs: %v", err)
	}
	m.chans = []inventory.Channel{
		{ID: "market", Pool: []omnikit.LocationID{"st1", "wh"}, Rule: inventory.ChannelRule{
			BufferPercent: int64(rapid.IntRange(0, 50).Draw(rt, "marketPercent")),
			BufferUnits:   int64(rapid.IntRange(0, 3).Draw(rt, "marketUnits")),
			Cap:           rapid.SampledFrom([]int64{0, 0, 4, 12}).Draw(rt, "marketCap"),
		}},
		{ID: "web", Pool: []omnikit.LocationID{"st1", "st2", "wh"}, Rule: inventory.ChannelRule{
			StoreThreshold: int64(rapid.IntRange(1, 3).Draw(rt, "webThreshold")),
		}},
	}
	for _, ch := range m.chans {
		if err := l.DefineChannel(ctx, ch); err != nil {
			rt.Fatalf("setup: DefineChannel(%s): %v", ch.ID, err)
		}
	}
	for _, sku := range m.skus {
		for _, loc := range m.locs {
			q := rapid.SampledFrom([]int64{0, 0, 0, 1, 2, 3}).Draw(rt, "safety")
			if err := l.SetSafetyStock(ctx, inventory.SafetyStock{SKU: sku, Location: loc.ID, Qty: q}); err != nil {
				rt.Fatalf("setup: SetSafetyStock(%s@%s, %d): %v", sku, loc.ID, q, err)
			}
			m.safety[modelSkuLoc{sku, loc.ID}] = q
		}
	}
	feed, err := l.Changes(ctx, 0, 10000)
	if err != nil {
		rt.Fatalf("setup: Changes: %v", err)
	}
	m.seq = int64(len(feed))
	// Some initial stock, through the model so that it is checked too.
	for _, sku := range m.skus {
		for _, loc := range m.locs {
			if q := int64(rapid.IntRange(0, 8).Draw(rt, "initial")); q > 0 {
				m.doStock(rt, "initial receive", inventory.KindReceive, loc.ID, []inventory.Line{{SKU: sku, Qty: q}}, "")
			}
		}
	}
	return m
}

// ---- small helpers ----

func (m *modelState) acct(sku omnikit.SKU, loc omnikit.LocationID, b inventory.Bucket) inventory.Account {
	return inventory.Account{SKU: sku, Location: loc, Bucket: b}
}

func (m *modelState) sellable(sku omnikit.SKU, loc omnikit.LocationID) int64 {
	return m.bal[m.acct(sku, loc, inventory.Sellable)]
}

func modelATP(sellable, safety int64) int64 { return max(0, sellable-safety) }

func (m *modelState) atp(sku omnikit.SKU, loc omnikit.LocationID) int64 {
	return modelATP(m.sellable(sku, loc), m.safety[modelSkuLoc{sku, loc}])
}

// channel recomputes a channel's availability of a SKU from scratch by the
// documented ChannelRule semantics.
func (m *modelState) channel(ch inventory.Channel, sku omnikit.SKU) int64 {
	var sum int64
	for _, loc := range ch.Pool {
		a := m.atp(sku, loc)
		if t := ch.Rule.StoreThreshold; t > 0 && m.ltype[loc] == inventory.TypeStore {
			a = max(0, a-t)
		}
		sum += a
	}
	v := sum * (100 - ch.Rule.BufferPercent) / 100
	v -= ch.Rule.BufferUnits
	if v < 0 {
		v = 0
	}
	if ch.Rule.Cap > 0 && v > ch.Rule.Cap {
		v = ch.Rule.Cap
	}
	return v
}

func (m *modelState) key(rt *rapid.T) string {
	if !rapid.Bool().Draw(rt, "keyed") {
		return ""
	}
	m.nkey++
	return "key-" + strconv.Itoa(m.nkey)
}

func (m *modelState) drawSKU(rt *rapid.T) omnikit.SKU {
	return rapid.SampledFrom(m.skus).Draw(rt, "sku")
}

func (m *modelState) drawLoc(rt *rapid.T) omnikit.LocationID {
	return rapid.SampledFrom([]omnikit.LocationID{"wh", "st1", "st2"}).Draw(rt, "loc")
}

func (m *modelState) drawLines(rt *rapid.T, maxQty int) []inventory.Line {
	n := rapid.IntRange(1, 2).Draw(rt, "numLines")
	var out []inventory.Line
	for range n {
		out = append(out, inventory.Line{SKU: m.drawSKU(rt), Qty: int64(rapid.IntRange(1, maxQty).Draw(rt, "qty"))})
	}
	return out
}

// activeIDs lists the reservations the model holds active, in creation order.
func (m *modelState) activeIDs(withExpiry bool) []inventory.ReservationID {
	var out []inventory.ReservationID
	for _, id := range m.resOrder {
		r := m.res[id]
		if r.state == inventory.Active && (!withExpiry || !r.expires.IsZero()) {
			out = append(out, id)
		}
	}
	return out
}

func (m *modelState) endedIDs() []inventory.ReservationID {
	var out []inventory.ReservationID
	for _, id := range m.resOrder {
		if m.res[id].state != inventory.Active {
			out = append(out, id)
		}
	}
	return out
}

// dueIDs lists the active reservations due at now, earliest first.
func (m *modelState) dueIDs(now time.Time) []inventory.ReservationID {
	var out []inventory.ReservationID
	for _, id := range m.resOrder {
		if m.res[id].due(now) {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b inventory.ReservationID) int {
		if c := m.res[a].expires.Compare(m.res[b].expires); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}

// apply moves the postings' units in the model and returns the network
// accounts they drove below zero (what a recording write flags).
func (m *modelState) apply(ps []inventory.Posting) []inventory.Account {
	old := map[inventory.Account]int64{}
	var order []inventory.Account
	touch := func(a inventory.Account, d int64) {
		if _, ok := old[a]; !ok {
			old[a] = m.bal[a]
			order = append(order, a)
		}
		m.bal[a] += d
	}
	for _, p := range ps {
		touch(p.From, -p.Qty)
		touch(p.To, p.Qty)
	}
	var flagged []inventory.Account
	for _, a := range order {
		if !a.Bucket.IsWorld() && m.bal[a] < 0 && m.bal[a] < old[a] {
			flagged = append(flagged, a)
		}
	}
	return flagged
}

// predictShort computes the shortage an authorizing write on bucket b would
// meet: every account of b the postings decrease below its floor (zero, or
// the safety stock for a reservation).
func (m *modelState) predictShort(ps []inventory.Posting, b inventory.Bucket, safety bool) []inventory.Shortage {
	delta := map[inventory.Account]int64{}
	var order []inventory.Account
	for _, p := range ps {
		for _, x := range []struct {
			a inventory.Account
			d int64
		}{{p.From, -p.Qty}, {p.To, p.Qty}} {
			if _, ok := delta[x.a]; !ok {
				order = append(order, x.a)
			}
			delta[x.a] += x.d
		}
	}
	var short []inventory.Shortage
	for _, a := range order {
		d := delta[a]
		if a.Bucket != b || d >= 0 {
			continue
		}
		var floor int64
		if safety && a.Bucket == inventory.Sellable {
			floor = m.safety[modelSkuLoc{a.SKU, a.Location}]
		}
		old := m.bal[a]
		if old+d < floor {
			short = append(short, inventory.Shortage{SKU: a.SKU, Location: a.Location, Bucket: a.Bucket,
				Requested: -d, Available: max(0, old-floor)})
		}
	}
	return short
}

func modelSortShortages(s []inventory.Shortage) {
	slices.SortFunc(s, func(a, b inventory.Shortage) int {
		return inventory.Account{SKU: a.SKU, Location: a.Location, Bucket: a.Bucket}.Compare(
			inventory.Account{SKU: b.SKU, Location: b.Location, Bucket: b.Bucket})
	})
}

func modelSortPostings(ps []inventory.Posting) []inventory.Posting {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b inventory.Posting) int {
		if c := a.From.Compare(b.From); c != 0 {
			return c
		}
		if c := a.To.Compare(b.To); c != 0 {
			return c
		}
		return cmp.Compare(a.Qty, b.Qty)
	})
	return ps
}

func modelSortAccounts(as []inventory.Account) []inventory.Account {
	as = slices.Clone(as)
	slices.SortFunc(as, inventory.Account.Compare)
	return as
}

func modelEqualPostings(a, b []inventory.Posting) bool {
	return slices.Equal(modelSortPostings(a), modelSortPostings(b))
}

// expectShort checks that err is the predicted *ShortageError and that
// nothing was written.
func (m *modelState) expectShort(rt *rapid.T, what string, err error, want []inventory.Shortage) {
	rt.Helper()
	if !errors.Is(err, inventory.ErrInsufficientStock) {
		rt.Fatalf("%s: the model predicts shortage %+v, got err=%v", what, want, err)
	}
	var se *inventory.ShortageError
	if !errors.As(err, &se) {
		rt.Fatalf("%s: error %v matches ErrInsufficientStock but is not a *ShortageError", what, err)
	}
	got := slices.Clone(se.Lines)
	modelSortShortages(got)
	modelSortShortages(want)
	if !slices.Equal(got, want) {
		rt.Fatalf("%s: shortage lines\n got  %+v\n want %+v", what, got, want)
	}
	m.expectNoWrite(rt, what)
}

// expectErr checks that err matches target and that nothing was written.
func (m *modelState) expectErr(rt *rapid.T, what string, err, target error) {
	rt.Helper()
	if !errors.Is(err, target) {
		rt.Fatalf("%s: got err=%v, want an error matching %v", what, err, target)
	}
	m.expectNoWrite(rt, what)
}

// expectNoWrite checks that the feed has no entry the model does not
// expect. Reading the feed expires due reservations lazily, so it is only
// read when nothing is due.
func (m *modelState) expectNoWrite(rt *rapid.T, what string) {
	rt.Helper()
	if len(m.dueIDs(m.clk.Now())) > 0 {
		return // the invariant check after the action counts entries
	}
	es, err := m.l.Changes(m.ctx, m.seq, 10)
	if err != nil {
		rt.Fatalf("%s: Changes: %v", what, err)
	}
	if len(es) > 0 {
		rt.Fatalf("%s: wrote %d entries (first %+v), want none: a failed or replayed command must write nothing", what, len(es), es[0])
	}
}

// expectEntry checks a successful write against the postings the model
// predicts and applies them.
func (m *modelState) expectEntry(rt *rapid.T, what string, e inventory.Entry, err error, kind inventory.EntryKind, want []inventory.Posting) {
	rt.Helper()
	if err != nil {
		rt.Fatalf("%s: unexpected error: %v", what, err)
	}
	if e.Seq != m.seq+1 {
		rt.Fatalf("%s: entry seq %d, want %d", what, e.Seq, m.seq+1)
	}
	if e.Kind != kind {
		rt.Fatalf("%s: entry kind %q, want %q", what, e.Kind, kind)
	}
	if !e.At.Equal(m.clk.Now()) {
		rt.Fatalf("%s: entry at %v, want the clock's %v", what, e.At, m.clk.Now())
	}
	if !modelEqualPostings(e.Postings, want) {
		rt.Fatalf("%s: postings\n got  %v\n want %v", what, e.Postings, want)
	}
	flagged := modelSortAccounts(m.apply(want))
	m.seq++
	if got := modelSortAccounts(e.Flagged); !slices.Equal(got, flagged) {
		rt.Fatalf("%s: flagged %v, want %v", what, got, flagged)
	}
}

// expectSameEntry checks a replayed command's result against the first.
func (m *modelState) expectSameEntry(rt *rapid.T, what string, got inventory.Entry, err error, first inventory.Entry) {
	rt.Helper()
	if err != nil {
		rt.Fatalf("%s: retry with the same input failed: %v", what, err)
	}
	if got.Seq != first.Seq || got.Kind != first.Kind || got.Reference != first.Reference ||
		got.Reservation != first.Reservation || got.IdempotencyKey != first.IdempotencyKey ||
		!got.At.Equal(first.At) || !modelEqualPostings(got.Postings, first.Postings) {
		rt.Fatalf("%s: retry returned\n %+v\nwant the first result\n %+v", what, got, first)
	}
	m.expectNoWrite(rt, what)
}

func (m *modelState) remember(k *modelKeyed) { m.keyed = append(m.keyed, k) }

// modelRememberEntry remembers a keyed command whose result is an entry:
// call with same must later return first again and write nothing; call
// with other (another input under the same key) must conflict.
func modelRememberEntry[I any](m *modelState, what string, first inventory.Entry, call func(I) (inventory.Entry, error), same, other I) {
	m.remember(&modelKeyed{
		desc: what,
		retry: func(rt *rapid.T) {
			got, err := call(same)
			m.expectSameEntry(rt, "retry of "+what, got, err, first)
		},
		conflict: func(rt *rapid.T) {
			_, err := call(other)
			m.expectErr(rt, "conflicting reuse of the key of "+what, err, inventory.ErrIdempotencyConflict)
		},
	})
}

// ---- recording and authorizing stock commands ----

// doStock runs a one-location stock command, predicting its postings (and
// its shortage for an authorizing kind), and remembers it when keyed.
func (m *modelState) doStock(rt *rapid.T, what string, kind inventory.EntryKind, loc omnikit.LocationID, lines []inventory.Line, key string) {
	rt.Helper()
	var from, to, authB inventory.Bucket
	sellableReturn := false
	switch kind {
	case inventory.KindReceive:
		from, to = inventory.Supplier, inventory.Sellable
	case inventory.KindSale:
		from, to = inventory.Sellable, inventory.Customer
	case inventory.KindRestock:
		from, to, authB = inventory.Quarantine, inventory.Sellable, inventory.Quarantine
	case inventory.KindWriteOff:
		from, to, authB = inventory.Quarantine, inventory.Shrinkage, inventory.Quarantine
	case inventory.KindReturn:
		from, to = inventory.Customer, inventory.Quarantine
		if rapid.Bool().Draw(rt, "returnSellable") {
			to, sellableReturn = inventory.Sellable, true
		}
	default:
		rt.Fatalf("doStock: kind %q", kind)
	}
	ref := "ref-" + string(kind)
	call := func(key string, lines []inventory.Line) (inventory.Entry, error) {
		req := inventory.StockRequest{Location: loc, Lines: lines, Reference: ref, IdempotencyKey: key}
		switch kind {
		case inventory.KindReceive:
			return m.l.Receive(m.ctx, req)
		case inventory.KindSale:
			return m.l.Sell(m.ctx, req)
		case inventory.KindRestock:
			return m.l.Restock(m.ctx, req)
		case inventory.KindWriteOff:
			return m.l.WriteOff(m.ctx, req)
		}
		return m.l.Return(m.ctx, inventory.ReturnRequest{Location: loc, Lines: lines, Sellable: sellableReturn, Reference: ref, IdempotencyKey: key})
	}
	what = fmt.Sprintf("%s %s@%s %v key=%q", what, kind, loc, lines, key)
	var ps []inventory.Posting
	for _, ln := range lines {
		ps = append(ps, inventory.Posting{From: m.acct(ln.SKU, loc, from), To: m.acct(ln.SKU, loc, to), Qty: ln.Qty})
	}
	var short []inventory.Shortage
	if authB != 0 {
		short = m.predictShort(ps, authB, false)
	}
	e, err := call(key, lines)
	if short != nil {
		m.expectShort(rt, what, err, short)
		return
	}
	m.expectEntry(rt, what, e, err, kind, ps)
	if key != "" {
		alt := slices.Clone(lines)
		alt[0].Qty++
		modelRememberEntry(m, what, e, func(ls []inventory.Line) (inventory.Entry, error) { return call(key, ls) }, lines, alt)
	}
}

func (m *modelState) actReceive(rt *rapid.T) {
	m.doStock(rt, "receive", inventory.KindReceive, m.drawLoc(rt), m.drawLines(rt, 10), m.key(rt))
}

func (m *modelState) actSell(rt *rapid.T) {
	m.doStock(rt, "till sale", inventory.KindSale, m.drawLoc(rt), m.drawLines(rt, 6), m.key(rt))
}

func (m *modelState) actReturn(rt *rapid.T) {
	m.doStock(rt, "customer return", inventory.KindReturn, m.drawLoc(rt), m.drawLines(rt, 4), m.key(rt))
}

func (m *modelState) actQuarantine(rt *rapid.T, kind inventory.EntryKind) {
	loc, sku := m.drawLoc(rt), m.drawSKU(rt)
	q := m.bal[m.acct(sku, loc, inventory.Quarantine)]
	qty := int64(rapid.IntRange(1, int(max(q, 0))+2).Draw(rt, "qty"))
	m.doStock(rt, string(kind), kind, loc, []inventory.Line{{SKU: sku, Qty: qty}}, m.key(rt))
}

func (m *modelState) actAdjust(rt *rapid.T) {
	loc, key := m.drawLoc(rt), m.key(rt)
	var lines []inventory.Adjustment
	for range rapid.IntRange(1, 2).Draw(rt, "numLines") {
		d := int64(rapid.IntRange(-5, 5).Filter(func(v int) bool { return v != 0 }).Draw(rt, "delta"))
		lines = append(lines, inventory.Adjustment{SKU: m.drawSKU(rt), Delta: d})
	}
	call := func(key string, lines []inventory.Adjustment) (inventory.Entry, error) {
		return m.l.Adjust(m.ctx, inventory.AdjustRequest{Location: loc, Lines: lines, Reference: "adjust", IdempotencyKey: key})
	}
	what := fmt.Sprintf("adjust@%s %v key=%q", loc, lines, key)
	var ps []inventory.Posting
	for _, ln := range lines {
		sell, shr := m.acct(ln.SKU, loc, inventory.Sellable), m.acct(ln.SKU, loc, inventory.Shrinkage)
		if ln.Delta > 0 {
			ps = append(ps, inventory.Posting{From: shr, To: sell, Qty: ln.Delta})
		} else {
			ps = append(ps, inventory.Posting{From: sell, To: shr, Qty: -ln.Delta})
		}
	}
	e, err := call(key, lines)
	m.expectEntry(rt, what, e, err, inventory.KindAdjust, ps)
	if key != "" {
		alt := slices.Clone(lines)
		if alt[0].Delta++; alt[0].Delta == 0 {
			alt[0].Delta++
		}
		modelRememberEntry(m, what, e, func(ls []inventory.Adjustment) (inventory.Entry, error) { return call(key, ls) }, lines, alt)
	}
}

func (m *modelState) actCount(rt *rapid.T) {
	loc, key := m.drawLoc(rt), m.key(rt)
	skus := rapid.Permutation(m.skus).Draw(rt, "countSKUs")[:rapid.IntRange(1, 2).Draw(rt, "numLines")]
	var lines []inventory.CountLine
	for _, s := range skus {
		lines = append(lines, inventory.CountLine{SKU: s, OnHand: int64(rapid.IntRange(0, 10).Draw(rt, "onHand"))})
	}
	call := func(key string, lines []inventory.CountLine) (inventory.Entry, error) {
		return m.l.Count(m.ctx, inventory.CountRequest{Location: loc, Lines: lines, Reference: "count", IdempotencyKey: key})
	}
	what := fmt.Sprintf("count@%s %v key=%q", loc, lines, key)
	var ps []inventory.Posting
	for _, ln := range lines {
		sell, shr := m.acct(ln.SKU, loc, inventory.Sellable), m.acct(ln.SKU, loc, inventory.Shrinkage)
		d := ln.OnHand - m.bal[sell] - m.bal[m.acct(ln.SKU, loc, inventory.Reserved)]
		switch {
		case d > 0:
			ps = append(ps, inventory.Posting{From: shr, To: sell, Qty: d})
		case d < 0:
			ps = append(ps, inventory.Posting{From: sell, To: shr, Qty: -d})
		}
	}
	e, err := call(key, lines)
	m.expectEntry(rt, what, e, err, inventory.KindCount, ps)
	if key != "" {
		alt := slices.Clone(lines)
		alt[0].OnHand++
		modelRememberEntry(m, what, e, func(ls []inventory.CountLine) (inventory.Entry, error) { return call(key, ls) }, lines, alt)
	}
}

func (m *modelState) doTransfer(rt *rapid.T, kind inventory.EntryKind, from, to omnikit.LocationID, lines []inventory.Line, key string) {
	rt.Helper()
	call := func(key string, lines []inventory.Line) (inventory.Entry, error) {
		req := inventory.TransferRequest{From: from, To: to, Lines: lines, Reference: "transfer", IdempotencyKey: key}
		if kind == inventory.KindTransferOut {
			return m.l.TransferOut(m.ctx, req)
		}
		return m.l.TransferIn(m.ctx, req)
	}
	what := fmt.Sprintf("%s %s->%s %v key=%q", kind, from, to, lines, key)
	var ps []inventory.Posting
	authB := inventory.Sellable
	for _, ln := range lines {
		transit := inventory.Account{SKU: ln.SKU, Location: to, Bucket: inventory.InTransit, Peer: from}
		if kind == inventory.KindTransferOut {
			ps = append(ps, inventory.Posting{From: m.acct(ln.SKU, from, inventory.Sellable), To: transit, Qty: ln.Qty})
		} else {
			ps = append(ps, inventory.Posting{From: transit, To: m.acct(ln.SKU, to, inventory.Sellable), Qty: ln.Qty})
			authB = inventory.InTransit
		}
	}
	short := m.predictShort(ps, authB, false)
	e, err := call(key, lines)
	if short != nil {
		m.expectShort(rt, what, err, short)
		return
	}
	m.expectEntry(rt, what, e, err, kind, ps)
	if key != "" {
		alt := slices.Clone(lines)
		alt[0].Qty++
		modelRememberEntry(m, what, e, func(ls []inventory.Line) (inventory.Entry, error) { return call(key, ls) }, lines, alt)
	}
}

func (m *modelState) drawPair(rt *rapid.T) (omnikit.LocationID, omnikit.LocationID) {
	p := rapid.Permutation([]omnikit.LocationID{"wh", "st1", "st2"}).Draw(rt, "pair")
	return p[0], p[1]
}

func (m *modelState) actTransferOut(rt *rapid.T) {
	from, to := m.drawPair(rt)
	m.doTransfer(rt, inventory.KindTransferOut, from, to, m.drawLines(rt, 6), m.key(rt))
}

func (m *modelState) actTransferIn(rt *rapid.T) {
	from, to := m.drawPair(rt)
	sku := m.drawSKU(rt)
	q := m.bal[inventory.Account{SKU: sku, Location: to, Bucket: inventory.InTransit, Peer: from}]
	qty := int64(rapid.IntRange(1, int(q)+2).Draw(rt, "qty"))
	m.doTransfer(rt, inventory.KindTransferIn, from, to, []inventory.Line{{SKU: sku, Qty: qty}}, m.key(rt))
}

func (m *modelState) actSetSafetyStock(rt *rapid.T) {
	sku, loc := m.drawSKU(rt), m.drawLoc(rt)
	q := int64(rapid.IntRange(0, 4).Draw(rt, "safety"))
	if err := m.l.SetSafetyStock(m.ctx, inventory.SafetyStock{SKU: sku, Location: loc, Qty: q}); err != nil {
		rt.Fatalf("SetSafetyStock(%s@%s, %d): %v", sku, loc, q, err)
	}
	k := modelSkuLoc{sku, loc}
	if m.safety[k] != q {
		m.seq++ // a safety_stock entry
	}
	m.safety[k] = q
}

// ---- reservations ----

func (m *modelState) drawReserveLines(rt *rapid.T) []inventory.LocatedLine {
	var lines []inventory.LocatedLine
	for range rapid.IntRange(1, 3).Draw(rt, "numLines") {
		if len(lines) > 0 && rapid.IntRange(0, 3).Draw(rt, "dupLine") == 0 {
			dup := lines[rapid.IntRange(0, len(lines)-1).Draw(rt, "dupOf")]
			dup.Qty = int64(rapid.IntRange(1, 3).Draw(rt, "qty"))
			lines = append(lines, dup)
			continue
		}
		lines = append(lines, inventory.LocatedLine{SKU: m.drawSKU(rt), Location: m.drawLoc(rt), Qty: int64(rapid.IntRange(1, 6).Draw(rt, "qty"))})
	}
	return lines
}

func (m *modelState) drawExpiry(rt *rapid.T) time.Time {
	if rapid.IntRange(0, 2).Draw(rt, "expires") == 0 {
		return time.Time{}
	}
	return m.clk.Now().Add(time.Duration(rapid.IntRange(1, 120).Draw(rt, "expiryMinutes")) * time.Minute)
}

// expire ends an active reservation at its deadline in the model.
func (m *modelState) expire(id inventory.ReservationID) {
	r := m.res[id]
	var ps []inventory.Posting
	for i, ln := range r.lines {
		if o := ln.Open(); o > 0 {
			ps = append(ps, inventory.Posting{From: m.acct(ln.SKU, ln.Location, inventory.Reserved), To: m.acct(ln.SKU, ln.Location, inventory.Sellable), Qty: o})
			r.lines[i].Released += o
		}
	}
	m.apply(ps)
	r.state = inventory.Expired
	m.seq++
}

func (m *modelState) expireAllDue() int {
	due := m.dueIDs(m.clk.Now())
	for _, id := range due {
		m.expire(id)
	}
	return len(due)
}

func (m *modelState) doReserve(rt *rapid.T, what string, id inventory.ReservationID, lines []inventory.LocatedLine, expires time.Time, key string) {
	rt.Helper()
	owner := "cart-" + strconv.Itoa(len(m.resOrder)+1)
	req := inventory.ReserveRequest{ID: id, Owner: owner, Lines: lines, ExpiresAt: expires, IdempotencyKey: key}
	what = fmt.Sprintf("%s id=%q %v expires=%v key=%q", what, id, lines, expires, key)
	var merged []inventory.ReservationLine
	for _, ln := range lines {
		if i := slices.IndexFunc(merged, func(x inventory.ReservationLine) bool { return x.SKU == ln.SKU && x.Location == ln.Location }); i >= 0 {
			merged[i].Qty += ln.Qty
		} else {
			merged = append(merged, inventory.ReservationLine{SKU: ln.SKU, Location: ln.Location, Qty: ln.Qty})
		}
	}
	var ps []inventory.Posting
	for _, ln := range merged {
		ps = append(ps, inventory.Posting{From: m.acct(ln.SKU, ln.Location, inventory.Sellable), To: m.acct(ln.SKU, ln.Location, inventory.Reserved), Qty: ln.Qty})
	}
	short := m.predictShort(ps, inventory.Sellable, true)
	if short != nil && m.expireAllDue() > 0 {
		// A short Reserve gives back the units of due reservations and tries again.
		short = m.predictShort(ps, inventory.Sellable, true)
	}
	r, err := m.l.Reserve(m.ctx, req)
	if short != nil {
		m.expectShort(rt, what, err, short)
		return
	}
	if err != nil {
		rt.Fatalf("%s: the model predicts success, got %v", what, err)
	}
	if r.ID == "" || (id != "" && r.ID != id) {
		rt.Fatalf("%s: reservation id %q", what, r.ID)
	}
	if _, dup := m.res[r.ID]; dup {
		rt.Fatalf("%s: the ledger chose id %q, which is taken", what, r.ID)
	}
	if r.State != inventory.Active || r.Owner != owner || !r.ExpiresAt.Equal(expires) || !r.CreatedAt.Equal(m.clk.Now()) || !slices.Equal(r.Lines, merged) {
		rt.Fatalf("%s: got reservation %+v, want active owner %q lines %+v expiring %v", what, r, owner, merged, expires)
	}
	m.apply(ps)
	m.seq++
	mr := &modelRes{id: r.ID, owner: owner, lines: slices.Clone(merged), expires: expires, state: inventory.Active}
	m.res[r.ID] = mr
	m.resOrder = append(m.resOrder, r.ID)
	if key != "" {
		m.remember(&modelKeyed{
			desc: what,
			retry: func(rt *rapid.T) {
				got, err := m.l.Reserve(m.ctx, req)
				if err != nil {
					rt.Fatalf("retry of %s (now %v): %v; want the first result, reservation %s", what, m.clk.Now(), err, mr.id)
				}
				if got.ID != mr.id || got.Owner != owner || !got.ExpiresAt.Equal(expires) || len(got.Lines) != len(merged) || got.State != mr.state {
					rt.Fatalf("retry of %s: got %+v, want reservation %s (%s)", what, got, mr.id, mr.state)
				}
				for i := range got.Lines {
					if g, w := got.Lines[i], merged[i]; g.SKU != w.SKU || g.Location != w.Location || g.Qty != w.Qty {
						rt.Fatalf("retry of %s: lines %+v, want %+v", what, got.Lines, merged)
					}
				}
				m.expectNoWrite(rt, "retry of "+what)
			},
			conflict: func(rt *rapid.T) {
				alt := req
				alt.Owner += "-other"
				alt.ExpiresAt = time.Time{}
				_, err := m.l.Reserve(m.ctx, alt)
				m.expectErr(rt, "conflicting reuse of the key of "+what, err, inventory.ErrIdempotencyConflict)
			},
		})
	}
}

func (m *modelState) actReserve(rt *rapid.T) {
	var id inventory.ReservationID
	if rapid.Bool().Draw(rt, "explicitID") {
		m.nid++
		id = inventory.ReservationID("rid-" + strconv.Itoa(m.nid))
	}
	m.doReserve(rt, "reserve", id, m.drawReserveLines(rt), m.drawExpiry(rt), m.key(rt))
}

// actAdvanceAndReserve moves the clock to a deadline and reserves what is
// only free once that reservation has expired: Reserve must expire it first.
func (m *modelState) actAdvanceAndReserve(rt *rapid.T) {
	ids := m.activeIDs(true)
	if len(ids) == 0 {
		rt.Skip("no reservation with a deadline")
	}
	r := m.res[rapid.SampledFrom(ids).Draw(rt, "res")]
	m.clk.Set(r.expires.Add(time.Duration(rapid.IntRange(0, 2).Draw(rt, "pastNanos"))))
	ln := r.lines[rapid.IntRange(0, len(r.lines)-1).Draw(rt, "line")]
	qty := m.atp(ln.SKU, ln.Location) + ln.Open() + int64(rapid.IntRange(-1, 1).Draw(rt, "slack"))
	if qty <= 0 {
		qty = 1
	}
	m.doReserve(rt, "reserve after a deadline", "", []inventory.LocatedLine{{SKU: ln.SKU, Location: ln.Location, Qty: qty}}, time.Time{}, "")
}

// drawSettleLines draws a partial settlement of r (nil: every open unit),
// sometimes splitting a line in two request lines.
func (m *modelState) drawSettleLines(rt *rapid.T, r *modelRes) []inventory.LocatedLine {
	if rapid.IntRange(0, 2).Draw(rt, "full") == 0 {
		return nil
	}
	var lines []inventory.LocatedLine
	for _, ln := range r.lines {
		if ln.Open() == 0 || !rapid.Bool().Draw(rt, "settleLine") {
			continue
		}
		q := int64(rapid.IntRange(1, int(ln.Open())).Draw(rt, "qty"))
		if q >= 2 && rapid.Bool().Draw(rt, "split") {
			lines = append(lines, inventory.LocatedLine{SKU: ln.SKU, Location: ln.Location, Qty: 1})
			q--
		}
		lines = append(lines, inventory.LocatedLine{SKU: ln.SKU, Location: ln.Location, Qty: q})
	}
	if lines == nil {
		i := slices.IndexFunc(r.lines, func(l inventory.ReservationLine) bool { return l.Open() > 0 })
		lines = append(lines, inventory.LocatedLine{SKU: r.lines[i].SKU, Location: r.lines[i].Location, Qty: 1})
	}
	return lines
}

func (m *modelState) settleCall(kind inventory.EntryKind, req inventory.SettleRequest) (inventory.Entry, error) {
	if kind == inventory.KindCommit {
		return m.l.Commit(m.ctx, req)
	}
	return m.l.Release(m.ctx, req)
}

// doSettle commits or releases units of an active reservation that is not due.
func (m *modelState) doSettle(rt *rapid.T, kind inventory.EntryKind, r *modelRes, lines []inventory.LocatedLine, key string) {
	rt.Helper()
	req := inventory.SettleRequest{ID: r.id, Lines: lines, Reference: "settle", IdempotencyKey: key}
	what := fmt.Sprintf("%s of %s %v key=%q", kind, r.id, lines, key)
	qty := make([]int64, len(r.lines))
	for i, ln := range r.lines {
		if lines == nil {
			qty[i] = ln.Open()
		}
		for _, want := range lines {
			if want.SKU == ln.SKU && want.Location == ln.Location {
				qty[i] += want.Qty
			}
		}
	}
	to := inventory.Sellable
	if kind == inventory.KindCommit {
		to = inventory.Customer
	}
	var ps []inventory.Posting
	for i, ln := range r.lines {
		if qty[i] > 0 {
			ps = append(ps, inventory.Posting{From: m.acct(ln.SKU, ln.Location, inventory.Reserved), To: m.acct(ln.SKU, ln.Location, to), Qty: qty[i]})
		}
	}
	e, err := m.settleCall(kind, req)
	m.expectEntry(rt, what, e, err, kind, ps)
	if e.Reservation != r.id {
		rt.Fatalf("%s: entry names reservation %q", what, e.Reservation)
	}
	for i := range r.lines {
		if kind == inventory.KindCommit {
			r.lines[i].Committed += qty[i]
		} else {
			r.lines[i].Released += qty[i]
		}
	}
	if r.open() == 0 {
		r.state = inventory.Released
		if kind == inventory.KindCommit {
			r.state = inventory.Committed
		}
	}
	if key != "" {
		alt := req
		alt.Reference = "other"
		modelRememberEntry(m, what, e, func(r inventory.SettleRequest) (inventory.Entry, error) { return m.settleCall(kind, r) }, req, alt)
	}
}

func (m *modelState) actSettle(rt *rapid.T, kind inventory.EntryKind) {
	ids := m.activeIDs(false)
	if len(ids) == 0 {
		rt.Skip("no active reservation")
	}
	r := m.res[rapid.SampledFrom(ids).Draw(rt, "res")]
	m.doSettle(rt, kind, r, m.drawSettleLines(rt, r), m.key(rt))
}

// actSettleNearDeadline moves the clock to just before, at or after a
// deadline and settles: before it succeeds, at or after it the reservation
// expires instead and the settlement is refused.
func (m *modelState) actSettleNearDeadline(rt *rapid.T) {
	ids := m.activeIDs(true)
	if len(ids) == 0 {
		rt.Skip("no reservation with a deadline")
	}
	r := m.res[rapid.SampledFrom(ids).Draw(rt, "res")]
	kind := rapid.SampledFrom([]inventory.EntryKind{inventory.KindCommit, inventory.KindRelease}).Draw(rt, "kind")
	off := rapid.SampledFrom([]time.Duration{-time.Nanosecond, 0, time.Nanosecond, time.Minute}).Draw(rt, "offset")
	m.clk.Set(r.expires.Add(off))
	lines := m.drawSettleLines(rt, r)
	if off < 0 {
		m.doSettle(rt, kind, r, lines, "")
		return
	}
	what := fmt.Sprintf("%s of %s %v at deadline%+v", kind, r.id, lines, off)
	_, err := m.settleCall(kind, inventory.SettleRequest{ID: r.id, Lines: lines})
	if !errors.Is(err, inventory.ErrReservationExpired) || !errors.Is(err, inventory.ErrReservationEnded) {
		rt.Fatalf("%s: got err=%v, want ErrReservationExpired (and ErrReservationEnded)", what, err)
	}
	var ee *inventory.ReservationEndedError
	if !errors.As(err, &ee) || ee.ID != r.id || ee.State != inventory.Expired {
		rt.Fatalf("%s: got %#v, want a *ReservationEndedError for %s, expired", what, err, r.id)
	}
	m.expire(r.id) // the settlement expired it
}

func (m *modelState) actExpireDue(rt *rapid.T) {
	if ids := m.activeIDs(true); len(ids) > 0 && rapid.Bool().Draw(rt, "toDeadline") {
		m.clk.Set(m.res[rapid.SampledFrom(ids).Draw(rt, "res")].expires)
	} else {
		m.clk.Advance(time.Duration(rapid.IntRange(0, 90).Draw(rt, "minutes")) * time.Minute)
	}
	want := m.expireAllDue()
	n, err := m.l.ExpireDue(m.ctx)
	if err != nil {
		rt.Fatalf("ExpireDue at %v: %v", m.clk.Now(), err)
	}
	if n != want {
		rt.Fatalf("ExpireDue at %v expired %d reservations, want %d", m.clk.Now(), n, want)
	}
}

func (m *modelState) actAdvance(rt *rapid.T) {
	ids := m.activeIDs(true)
	switch c := rapid.IntRange(0, 2).Draw(rt, "advanceKind"); {
	case c > 0 && len(ids) > 0:
		// Just before or exactly at a deadline.
		d := m.res[rapid.SampledFrom(ids).Draw(rt, "res")].expires
		if c == 1 {
			d = d.Add(-time.Nanosecond)
		}
		m.clk.Set(d)
	default:
		m.clk.Advance(time.Duration(rapid.IntRange(1, 60).Draw(rt, "minutes")) * time.Minute)
	}
}

// ---- idempotency ----

func (m *modelState) actRetry(rt *rapid.T) {
	if len(m.keyed) == 0 {
		rt.Skip("no keyed command yet")
	}
	rapid.SampledFrom(m.keyed).Draw(rt, "keyedCommand").retry(rt)
}

func (m *modelState) actConflict(rt *rapid.T) {
	if len(m.keyed) == 0 {
		rt.Skip("no keyed command yet")
	}
	rapid.SampledFrom(m.keyed).Draw(rt, "keyedCommand").conflict(rt)
}

// ---- invalid input ----

func (m *modelState) actInvalid(rt *rapid.T) {
	ctx, l := m.ctx, m.l
	sku, loc := m.drawSKU(rt), m.drawLoc(rt)
	badQty := rapid.SampledFrom([]int64{0, -1, -7, inventory.MaxQty + 1}).Draw(rt, "badQty")
	key := m.key(rt) // an invalid command must not record its key either
	switch c := rapid.IntRange(0, 14).Draw(rt, "case"); c {
	case 0:
		_, err := l.Receive(ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: badQty}}, IdempotencyKey: key})
		m.expectValidation(rt, fmt.Sprintf("receive of qty %d", badQty), err)
	case 1:
		_, err := l.Receive(ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: 1}, {SKU: "NOPE", Qty: 1}}, IdempotencyKey: key})
		m.expectUnknown(rt, "receive of an unknown sku", err, inventory.ErrUnknownSKU, "sku", "NOPE")
	case 2:
		_, err := l.Sell(ctx, inventory.StockRequest{Location: "nowhere", Lines: []inventory.Line{{SKU: sku, Qty: 1}}, IdempotencyKey: key})
		m.expectUnknown(rt, "sale at an unknown location", err, inventory.ErrUnknownLocation, "location", "nowhere")
	case 3:
		past := m.clk.Now().Add(-time.Duration(rapid.IntRange(0, 60).Draw(rt, "pastSeconds")) * time.Second)
		_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: sku, Location: loc, Qty: 1}}, ExpiresAt: past, IdempotencyKey: key})
		m.expectValidation(rt, fmt.Sprintf("reserve expiring at %v, now %v", past, m.clk.Now()), err)
	case 4:
		_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: sku, Location: loc, Qty: 1}, {SKU: sku, Location: loc, Qty: badQty}}, IdempotencyKey: key})
		m.expectValidation(rt, fmt.Sprintf("reserve of qty %d", badQty), err)
	case 5:
		_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: sku, Location: "nowhere", Qty: 1}}, IdempotencyKey: key})
		m.expectUnknown(rt, "reserve at an unknown location", err, inventory.ErrUnknownLocation, "location", "nowhere")
	case 6:
		ids := m.activeIDs(false)
		if len(ids) == 0 {
			_, err := l.Commit(ctx, inventory.SettleRequest{ID: "no-such-reservation", IdempotencyKey: key})
			m.expectErr(rt, "commit of an unknown reservation", err, inventory.ErrNotFound)
			return
		}
		r := m.res[rapid.SampledFrom(ids).Draw(rt, "res")]
		ln := r.lines[rapid.IntRange(0, len(r.lines)-1).Draw(rt, "line")]
		kind := rapid.SampledFrom([]inventory.EntryKind{inventory.KindCommit, inventory.KindRelease}).Draw(rt, "kind")
		req := inventory.SettleRequest{ID: r.id, Lines: []inventory.LocatedLine{{SKU: ln.SKU, Location: ln.Location, Qty: ln.Open() + 1}}, IdempotencyKey: key}
		_, err := m.settleCall(kind, req)
		what := fmt.Sprintf("%s of %d units of %s@%s on %s, %d open", kind, ln.Open()+1, ln.SKU, ln.Location, r.id, ln.Open())
		m.expectErr(rt, what, err, inventory.ErrExceedsReserved)
		var ee *inventory.ExceedsReservedError
		if !errors.As(err, &ee) || ee.ID != r.id || ee.SKU != ln.SKU || ee.Location != ln.Location || ee.Requested != ln.Open()+1 || ee.Open != ln.Open() {
			rt.Fatalf("%s: got %#v, want an *ExceedsReservedError naming the line", what, err)
		}
	case 7:
		ids := m.endedIDs()
		if len(ids) == 0 {
			_, err := l.Release(ctx, inventory.SettleRequest{ID: "no-such-reservation", IdempotencyKey: key})
			m.expectErr(rt, "release of an unknown reservation", err, inventory.ErrNotFound)
			return
		}
		r := m.res[rapid.SampledFrom(ids).Draw(rt, "res")]
		kind := rapid.SampledFrom([]inventory.EntryKind{inventory.KindCommit, inventory.KindRelease}).Draw(rt, "kind")
		_, err := m.settleCall(kind, inventory.SettleRequest{ID: r.id, IdempotencyKey: key})
		what := fmt.Sprintf("%s of %s, which ended %s", kind, r.id, r.state)
		m.expectErr(rt, what, err, inventory.ErrReservationEnded)
		var ee *inventory.ReservationEndedError
		if !errors.As(err, &ee) || ee.ID != r.id || ee.State != r.state {
			rt.Fatalf("%s: got %#v, want a *ReservationEndedError with state %s", what, err, r.state)
		}
		if errors.Is(err, inventory.ErrReservationExpired) != (r.state == inventory.Expired) {
			rt.Fatalf("%s: errors.Is(err, ErrReservationExpired) = %v, want %v", what, !(r.state == inventory.Expired), r.state == inventory.Expired)
		}
	case 8:
		_, err := l.Adjust(ctx, inventory.AdjustRequest{Location: loc, Lines: []inventory.Adjustment{{SKU: sku, Delta: 0}}, IdempotencyKey: key})
		m.expectValidation(rt, "adjust by zero", err)
	case 9:
		_, err := l.Count(ctx, inventory.CountRequest{Location: loc, Lines: []inventory.CountLine{{SKU: sku, OnHand: 1}, {SKU: sku, OnHand: 2}}, IdempotencyKey: key})
		m.expectValidation(rt, "count of one sku twice", err)
	case 10:
		_, err := l.TransferOut(ctx, inventory.TransferRequest{From: loc, To: loc, Lines: []inventory.Line{{SKU: sku, Qty: 1}}, IdempotencyKey: key})
		m.expectValidation(rt, "transfer to itself", err)
	case 11:
		if len(m.resOrder) == 0 {
			rt.Skip("no reservation yet")
		}
		id := rapid.SampledFrom(m.resOrder).Draw(rt, "res")
		_, err := l.Reserve(ctx, inventory.ReserveRequest{ID: id, Lines: []inventory.LocatedLine{{SKU: sku, Location: loc, Qty: 1}}, IdempotencyKey: key})
		m.expectErr(rt, fmt.Sprintf("reserve with the taken id %q", id), err, inventory.ErrReservationExists)
	case 12:
		_, err := l.WriteOff(ctx, inventory.StockRequest{Location: loc, IdempotencyKey: key})
		m.expectValidation(rt, "write-off without lines", err)
	case 13:
		if err := l.SetSafetyStock(ctx, inventory.SafetyStock{SKU: sku, Location: loc, Qty: -1}); !errors.Is(err, inventory.ErrInvalidInput) {
			rt.Fatalf("negative safety stock: got err=%v, want ErrInvalidInput", err)
		}
		m.expectNoWrite(rt, "negative safety stock")
	case 14:
		ids := m.activeIDs(false)
		if len(ids) == 0 {
			rt.Skip("no active reservation")
		}
		_, err := l.Release(ctx, inventory.SettleRequest{ID: rapid.SampledFrom(ids).Draw(rt, "res"), Lines: []inventory.LocatedLine{}, IdempotencyKey: key})
		m.expectValidation(rt, "release of an empty, non-nil line list", err)
	default:
		panic(c)
	}
}

func (m *modelState) expectValidation(rt *rapid.T, what string, err error) {
	rt.Helper()
	m.expectErr(rt, what, err, inventory.ErrInvalidInput)
	var ve *inventory.ValidationError
	if !errors.As(err, &ve) || ve.Field == "" {
		rt.Fatalf("%s: got %#v, want a *ValidationError naming the field", what, err)
	}
}

func (m *modelState) expectUnknown(rt *rapid.T, what string, err, target error, kind, id string) {
	rt.Helper()
	m.expectErr(rt, what, err, target)
	var ue *inventory.UnknownError
	if !errors.As(err, &ue) || ue.Kind != kind || ue.ID != id {
		rt.Fatalf("%s: got %#v, want an *UnknownError for %s %q", what, err, kind, id)
	}
}

// ---- invariants ----

func (m *modelState) check(rt *rapid.T) {
	ctx, l := m.ctx, m.l
	now := m.clk.Now()

	// Reservations, first: expiry is exact. A reservation whose deadline
	// has passed reads as expired (reading expires it), never before.
	for _, id := range m.resOrder {
		mr := m.res[id]
		wasDue := mr.due(now)
		r, err := l.Reservation(ctx, id)
		if err != nil {
			rt.Fatalf("Reservation(%s): %v", id, err)
		}
		if wasDue {
			m.expire(id)
		}
		if r.State != mr.state {
			rt.Fatalf("reservation %s is %s at %v, the model says %s (deadline %v)", id, r.State, now, mr.state, mr.expires)
		}
		if !slices.Equal(r.Lines, mr.lines) {
			rt.Fatalf("reservation %s lines\n got  %+v\n want %+v", id, r.Lines, mr.lines)
		}
		if (r.State != inventory.Active) != (r.Open() == 0) {
			rt.Fatalf("reservation %s is %s with %d units open: a reservation is terminal iff nothing is open", id, r.State, r.Open())
		}
		if r.State != inventory.Active && r.EndedAt.IsZero() {
			rt.Fatalf("reservation %s is %s without EndedAt", id, r.State)
		}
		if r.State == inventory.Expired && r.EndedAt.Before(r.ExpiresAt) {
			rt.Fatalf("reservation %s expired at %v, before its deadline %v", id, r.EndedAt, r.ExpiresAt)
		}
	}

	// Availability per SKU and location.
	for _, sku := range m.skus {
		for _, loc := range m.locs {
			a, err := l.Availability(ctx, sku, loc.ID)
			if err != nil {
				rt.Fatalf("Availability(%s, %s): %v", sku, loc.ID, err)
			}
			var inbound int64
			for _, from := range m.locs {
				inbound += m.bal[inventory.Account{SKU: sku, Location: loc.ID, Bucket: inventory.InTransit, Peer: from.ID}]
			}
			want := inventory.Availability{
				SKU: sku, Location: loc.ID,
				Sellable:    m.sellable(sku, loc.ID),
				Reserved:    m.bal[m.acct(sku, loc.ID, inventory.Reserved)],
				Quarantine:  m.bal[m.acct(sku, loc.ID, inventory.Quarantine)],
				Inbound:     inbound,
				SafetyStock: m.safety[modelSkuLoc{sku, loc.ID}],
				ATP:         m.atp(sku, loc.ID),
			}
			if a != want {
				rt.Fatalf("Availability(%s, %s)\n got  %+v\n want %+v", sku, loc.ID, a, want)
			}
			if want.Reserved < 0 || want.Quarantine < 0 || want.Inbound < 0 {
				rt.Fatalf("the model drove an authorized bucket negative: %+v", want)
			}
		}
	}

	// Channel availability: a from-scratch recomputation by the rules.
	wantLevel := map[inventory.ChannelLevel]bool{}
	for _, ch := range m.chans {
		levels, err := l.ChannelAvailabilities(ctx, ch.ID, m.skus)
		if err != nil {
			rt.Fatalf("ChannelAvailabilities(%s): %v", ch.ID, err)
		}
		for i, sku := range m.skus {
			want := m.channel(ch, sku)
			if levels[i] != (inventory.ChannelLevel{Channel: ch.ID, SKU: sku, Available: want}) {
				rt.Fatalf("channel %s (rule %+v) availability of %s is %+v, recomputed %d", ch.ID, ch.Rule, sku, levels[i], want)
			}
			wantLevel[levels[i]] = true
		}
		one, err := l.ChannelAvailability(ctx, ch.ID, m.skus[0])
		if err != nil || one != m.channel(ch, m.skus[0]) {
			rt.Fatalf("ChannelAvailability(%s, %s) = %d, %v; recomputed %d", ch.ID, m.skus[0], one, err, m.channel(ch, m.skus[0]))
		}
	}

	// The change feed.
	feed, err := l.Changes(ctx, 0, 10000)
	if err != nil {
		rt.Fatalf("Changes: %v", err)
	}
	if int64(len(feed)) != m.seq {
		rt.Fatalf("the feed has %d entries, the model expects %d", len(feed), m.seq)
	}
	replayed := map[inventory.Account]int64{}
	published := map[[2]string]int64{}
	type resLife struct {
		open  int64
		ended inventory.EntryKind
		ends  int
	}
	life := map[inventory.ReservationID]*resLife{}
	for i, e := range feed {
		if e.Seq != int64(i+1) {
			rt.Fatalf("feed entry %d has seq %d: sequence numbers must run 1..N without gaps", i, e.Seq)
		}
		for _, p := range e.Postings {
			if p.Qty <= 0 || p.From.SKU != p.To.SKU {
				rt.Fatalf("entry %d (%s): malformed posting %+v", e.Seq, e.Kind, p)
			}
			replayed[p.From] -= p.Qty
			replayed[p.To] += p.Qty
		}
		switch e.Kind {
		case inventory.KindReserve, inventory.KindTransferOut, inventory.KindTransferIn, inventory.KindRestock,
			inventory.KindWriteOff, inventory.KindCommit, inventory.KindRelease, inventory.KindExpire:
			// Authorizing (or settling) writes never drive the accounts they
			// take from below zero.
			for _, p := range e.Postings {
				if replayed[p.From] < 0 {
					rt.Fatalf("entry %d (%s) drove %v to %d: an authorizing write made a bucket negative", e.Seq, e.Kind, p.From, replayed[p.From])
				}
			}
			if len(e.Flagged) > 0 {
				rt.Fatalf("entry %d (%s) flags %v: only recording writes may", e.Seq, e.Kind, e.Flagged)
			}
		}
		for _, lv := range e.Availability {
			published[[2]string{string(lv.Channel), string(lv.SKU)}] = lv.Available
		}
		if e.Reservation == "" {
			continue
		}
		mr := m.res[e.Reservation]
		if mr == nil {
			rt.Fatalf("entry %d (%s) names reservation %q, which the model never made", e.Seq, e.Kind, e.Reservation)
		}
		lf := life[e.Reservation]
		if lf == nil {
			lf = &resLife{}
			life[e.Reservation] = lf
		}
		if lf.ended != "" {
			rt.Fatalf("entry %d (%s) on reservation %s after it ended by %s", e.Seq, e.Kind, e.Reservation, lf.ended)
		}
		var units int64
		for _, p := range e.Postings {
			units += p.Qty
		}
		switch e.Kind {
		case inventory.KindReserve:
			if lf.open != 0 {
				rt.Fatalf("entry %d reserves %s a second time", e.Seq, e.Reservation)
			}
			lf.open = units
		case inventory.KindCommit, inventory.KindRelease:
			if !mr.expires.IsZero() && !e.At.Before(mr.expires) {
				rt.Fatalf("entry %d: %s of %s at %v, at or after its deadline %v", e.Seq, e.Kind, e.Reservation, e.At, mr.expires)
			}
			lf.open -= units
		case inventory.KindExpire:
			if mr.expires.IsZero() || e.At.Before(mr.expires) {
				rt.Fatalf("entry %d: %s expired at %v, before its deadline %v", e.Seq, e.Reservation, e.At, mr.expires)
			}
			lf.open -= units
			if lf.open != 0 {
				rt.Fatalf("entry %d: expiry of %s leaves %d units held", e.Seq, e.Reservation, lf.open)
			}
		default:
			rt.Fatalf("entry %d of kind %s names reservation %s", e.Seq, e.Kind, e.Reservation)
		}
		if lf.open < 0 {
			rt.Fatalf("entry %d: reservation %s settles more than it held (%d)", e.Seq, e.Reservation, lf.open)
		}
		if lf.open == 0 {
			lf.ended, lf.ends = e.Kind, lf.ends+1
		}
	}
	sums := map[omnikit.SKU]int64{}
	for a, q := range replayed {
		sums[a.SKU] += q
		if q != m.bal[a] {
			rt.Fatalf("the feed's postings put %v at %d, the model says %d", a, q, m.bal[a])
		}
	}
	for a, q := range m.bal {
		if _, ok := replayed[a]; !ok && q != 0 {
			rt.Fatalf("the model has %v at %d, the feed never posts to it", a, q)
		}
	}
	for sku, s := range sums {
		if s != 0 {
			rt.Fatalf("units of %s sum to %d over every account of the feed, not zero", sku, s)
		}
	}
	for _, id := range m.resOrder {
		mr, lf := m.res[id], life[id]
		if lf == nil {
			rt.Fatalf("reservation %s has no reserve entry in the feed", id)
		}
		terminal := mr.state != inventory.Active
		if terminal != (lf.ends == 1) || lf.ends > 1 {
			rt.Fatalf("reservation %s (%s) ended %d times in the feed", id, mr.state, lf.ends)
		}
		want := map[inventory.ReservationState]inventory.EntryKind{inventory.Committed: inventory.KindCommit,
			inventory.Released: inventory.KindRelease, inventory.Expired: inventory.KindExpire}[mr.state]
		if terminal && lf.ended != want {
			rt.Fatalf("reservation %s is %s but the feed ended it by %s", id, mr.state, lf.ended)
		}
	}
	// Every channel change reached the feed: the last value published
	// for each channel and SKU is what the channel sees now.
	for lv := range wantLevel {
		if got := published[[2]string{string(lv.Channel), string(lv.SKU)}]; got != lv.Available {
			rt.Fatalf("the feed last published %d for %s/%s, the channel sees %d", got, lv.Channel, lv.SKU, lv.Available)
		}
	}

	if err := l.Verify(ctx); err != nil {
		rt.Fatalf("Verify: %v", err)
	}
}
