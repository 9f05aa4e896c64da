package orders

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// change runs one operation on an order: under the order's lock it reads
// the order, reconciles a reservation left unrecorded by a crash, lets op
// validate and apply the change (op may call the ledger, with keys derived
// from the order's version so that a retry converges), derives the order
// state and stores the new version with op's events.
func (s *Service) change(ctx context.Context, id OrderID, op func(o *Order, now time.Time) ([]Event, error)) (Order, error) {
	defer s.lock(id)()
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return Order{}, err
	}
	now := s.clock.Now()
	events, err := s.reconcile(ctx, &o, now)
	if err != nil {
		return Order{}, err
	}
	more, err := op(&o, now)
	if err != nil {
		// Nothing of o is stored: a retry runs with the same version, so
		// the ledger keys of what op did before failing are the same and
		// the ledger answers them from its idempotency records.
		return Order{}, err
	}
	events = append(events, more...)
	events = append(events, o.settleState(now)...)
	if err := s.save(ctx, &o, events, now); err != nil {
		return Order{}, err
	}
	return o, nil
}

// reconcile releases the reservation a crash may have left between the
// ledger and the order record: the next reservation id of the order must
// not exist yet.
func (s *Service) reconcile(ctx context.Context, o *Order, now time.Time) ([]Event, error) {
	rid := ReservationID(o.ID, o.Attempts+1)
	r, err := s.ledger.Reservation(ctx, rid)
	if errors.Is(err, inventory.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.State == inventory.Active {
		if _, err := s.ledger.Release(ctx, inventory.SettleRequest{ID: rid, Reference: "orders: unrecorded reservation", IdempotencyKey: ledgerKey(rid, "orphan", 0)}); err != nil {
			return nil, err
		}
	}
	o.Attempts++
	var lines []EventLine
	for _, l := range r.Lines {
		lines = append(lines, EventLine{SKU: l.SKU, Qty: l.Open()})
	}
	return []Event{{Order: o.ID, Type: EventReconciled, Lines: lines, Reason: "released unrecorded reservation " + string(rid), At: now}}, nil
}

func (o *Order) fulfilment(id FulfilmentID) (*Fulfilment, error) {
	f := o.Fulfilment(id)
	if f == nil {
		return nil, fmt.Errorf("%w: fulfilment %s of order %s", ErrNotFound, id, o.ID)
	}
	return f, nil
}

func illegal(o *Order, f *Fulfilment, op string) error {
	return &TransitionError{Order: o.ID, Fulfilment: f.ID, From: string(f.State), Op: op}
}

// step moves a fulfilment from one of the states in from to the state to.
func (s *Service) step(ctx context.Context, id OrderID, fid FulfilmentID, op string, to FulfilmentState, et EventType, from ...FulfilmentState) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		f, err := o.fulfilment(fid)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(from, f.State) {
			return nil, illegal(o, f, op)
		}
		f.State, f.UpdatedAt = to, now
		return []Event{{Order: o.ID, Type: et, Fulfilment: f.ID, State: string(to), Location: f.Location, At: now}}, nil
	})
}

// Accept records that the location accepted the fulfilment (created ->
// accepted).
func (s *Service) Accept(ctx context.Context, id OrderID, f FulfilmentID) (Order, error) {
	return s.step(ctx, id, f, "accept", Accepted, EventAccepted, Created)
}

// StartPicking records that picking began (accepted -> picking).
func (s *Service) StartPicking(ctx context.Context, id OrderID, f FulfilmentID) (Order, error) {
	return s.step(ctx, id, f, "pick", Picking, EventPicking, Accepted)
}

// Pack records that every unit was found and packed (picking -> packed).
func (s *Service) Pack(ctx context.Context, id OrderID, f FulfilmentID) (Order, error) {
	return s.step(ctx, id, f, "pack", Packed, EventPacked, Picking)
}

// Deliver records the carrier's delivery (shipped -> delivered).
func (s *Service) Deliver(ctx context.Context, id OrderID, f FulfilmentID) (Order, error) {
	return s.step(ctx, id, f, "deliver", Delivered, EventDelivered, Shipped)
}

