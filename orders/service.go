package orders

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// Options configures a Service. The zero value is usable.
type Options struct {
	// Engine routes orders; nil means routing.New() with its default
	// strategy.
	Engine *routing.Engine
	// Site describes a location to routing (priority, capacity, workload,
	// market); the Service fills in Location and Stock. Nil means
	// DefaultSite.
	Site func(inventory.Location) routing.Site
	// MaxAttempts bounds the routing and reserving rounds of one
	// allocation: when stock moves between routing and reserving, the
	// units are routed again from fresh availability. 0 means 3.
	MaxAttempts int
	// PickupWindow is how long a click & collect order waits at the pickup
	// counter before it is cancelled. 0 means 72 hours.
	PickupWindow time.Duration
	// PendingGrace is how old a pending order must be before Recover
	// treats its placement as abandoned. 0 means one minute.
	PendingGrace time.Duration
	// NewOrderID names new orders; nil means random 128-bit hex ids.
	NewOrderID func() OrderID
	// NewPickupCode returns a pickup code; nil means six random digits.
	NewPickupCode func() string
}

// DefaultSite gives warehouses priority 1, dark stores 2, stores 3 and
// marketplace-fulfilled stock 4 (lower is preferred by the default
// strategy's priority ranker), with no capacity limit.
func DefaultSite(loc inventory.Location) routing.Site {
	p := int64(5)
	switch loc.Type {
	case inventory.TypeWarehouse:
		p = 1
	case inventory.TypeDarkStore:
		p = 2
	case inventory.TypeStore:
		p = 3
	case inventory.TypeMarketplace:
		p = 4
	}
	return routing.Site{Location: loc, Priority: p}
}

// Service is the order management system. It is safe for concurrent use.
// Operations on one order are serialised within the Service; several
// Services (processes) may share the stores only if each order's
// operations go to one of them at a time (see the package documentation).
type Service struct {
	ledger       *inventory.Ledger
	store        Store
	engine       *routing.Engine
	clock        omnikit.Clock
	site         func(inventory.Location) routing.Site
	maxAttempts  int
	pickupWindow time.Duration
	grace        time.Duration
	newID        func() OrderID
	newCode      func() string
	locks        [64]sync.Mutex
}