// settleLines returns the ledger lines of a fulfilment's units (or of the
// given per-line quantities).
func settleLines(f *Fulfilment, qty map[string]int64) []inventory.LocatedLine {
	var out []inventory.LocatedLine
	for _, l := range f.Lines {
		q := l.Qty
		if qty != nil {
			q = qty[l.Line]
		}
		if q <= 0 {
			continue
		}
		if i := slices.IndexFunc(out, func(x inventory.LocatedLine) bool { return x.SKU == l.SKU }); i >= 0 {
			out[i].Qty += q
		} else {
			out = append(out, inventory.LocatedLine{SKU: l.SKU, Location: f.Location, Qty: q})
		}
	}
	return out
}

// commit hands a fulfilment's units over in the ledger.
func (s *Service) commit(ctx context.Context, o *Order, f *Fulfilment, op string) error {
	lines := settleLines(f, nil)
	if len(lines) == 0 {
		return nil
	}
	_, err := s.ledger.Commit(ctx, inventory.SettleRequest{
		ID: f.Reservation, Lines: lines, Reference: fmt.Sprintf("order %s/%s %s", o.ID, f.ID, op),
		IdempotencyKey: ledgerKey(f.Reservation, string(f.ID)+"/"+op, o.Version),
	})
	return err
}

// Ship records that a packed fulfilment left with the carrier (packed ->
// shipped) and commits its reservation: the units leave the ledger.
func (s *Service) Ship(ctx context.Context, id OrderID, fid FulfilmentID, tracking string) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		f, err := o.fulfilment(fid)
		if err != nil {
			return nil, err
		}
		if f.State != Packed || f.Method != routing.Ship {
			return nil, illegal(o, f, "ship")
		}
		if err := checkText("tracking", tracking, false); err != nil {
			return nil, err
		}
		if err := s.commit(ctx, o, f, "ship"); err != nil {
			return nil, err
		}
		f.State, f.Tracking, f.UpdatedAt = Shipped, tracking, now
		return []Event{{Order: o.ID, Type: EventShipped, Fulfilment: f.ID, State: string(Shipped), Location: f.Location, Lines: fLines(f.Lines), Reason: tracking, At: now}}, nil
	})
}

// ReadyForPickup puts a packed click & collect fulfilment at the pickup
// counter (packed -> ready_for_pickup): it gets a pickup code and a
// deadline (Options.PickupWindow) after which ExpirePickups cancels it.
func (s *Service) ReadyForPickup(ctx context.Context, id OrderID, fid FulfilmentID) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		f, err := o.fulfilment(fid)
		if err != nil {
			return nil, err
		}
		if f.State != Packed || f.Method == routing.Ship {
			return nil, illegal(o, f, "ready for pickup")
		}
		f.State, f.UpdatedAt = ReadyForPickup, now
		f.PickupCode, f.PickupBy = s.newCode(), now.Add(s.pickupWindow)
		return []Event{{Order: o.ID, Type: EventReadyForPickup, Fulfilment: f.ID, State: string(ReadyForPickup), Location: f.Location, At: now}}, nil
	})
}

// Collect hands a fulfilment over to the customer at the store and commits
// its reservation. A click & collect fulfilment must be ready for pickup
// and the code must match (ErrPickupCode otherwise, nothing written); a
// take-away sale may be collected from any state before it (the code is
// not checked).
func (s *Service) Collect(ctx context.Context, id OrderID, fid FulfilmentID, code string) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		f, err := o.fulfilment(fid)
		if err != nil {
			return nil, err
		}
		switch {
		case f.Method == routing.Pickup && f.State == ReadyForPickup:
			if code != f.PickupCode {
				return nil, fmt.Errorf("%w for %s/%s", ErrPickupCode, o.ID, f.ID)
			}
		case f.Method == routing.TakeAway && slices.Contains([]FulfilmentState{Created, Accepted, Picking, Packed, ReadyForPickup}, f.State):
		default:
			return nil, illegal(o, f, "collect")
		}
		if err := s.commit(ctx, o, f, "collect"); err != nil {
			return nil, err
		}
		f.State, f.UpdatedAt = Collected, now
		return []Event{{Order: o.ID, Type: EventCollected, Fulfilment: f.ID, State: string(Collected), Location: f.Location, Lines: fLines(f.Lines), At: now}}, nil
	})
}

// LineQty is a quantity of an order line.
type LineQty struct {
	Line string
	Qty  int64
}

// RejectRequest is a location's refusal of some units of a fulfilment.
type RejectRequest struct {
	// Lines are the refused units per order line; nil refuses every unit.
	Lines []LineQty
	// Reason is recorded on the events, such as "not found".
	Reason string
	// KeepStock says the units exist but the location will not prepare
	// them (it is too busy, say): the ledger is not corrected. By default
	// a rejection is a short pick: the units were not found, and the
	// location's sellable stock is reduced by them.
	KeepStock bool
}

// rejectable states: a location can refuse units until they are packed.
var rejectable = []FulfilmentState{Created, Accepted, Picking}

// Reject records that a location cannot fulfil some units (a short pick).
// Their reservation is released; unless KeepStock is set, the location's
// stock is corrected in the ledger (the units were not found); the
// fulfilment becomes rejected when no unit is left; and the rejected units
// are routed again with every location that rejected them excluded. What
// no other location can hold is backordered if the order allows it, else
// cancelled. The order keeps one story: every step is an event.
func (s *Service) Reject(ctx context.Context, id OrderID, fid FulfilmentID, req RejectRequest) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		f, err := o.fulfilment(fid)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(rejectable, f.State) {
			return nil, illegal(o, f, "reject")
		}
		if err := checkText("Reason", req.Reason, false); err != nil {
			return nil, err
		}
		qty, err := takeLines(f, req.Lines, "Lines")
		if err != nil {
			return nil, err
		}
		rel := settleLines(f, qty)
		if _, err := s.ledger.Release(ctx, inventory.SettleRequest{
			ID: f.Reservation, Lines: rel, Reference: fmt.Sprintf("order %s/%s rejected", o.ID, f.ID),
			IdempotencyKey: ledgerKey(f.Reservation, string(f.ID)+"/reject", o.Version),
		}); err != nil {
			return nil, err
		}
		var events []Event
		if !req.KeepStock {
			adj := make([]inventory.Adjustment, len(rel))
			for i, l := range rel {
				adj[i] = inventory.Adjustment{SKU: l.SKU, Delta: -l.Qty}
			}
			if _, err := s.ledger.Adjust(ctx, inventory.AdjustRequest{
				Location: f.Location, Lines: adj, Reference: fmt.Sprintf("short pick, order %s/%s", o.ID, f.ID),
				IdempotencyKey: ledgerKey(f.Reservation, string(f.ID)+"/correct", o.Version),
			}); err != nil {
				return nil, err
			}
		}
		var lines []EventLine
		want := map[string]int64{}
		for i := range f.Lines {
			l := &f.Lines[i]
			if q := qty[l.Line]; q > 0 {
				l.Qty -= q
				l.Rejected += q
				want[l.Line] += q
				lines = append(lines, EventLine{Line: l.Line, SKU: l.SKU, Qty: q})
			}
		}
		f.UpdatedAt = now
		if f.Units() == 0 {
			f.State = Rejected
		}
		events = append(events, Event{Order: o.ID, Type: EventRejected, Fulfilment: f.ID, State: string(f.State), Location: f.Location, Lines: lines, Reason: req.Reason, At: now})
		if !req.KeepStock {
			events = append(events, Event{Order: o.ID, Type: EventStockCorrected, Fulfilment: f.ID, Location: f.Location, Lines: lines, Reason: "short pick", At: now})
		}
		more, err := s.reallocate(ctx, o, want, f.ID, now)
		return append(events, more...), err
	})
}

// rejections lists, per delivery group, every location that rejected units
// of the group, for routing to exclude.
func (o *Order) rejections() map[int][]routing.Rejection {
	out := map[int][]routing.Rejection{}
	for _, f := range o.Fulfilments {
		var lines []inventory.Line
		for _, l := range f.Lines {
			if l.Rejected > 0 {
				lines = append(lines, inventory.Line{SKU: l.SKU, Qty: l.Rejected})
			}
		}
		if len(lines) > 0 {
			out[f.Group] = append(out[f.Group], routing.Rejection{Location: f.Location, Lines: lines})
		}
	}
	return out
}