// New returns a Service that holds stock in ledger and keeps orders in
// store. Its clock is the ledger's.
func New(ledger *inventory.Ledger, store Store, opts *Options) (*Service, error) {
	if ledger == nil || store == nil {
		return nil, errors.New("orders: New needs a ledger and a store")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Service{
		ledger: ledger, store: store, engine: o.Engine, clock: ledger.Clock(), site: o.Site,
		maxAttempts: o.MaxAttempts, pickupWindow: o.PickupWindow, grace: o.PendingGrace,
		newID: o.NewOrderID, newCode: o.NewPickupCode,
	}
	if s.engine == nil {
		e, err := routing.New()
		if err != nil {
			return nil, err
		}
		s.engine = e
	}
	if s.site == nil {
		s.site = DefaultSite
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 3
	}
	if s.pickupWindow <= 0 {
		s.pickupWindow = 72 * time.Hour
	}
	if s.grace <= 0 {
		s.grace = time.Minute
	}
	if s.newID == nil {
		s.newID = randomOrderID
	}
	if s.newCode == nil {
		s.newCode = randomPickupCode
	}
	return s, nil
}

func randomOrderID() OrderID {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return OrderID(hex.EncodeToString(b[:]))
}

func randomPickupCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "000000"
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// lock serialises the operations on one order within the Service.
func (s *Service) lock(id OrderID) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// ReservationID returns the id of the k-th reservation (k >= 1) an order
// holds in the ledger. The ids are deterministic so that a reservation
// made just before a crash can be found again (see Service.Recover).
func ReservationID(id OrderID, k int) inventory.ReservationID {
	return inventory.ReservationID(fmt.Sprintf("order/%s/%d", id, k))
}

func ledgerKey(rid inventory.ReservationID, op string, version int64) string {
	return fmt.Sprintf("omnikit/orders/%s/%s/v%d", rid, op, version)
}

// LineRequest is one line of a PlaceRequest.
type LineRequest struct {
	// ID is unique within the order; empty means "L1", "L2"... by position
	// over the whole order.
	ID  string
	SKU omnikit.SKU
	// Qty is the number of units, > 0.
	Qty int64
	// UnitPrice is required; every line of an order has one currency.
	UnitPrice omnikit.Money
	// Discount is the line's total discount; the zero Money means none.
	Discount omnikit.Money
}

// GroupRequest is a delivery group: lines that go one way.
type GroupRequest struct {
	Delivery Delivery
	Lines    []LineRequest
}

// PlaceRequest places an order.
type PlaceRequest struct {
	// ID names the order; empty lets the Service choose one.
	ID OrderID
	// Channel is the channel of origin; it must be defined in the ledger,
	// and shipped lines are served from its pool.
	Channel omnikit.ChannelID
	// ExternalID is a marketplace's order id: placing the same one twice on
	// the channel yields the one order.
	ExternalID string
	CustomerID string
	// IdempotencyKey makes retries of the call yield the one order.
	IdempotencyKey string
	Groups         []GroupRequest
	// Backorder places the order with the units no location can hold
	// backordered, instead of failing with *UnfulfillableError.
	Backorder bool
}

const maxIDLen = 96

func checkText(field, v string, required bool) error {
	switch {
	case v == "" && required:
		return invalid(field, "is empty")
	case len(v) > maxIDLen:
		return invalid(field, "longer than %d bytes", maxIDLen)
	case !utf8.ValidString(v):
		return invalid(field, "not valid utf-8")
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

// build validates a request against the ledger's configuration and returns
// the pending order it describes.
func (s *Service) build(req PlaceRequest) (Order, error) {
	o := Order{
		ID: req.ID, Channel: req.Channel, ExternalID: req.ExternalID, CustomerID: req.CustomerID,
		IdempotencyKey: req.IdempotencyKey, Backorder: req.Backorder, State: Pending, Version: 1,
	}
	if req.ID != "" {
		if err := checkText("ID", string(req.ID), true); err != nil {
			return Order{}, err
		}
	}
	if err := req.Channel.Validate(); err != nil {
		return Order{}, invalid("Channel", "%v", err)
	}
	if _, err := s.ledger.Channel(req.Channel); err != nil {
		return Order{}, err
	}
	for _, fv := range [...][2]string{{"ExternalID", req.ExternalID}, {"CustomerID", req.CustomerID}, {"IdempotencyKey", req.IdempotencyKey}} {
		if err := checkText(fv[0], fv[1], false); err != nil {
			return Order{}, err
		}
	}
	if len(req.Groups) == 0 {
		return Order{}, invalid("Groups", "no delivery group")
	}
	ids := map[string]bool{}
	n := 0
	for g, gr := range req.Groups {
		gf := fmt.Sprintf("Groups[%d]", g)
		if err := s.checkDelivery(gf+".Delivery", gr.Delivery); err != nil {
			return Order{}, err
		}
		o.Groups = append(o.Groups, gr.Delivery)
		if len(gr.Lines) == 0 {
			return Order{}, invalid(gf+".Lines", "no lines")
		}
		for i, lr := range gr.Lines {
			n++
			lf := fmt.Sprintf("%s.Lines[%d]", gf, i)
			if lr.ID == "" {
				lr.ID = fmt.Sprintf("L%d", n)
			}
			if err := checkText(lf+".ID", lr.ID, true); err != nil {
				return Order{}, err
			}
			if ids[lr.ID] {
				return Order{}, invalid(lf+".ID", "duplicate line id %q", lr.ID)
			}
			ids[lr.ID] = true
			if err := lr.SKU.Validate(); err != nil {
				return Order{}, invalid(lf+".SKU", "%v", err)
			}
			if !s.ledger.KnowsSKU(lr.SKU) {
				return Order{}, &inventory.UnknownError{Kind: "sku", ID: string(lr.SKU)}
			}
			if lr.Qty <= 0 || lr.Qty > inventory.MaxQty {
				return Order{}, invalid(lf+".Qty", "quantity %d is not in 1..%d", lr.Qty, int64(inventory.MaxQty))
			}
			cur := lr.UnitPrice.Currency()
			if cur.IsZero() {
				return Order{}, invalid(lf+".UnitPrice", "is missing")
			}
			if o.Currency.IsZero() {
				o.Currency = cur
			} else if cur != o.Currency {
				return Order{}, &omnikit.CurrencyMismatchError{Op: "order line", Left: o.Currency, Right: cur}
			}
			if lr.UnitPrice.IsNegative() {
				return Order{}, invalid(lf+".UnitPrice", "is negative")
			}
			if lr.Discount.Currency().IsZero() && lr.Discount.IsZero() {
				lr.Discount = omnikit.Zero(cur)
			} else if lr.Discount.Currency() != cur {
				return Order{}, &omnikit.CurrencyMismatchError{Op: "order line discount", Left: cur, Right: lr.Discount.Currency()}
			}
			if lr.Discount.IsNegative() {
				return Order{}, invalid(lf+".Discount", "is negative")
			}
			if c, _ := lr.Discount.Cmp(lr.UnitPrice.Mul(lr.Qty)); c > 0 {
				return Order{}, invalid(lf+".Discount", "%s exceeds the line amount", lr.Discount)
			}
			o.Lines = append(o.Lines, Line{ID: lr.ID, Group: g, SKU: lr.SKU, Qty: lr.Qty, UnitPrice: lr.UnitPrice, Discount: lr.Discount})
		}
	}
	o.Fingerprint = fingerprint(&o)
	return o, nil
}

func (s *Service) checkDelivery(field string, d Delivery) error {
	switch d.Method {
	case routing.Ship:
		if err := d.Address.Validate(); err != nil {
			return invalid(field+".Address", "%v", err)
		}
	case routing.Pickup, routing.TakeAway:
		if err := d.Store.Validate(); err != nil {
			return invalid(field+".Store", "%v", err)
		}
		loc, err := s.ledger.Location(d.Store)
		if err != nil {
			return err
		}
		if d.Method == routing.Pickup && !loc.Capabilities.Has(inventory.CanPickup) {
			return invalid(field+".Store", "%s does not offer click & collect", d.Store)
		}
	default:
		return invalid(field+".Method", "invalid delivery method %d", d.Method)
	}
	return nil
}

// fingerprint identifies what a placing request asked for. Each field is
// written quoted or as a number, so two requests cannot collide by
// shifting text from one field to the next.
func fingerprint(o *Order) string {
	b := make([]byte, 0, 256)
	q := func(v string) { b = strconv.AppendQuote(b, v) }
	n := func(v int64) { b = strconv.AppendInt(b, v, 10); b = append(b, ' ') }
	q(string(o.ID))
	q(string(o.Channel))
	q(o.ExternalID)
	q(o.CustomerID)
	b = strconv.AppendBool(b, o.Backorder)
	for _, d := range o.Groups {
		a := d.Address
		b = append(b, "\ng"...)
		n(int64(d.Method))
		for _, v := range []string{a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country, string(d.Store)} {
			q(v)
		}
		b = strconv.AppendFloat(b, a.Geo.Lat, 'g', -1, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, a.Geo.Lng, 'g', -1, 64)
	}
	for _, l := range o.Lines {
		b = append(b, "\nl"...)
		q(l.ID)
		n(int64(l.Group))
		q(string(l.SKU))
		n(l.Qty)
		q(l.UnitPrice.String())
		q(l.Discount.String())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Place validates, routes and reserves an order, and stores it with one
// fulfilment order per location and delivery group. Stock is reserved all
// or nothing; if stock moved between routing and reserving, the order is
// routed again from fresh availability, up to Options.MaxAttempts times.
// Units no location can hold fail the order with *UnfulfillableError (the
// order is stored as Failed, holding nothing), or are backordered when
// req.Backorder is set.
//
// Placing is idempotent: the same IdempotencyKey, or the same ExternalID on
// the same channel, returns the one existing order (whatever its state; a
// Failed order is not placed again). A request that differs from the one
// that created the order fails with ErrIdempotencyConflict; a retry that
// meets the first call still placing gets ErrInProgress.
//
// Errors: ErrInvalidOrder (*ValidationError), omnikit.ErrCurrencyMismatch,
// inventory.ErrUnknownSKU, ErrUnknownLocation, ErrUnknownChannel,
// ErrUnfulfillable, ErrIdempotencyConflict, ErrInProgress, and store
// errors. Nothing is written before validation succeeds.
func (s *Service) Place(ctx context.Context, req PlaceRequest) (Order, error) {
	o, err := s.build(req)
	if err != nil {
		return Order{}, err
	}
	if o.IdempotencyKey != "" {
		if id, err := s.store.FindByKey(ctx, o.IdempotencyKey); err == nil {
			return s.existing(ctx, id, o.Fingerprint)
		} else if !errors.Is(err, ErrNotFound) {
			return Order{}, err
		}
	}
	if o.ExternalID != "" {
		if id, err := s.store.FindByExternal(ctx, o.Channel, o.ExternalID); err == nil {
			return s.existing(ctx, id, o.Fingerprint)
		} else if !errors.Is(err, ErrNotFound) {
			return Order{}, err
		}
	}
	if o.ID == "" {
		o.ID = s.newID()
	}
	now := s.clock.Now()
	o.CreatedAt, o.UpdatedAt = now, now
	// The pending record is the placement's intent: if the process dies
	// after reserving, Recover finds the order and its reservation.
	if err := s.store.Create(ctx, o, nil); err != nil {
		var dup *DuplicateError
		if errors.As(err, &dup) {
			// A concurrent call with the same key or external id won.
			return s.existing(ctx, dup.Existing, o.Fingerprint)
		}
		return Order{}, err
	}
	defer s.lock(o.ID)()
	want := map[string]int64{}
	for _, l := range o.Lines {
		want[l.ID] = l.Qty
	}
	next := o.Clone()
	fos, short, attempts, err := s.allocate(ctx, &next, want, nil, "", o.Backorder)
	if err != nil {
		s.fail(ctx, o, err.Error())
		return Order{}, err
	}
	if len(short) > 0 && !o.Backorder {
		var lines []Shortfall
		for _, l := range o.Lines {
			if q := short[l.ID]; q.qty > 0 {
				lines = append(lines, Shortfall{Line: l.ID, Qty: q.qty, Code: q.code})
			}
		}
		uerr := &UnfulfillableError{Lines: lines, Attempts: attempts}
		s.fail(ctx, o, uerr.Error())
		return Order{}, uerr
	}
	next.Fulfilments = append(next.Fulfilments, fos...)
	events := []Event{{Order: o.ID, Type: EventPlaced, State: string(Open), At: now}}
	events = append(events, createdEvents(&next, fos, now)...)
	for i := range next.Lines {
		l := &next.Lines[i]
		if q := short[l.ID].qty; q > 0 {
			l.Backordered += q
			events = append(events, Event{Order: o.ID, Type: EventBackordered, Lines: []EventLine{{Line: l.ID, SKU: l.SKU, Qty: q}}, Reason: short[l.ID].code, At: now})
		}
	}
	next.State = Open
	events = append(events, next.settleState(now)...)
	if err := s.save(ctx, &next, events, now); err != nil {
		s.releaseFOs(ctx, fos)
		return Order{}, err
	}
	return next, nil
}

// existing returns the stored order a duplicate request refers to.
func (s *Service) existing(ctx context.Context, id OrderID, fp string) (Order, error) {
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.Fingerprint != fp {
		return Order{}, fmt.Errorf("%w: order %s was placed with other content", ErrIdempotencyConflict, id)
	}
	if o.State == Pending {
		if s.clock.Now().Sub(o.CreatedAt) < s.grace {
			return Order{}, fmt.Errorf("%w: order %s", ErrInProgress, id)
		}
		if _, err := s.recoverOne(ctx, id); err != nil {
			return Order{}, err
		}
		return s.store.Get(ctx, id)
	}
	return o, nil
}

// fail stores a pending order as Failed. A reservation whose reply was
// lost (a ledger error after the ledger committed) is released first; if
// that or the save fails, the order stays pending and Recover ends it.
func (s *Service) fail(ctx context.Context, o Order, reason string) {
	now := s.clock.Now()
	events, err := s.reconcile(ctx, &o, now)
	if err != nil {
		return
	}
	o.State, o.Reason = Failed, reason
	_ = s.save(ctx, &o, append(events, Event{Order: o.ID, Type: EventFailed, State: string(Failed), Reason: reason, At: now}), now)
}

// save stores the next version of o with its events.
func (s *Service) save(ctx context.Context, o *Order, events []Event, now time.Time) error {
	o.Version++
	o.UpdatedAt = now
	if err := s.store.Save(ctx, *o, events); err != nil {
		o.Version--
		return err
	}
	return nil
}

// shortUnits is what an allocation could not hold of one line.
type shortUnits struct {
	qty  int64
	code string
}

// alloc is routed units of one line at one location.
type alloc struct {
	line string
	sku  omnikit.SKU
	loc  omnikit.LocationID
	qty  int64
}

// allocate routes and reserves want (units per line id) for the order,
// excluding the rejecting locations, and returns the new fulfilments (with
// their reservation made and o.Attempts advanced), the units it could not
// hold, and the number of rounds run. When stock moves between routing and
// reserving it routes again, up to maxAttempts rounds; after the last the
// units are short with code "stock.moved". rerouteOf marks the new
// fulfilments. Unless partial is set, nothing is reserved when some units
// are short.
func (s *Service) allocate(ctx context.Context, o *Order, want map[string]int64, rej map[int][]routing.Rejection, rerouteOf FulfilmentID, partial bool) ([]Fulfilment, map[string]shortUnits, int, error) {
	var lastShort *inventory.ShortageError
	for round := 1; round <= s.maxAttempts; round++ {
		byGroup, short, err := s.route(ctx, o, want, rej)
		if err != nil {
			return nil, nil, round, err
		}
		var lines []inventory.LocatedLine
		for _, as := range byGroup {
			for _, a := range as {
				lines = append(lines, inventory.LocatedLine{SKU: a.sku, Location: a.loc, Qty: a.qty})
			}
		}
		if len(lines) == 0 || len(short) > 0 && !partial {
			return nil, short, round, nil
		}
		rid := ReservationID(o.ID, o.Attempts+1)
		_, err = s.ledger.Reserve(ctx, inventory.ReserveRequest{
			ID: rid, Owner: "order/" + string(o.ID), Lines: lines,
			IdempotencyKey: ledgerKey(rid, "reserve", 0),
		})
		if errors.As(err, &lastShort) {
			continue
		}
		if err != nil {
			return nil, nil, round, err
		}
		o.Attempts++
		now := s.clock.Now()
		var fos []Fulfilment
		for g := range o.Groups {
			for _, a := range byGroup[g] {
				var f *Fulfilment
				if n := len(fos); n > 0 && fos[n-1].Group == g && fos[n-1].Location == a.loc {
					f = &fos[n-1]
				} else {
					fos = append(fos, Fulfilment{
						ID:    FulfilmentID(fmt.Sprintf("F%d", len(o.Fulfilments)+len(fos)+1)),
						Group: g, Location: a.loc, Method: o.Groups[g].Method, State: Created,
						Reservation: rid, RerouteOf: rerouteOf, CreatedAt: now, UpdatedAt: now,
					})
					f = &fos[len(fos)-1]
				}
				f.Lines = append(f.Lines, FulfilmentLine{Line: a.line, SKU: a.sku, Qty: a.qty})
			}
		}
		return fos, short, round, nil
	}
	short := map[string]shortUnits{}
	for id, q := range want {
		if q > 0 {
			short[id] = shortUnits{qty: q, code: "stock.moved"}
		}
	}
	return nil, short, s.maxAttempts, nil
}

// route routes want over a fresh snapshot of the ledger. It returns the
// allocations per group, sorted by location then line, and the short units.
func (s *Service) route(ctx context.Context, o *Order, want map[string]int64, rej map[int][]routing.Rejection) (map[int][]alloc, map[string]shortUnits, error) {
	ch, err := s.ledger.Channel(o.Channel)
	if err != nil {
		return nil, nil, err
	}
	short := map[string]shortUnits{}
	var reqs []routing.Request
	var groups []int
	var skus []omnikit.SKU
	seenSKU := map[omnikit.SKU]bool{}
	locs := map[omnikit.LocationID]bool{}
	for _, id := range ch.Pool {
		locs[id] = true
	}
	now := s.clock.Now()
	for g, d := range o.Groups {
		var lines []routing.Line
		for _, l := range o.Lines {
			if l.Group == g && want[l.ID] > 0 {
				lines = append(lines, routing.Line{ID: l.ID, SKU: l.SKU, Qty: want[l.ID]})
				if !seenSKU[l.SKU] {
					seenSKU[l.SKU] = true
					skus = append(skus, l.SKU)
				}
			}
		}
		if len(lines) == 0 {
			continue
		}
		r := routing.Request{
			Channel: o.Channel, Lines: lines, Now: now, Rejections: rej[g],
			Delivery: routing.Delivery{Method: d.Method, Destination: d.Address.Geo, Store: d.Store},
		}
		if d.Method == routing.Ship {
			if len(ch.Pool) == 0 {
				for _, l := range lines {
					short[l.ID] = shortUnits{qty: l.Qty, code: "channel.no_pool"}
				}
				continue
			}
			r.Locations = ch.Pool
		} else {
			locs[d.Store] = true
		}
		reqs = append(reqs, r)
		groups = append(groups, g)
	}
	if len(reqs) == 0 {
		return nil, short, nil
	}
	ids := make([]omnikit.LocationID, 0, len(locs))
	for id := range locs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	atp, err := s.ledger.ATPs(ctx, skus, ids)
	if err != nil {
		return nil, nil, err
	}
	sites := make([]routing.Site, len(ids))
	for j, id := range ids {
		loc, err := s.ledger.Location(id)
		if err != nil {
			return nil, nil, err
		}
		site := s.site(loc)
		site.Location = loc
		site.Stock = make(map[omnikit.SKU]int64, len(skus))
		for i, sku := range skus {
			if atp[i][j] > 0 {
				site.Stock[sku] = atp[i][j]
			}
		}
		site.SafetyStock = nil
		sites[j] = site
	}
	net, err := routing.NewNetwork(sites)
	if err != nil {
		return nil, nil, err
	}
	decs, err := s.engine.RouteOrder(ctx, net, routing.Order{Groups: reqs})
	if err != nil {
		return nil, nil, err
	}
	byGroup := map[int][]alloc{}
	for i, d := range decs {
		g := groups[i]
		for _, a := range d.Allocations {
			byGroup[g] = append(byGroup[g], alloc{line: a.Line, sku: a.SKU, loc: a.Location, qty: a.Qty})
		}
		sortAllocs(byGroup[g])
		for _, u := range d.Unfulfilled {
			su := short[u.Line]
			su.qty += u.Qty
			su.code = u.Code
			short[u.Line] = su
		}
	}
	return byGroup, short, nil
}

func sortAllocs(as []alloc) {
	slices.SortFunc(as, func(a, b alloc) int {
		if c := cmp.Compare(a.loc, b.loc); c != 0 {
			return c
		}
		return cmp.Compare(a.line, b.line)
	})
}

// releaseFOs gives back the stock of fulfilments that could not be stored
// (best effort: a failure is left to Recover's reconciliation).
func (s *Service) releaseFOs(ctx context.Context, fos []Fulfilment) {
	done := map[inventory.ReservationID]bool{}
	for _, f := range fos {
		if !done[f.Reservation] {
			done[f.Reservation] = true
			_, _ = s.ledger.Release(ctx, inventory.SettleRequest{ID: f.Reservation, Reference: "orders: not stored"})
		}
	}
}

func createdEvents(o *Order, fos []Fulfilment, now time.Time) []Event {
	var evs []Event
	for _, f := range fos {
		evs = append(evs, Event{Order: o.ID, Type: EventCreated, Fulfilment: f.ID, State: string(Created), Location: f.Location, Lines: fLines(f.Lines), Reason: string(f.RerouteOf), At: now})
	}
	return evs
}

func fLines(ls []FulfilmentLine) []EventLine {
	out := make([]EventLine, 0, len(ls))
	for _, l := range ls {
		if l.Qty > 0 {
			out = append(out, EventLine{Line: l.Line, SKU: l.SKU, Qty: l.Qty})
		}
	}
	return out
}

// settleState derives the order's state from its parts and returns the
// event of a change to Completed or Cancelled.
func (o *Order) settleState(now time.Time) []Event {
	if o.State != Open {
		return nil
	}
	handed := false
	for _, f := range o.Fulfilments {
		if !f.State.Terminal() {
			return nil
		}
		if f.State.HandedOver() {
			handed = true
		}
	}
	for _, l := range o.Lines {
		if l.Backordered > 0 {
			return nil
		}
	}
	if handed {
		o.State = Completed
		return []Event{{Order: o.ID, Type: EventCompleted, State: string(Completed), At: now}}
	}
	o.State = Cancelled
	return []Event{{Order: o.ID, Type: EventCancelled, State: string(Cancelled), Reason: o.Reason, At: now}}
}