// reallocate routes units again (after a rejection, or for backorders);
// the units nothing can hold are backordered or cancelled.
func (s *Service) reallocate(ctx context.Context, o *Order, want map[string]int64, of FulfilmentID, now time.Time) ([]Event, error) {
	fos, short, _, err := s.allocate(ctx, o, want, o.rejections(), of, true)
	if err != nil {
		return nil, err
	}
	o.Fulfilments = append(o.Fulfilments, fos...)
	var events []Event
	if len(fos) > 0 {
		var lines []EventLine
		for _, f := range fos {
			lines = append(lines, fLines(f.Lines)...)
		}
		events = append(events, Event{Order: o.ID, Type: EventRerouted, Fulfilment: of, Lines: lines, Reason: "rejected by " + string(o.Fulfilment(of).Location), At: now})
		events = append(events, createdEvents(o, fos, now)...)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		q := short[l.ID].qty
		if q == 0 {
			continue
		}
		el := []EventLine{{Line: l.ID, SKU: l.SKU, Qty: q}}
		if o.Backorder {
			l.Backordered += q
			events = append(events, Event{Order: o.ID, Type: EventBackordered, Fulfilment: of, Lines: el, Reason: short[l.ID].code, At: now})
		} else {
			l.Cancelled += q
			events = append(events, Event{Order: o.ID, Type: EventLineCancelled, Fulfilment: of, Lines: el, Reason: "unfulfillable: " + short[l.ID].code, At: now})
		}
	}
	return events, nil
}

// takeLines validates per-line quantities against what a fulfilment still
// carries; nil means all of it.
func takeLines(f *Fulfilment, lines []LineQty, field string) (map[string]int64, error) {
	if lines == nil {
		return openUnits(f), nil
	}
	qty := map[string]int64{}
	if len(lines) == 0 {
		return nil, invalid(field, "no lines")
	}
	for i, lq := range lines {
		j := slices.IndexFunc(f.Lines, func(l FulfilmentLine) bool { return l.Line == lq.Line })
		if j < 0 {
			return nil, invalid(fmt.Sprintf("%s[%d].Line", field, i), "fulfilment %s carries no line %q", f.ID, lq.Line)
		}
		if lq.Qty <= 0 {
			return nil, invalid(fmt.Sprintf("%s[%d].Qty", field, i), "quantity %d is not positive", lq.Qty)
		}
		qty[lq.Line] += lq.Qty
		if qty[lq.Line] > f.Lines[j].Qty {
			return nil, invalid(fmt.Sprintf("%s[%d].Qty", field, i), "%d units of line %q asked, %d carried", qty[lq.Line], lq.Line, f.Lines[j].Qty)
		}
	}
	return qty, nil
}

// cancellable states: units can be cancelled until they leave the location.
var cancellable = []FulfilmentState{Created, Accepted, Picking, Packed, ReadyForPickup}

// cancelUnits releases qty (per line) of a fulfilment and records the
// cancellation on it.
func (s *Service) cancelUnits(ctx context.Context, o *Order, f *Fulfilment, qty map[string]int64, reason string, now time.Time) (Event, error) {
	rel := settleLines(f, qty)
	if _, err := s.ledger.Release(ctx, inventory.SettleRequest{
		ID: f.Reservation, Lines: rel, Reference: fmt.Sprintf("order %s/%s cancelled", o.ID, f.ID),
		IdempotencyKey: ledgerKey(f.Reservation, string(f.ID)+"/cancel", o.Version),
	}); err != nil {
		return Event{}, err
	}
	var lines []EventLine
	for i := range f.Lines {
		l := &f.Lines[i]
		if q := qty[l.Line]; q > 0 {
			l.Qty -= q
			l.Cancelled += q
			o.Line(l.Line).Cancelled += q
			lines = append(lines, EventLine{Line: l.Line, SKU: l.SKU, Qty: q})
		}
	}
	f.UpdatedAt = now
	if f.Units() == 0 {
		f.State = FCancelled
		f.PickupCode = ""
	}
	return Event{Order: o.ID, Type: EventFCancelled, Fulfilment: f.ID, State: string(f.State), Location: f.Location, Lines: lines, Reason: reason, At: now}, nil
}

// Cancel cancels every part of the order that has not left its location:
// the units of created, accepted, picking, packed and ready-for-pickup
// fulfilments are released, and backordered units are cancelled. Parts
// already shipped or collected are not touched. It fails with a
// *TransitionError when nothing is left to cancel.
func (s *Service) Cancel(ctx context.Context, id OrderID, reason string) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		if err := checkText("reason", reason, false); err != nil {
			return nil, err
		}
		var events []Event
		for i := range o.Fulfilments {
			f := &o.Fulfilments[i]
			if !slices.Contains(cancellable, f.State) || f.Units() == 0 {
				continue
			}
			e, err := s.cancelUnits(ctx, o, f, openUnits(f), reason, now)
			if err != nil {
				return events, err
			}
			events = append(events, e)
		}
		for i := range o.Lines {
			l := &o.Lines[i]
			if l.Backordered > 0 {
				events = append(events, Event{Order: o.ID, Type: EventLineCancelled, Lines: []EventLine{{Line: l.ID, SKU: l.SKU, Qty: l.Backordered}}, Reason: reason, At: now})
				l.Cancelled += l.Backordered
				l.Backordered = 0
			}
		}
		if len(events) == 0 {
			return nil, &TransitionError{Order: o.ID, From: string(o.State), Op: "cancel"}
		}
		o.Reason = reason
		return events, nil
	})
}

// openUnits returns the units a fulfilment still carries, per line.
func openUnits(f *Fulfilment) map[string]int64 {
	qty := map[string]int64{}
	for _, l := range f.Lines {
		qty[l.Line] += l.Qty
	}
	return qty
}

var progress = map[FulfilmentState]int{Created: 0, Accepted: 1, Picking: 2, Packed: 3, ReadyForPickup: 4}

// CancelLines cancels some units of some lines: backordered units first,
// then units of the least advanced fulfilments (created before accepted
// before picking...), ties by fulfilment id. It fails, writing nothing,
// when a line has fewer cancellable units than asked.
func (s *Service) CancelLines(ctx context.Context, id OrderID, lines []LineQty, reason string) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		if len(lines) == 0 {
			return nil, invalid("lines", "no lines")
		}
		if err := checkText("reason", reason, false); err != nil {
			return nil, err
		}
		ask := map[string]int64{}
		for i, lq := range lines {
			l := o.Line(lq.Line)
			if l == nil {
				return nil, invalid(fmt.Sprintf("lines[%d].Line", i), "order %s has no line %q", o.ID, lq.Line)
			}
			if lq.Qty <= 0 {
				return nil, invalid(fmt.Sprintf("lines[%d].Qty", i), "quantity %d is not positive", lq.Qty)
			}
			ask[lq.Line] += lq.Qty
		}
		// Order the fulfilments to draw from.
		var fs []*Fulfilment
		for i := range o.Fulfilments {
			if slices.Contains(cancellable, o.Fulfilments[i].State) {
				fs = append(fs, &o.Fulfilments[i])
			}
		}
		slices.SortStableFunc(fs, func(a, b *Fulfilment) int {
			if c := cmp.Compare(progress[a.State], progress[b.State]); c != 0 {
				return c
			}
			return cmpFID(a.ID, b.ID)
		})
		// Plan, then check, then act: nothing is written on a bad request.
		backorder := map[string]int64{}
		take := make([]map[string]int64, len(fs))
		for _, lid := range sortedKeys(ask) {
			left := ask[lid]
			l := o.Line(lid)
			b := min(left, l.Backordered)
			backorder[lid], left = b, left-b
			for i, f := range fs {
				for _, fl := range f.Lines {
					if fl.Line == lid && left > 0 {
						q := min(left, fl.Qty)
						if q > 0 {
							if take[i] == nil {
								take[i] = map[string]int64{}
							}
							take[i][lid] += q
							left -= q
						}
					}
				}
			}
			if left > 0 {
				return nil, invalid("lines", "line %q has %d cancellable units, %d asked", lid, ask[lid]-left, ask[lid])
			}
		}
		var events []Event
		for _, lid := range sortedKeys(backorder) {
			if q := backorder[lid]; q > 0 {
				l := o.Line(lid)
				l.Backordered -= q
				l.Cancelled += q
				events = append(events, Event{Order: o.ID, Type: EventLineCancelled, Lines: []EventLine{{Line: lid, SKU: l.SKU, Qty: q}}, Reason: reason, At: now})
			}
		}
		for i, f := range fs {
			if take[i] == nil {
				continue
			}
			e, err := s.cancelUnits(ctx, o, f, take[i], reason, now)
			if err != nil {
				return events, err
			}
			events = append(events, e)
		}
		return events, nil
	})
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// cmpFID orders fulfilment ids "F2" before "F10".
func cmpFID(a, b FulfilmentID) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// FulfilBackorders routes an order's backordered units again, from fresh
// availability (call it when stock arrives). Units still not available
// stay backordered.
func (s *Service) FulfilBackorders(ctx context.Context, id OrderID) (Order, error) {
	return s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
		want := map[string]int64{}
		for _, l := range o.Lines {
			if l.Backordered > 0 {
				want[l.ID] = l.Backordered
			}
		}
		if len(want) == 0 {
			return nil, nil
		}
		fos, _, _, err := s.allocate(ctx, o, want, o.rejections(), "", true)
		if err != nil {
			return nil, err
		}
		o.Fulfilments = append(o.Fulfilments, fos...)
		var events []Event
		for _, f := range fos {
			for _, fl := range f.Lines {
				o.Line(fl.Line).Backordered -= fl.Qty
			}
			events = append(events, Event{Order: o.ID, Type: EventBackorderFilled, Fulfilment: f.ID, Location: f.Location, Lines: fLines(f.Lines), At: now})
		}
		return append(events, createdEvents(o, fos, now)...), nil
	})
}

// ExpirePickups cancels every click & collect fulfilment whose pickup
// deadline has passed, returning its stock to sale, and reports how many
// it cancelled. Run it periodically.
func (s *Service) ExpirePickups(ctx context.Context) (int, error) {
	n := 0
	for {
		ids, err := s.store.DuePickups(ctx, s.clock.Now(), 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			k := 0
			_, err := s.change(ctx, id, func(o *Order, now time.Time) ([]Event, error) {
				var events []Event
				k = 0
				for i := range o.Fulfilments {
					f := &o.Fulfilments[i]
					if f.State != ReadyForPickup || f.PickupBy.After(now) {
						continue
					}
					e, err := s.cancelUnits(ctx, o, f, openUnits(f), "pickup.expired", now)
					if err != nil {
						return events, err
					}
					events = append(events, e)
					k++
				}
				return events, nil
			})
			if err != nil {
				return n, err
			}
			n += k
		}
	}
}

// Recover ends the placements that a crash or a lost store write left
// pending for longer than Options.PendingGrace: the reservation such a
// placement may have made is released and the order is stored as Failed
// (reason "abandoned"). It reports how many orders it recovered. Run it
// at start and periodically; other operations reconcile an order's
// unrecorded reservation themselves.
func (s *Service) Recover(ctx context.Context) (int, error) {
	n := 0
	for {
		ids, err := s.store.Pending(ctx, s.clock.Now().Add(-s.grace), 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			ok, err := s.recoverOne(ctx, id)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
	}
}

func (s *Service) recoverOne(ctx context.Context, id OrderID) (bool, error) {
	defer s.lock(id)()
	o, err := s.store.Get(ctx, id)
	if err != nil || o.State != Pending {
		return false, err
	}
	now := s.clock.Now()
	events, err := s.reconcile(ctx, &o, now)
	if err != nil {
		return false, err
	}
	o.State, o.Reason = Failed, "abandoned"
	events = append(events, Event{Order: o.ID, Type: EventFailed, State: string(Failed), Reason: o.Reason, At: now})
	return true, s.save(ctx, &o, events, now)
}

// Get returns an order.
func (s *Service) Get(ctx context.Context, id OrderID) (Order, error) {
	return s.store.Get(ctx, id)
}

// Events returns up to limit events after the cursor (a sequence number; 0
// reads from the start), in order: the outbox for notifications and
// marketplaces.
func (s *Service) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	if after < 0 || limit <= 0 {
		return nil, invalid("cursor", "after %d, limit %d", after, limit)
	}
	return s.store.Events(ctx, after, limit)
}

// History returns every event of one order, in order.
func (s *Service) History(ctx context.Context, id OrderID) ([]Event, error) {
	if _, err := s.store.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// Ledger returns the ledger the Service holds stock in.
func (s *Service) Ledger() *inventory.Ledger { return s.ledger }
