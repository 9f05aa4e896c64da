package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/omnikit/omnikit"
)

// ReserveRequest holds stock for a cart, an order or a transfer.
type ReserveRequest struct {
	// ID names the reservation; empty lets the ledger choose one.
	ID ReservationID
	// Owner is the cart, order or transfer the reservation belongs to.
	Owner string
	// Lines are reserved all or nothing. Lines on the same SKU and
	// location are summed.
	Lines []LocatedLine
	// ExpiresAt is the deadline after which the units return to sale; the
	// zero time means the reservation never expires.
	ExpiresAt      time.Time
	IdempotencyKey string
}

// SettleRequest commits or releases units of a reservation.
type SettleRequest struct {
	ID ReservationID
	// Lines are the units to settle; nil settles every open unit.
	Lines          []LocatedLine
	Reference      string
	IdempotencyKey string
}

// Reserve holds the lines' units for the request's owner: all or nothing,
// against each location's available-to-promise stock (sellable less safety
// stock). A reservation of a SKU at a location consumes that location's
// stock only.
//
// Errors: ErrInvalidInput (also for an expiry not after now),
// ErrUnknownSKU, ErrUnknownLocation, *ShortageError naming every short
// line (ErrInsufficientStock), ErrReservationExists,
// ErrIdempotencyConflict.
func (l *Ledger) Reserve(ctx context.Context, req ReserveRequest) (Reservation, error) {
	// The command's buffers and its transaction function are pooled: a
	// reservation on a store that commits in memory costs little more than
	// its allocations otherwise. Reserve only holds the two deferred
	// calls, which the compiler then inlines (in a function with many
	// returns they went through the runtime, ~250 instructions).
	c := reservePool.Get().(*reserveCmd)
	defer c.free()
	defer l.cfgMu.RLockShard(c.shard).RUnlock()
	return l.reserve(ctx, c, req)
}

func (l *Ledger) reserve(ctx context.Context, c *reserveCmd, req ReserveRequest) (Reservation, error) {
	if len(req.Lines) == 0 {
		return Reservation{}, invalid("lines", "no lines")
	}
	if req.ID != "" {
		if err := checkID(string(req.ID), "id"); err != nil {
			return Reservation{}, err
		}
	}
	if err := checkText(req.Owner, "owner"); err != nil {
		return Reservation{}, err
	}
	// The clock is read once, before the transaction: on a store that
	// commits in memory the transaction holds the store's lock, and
	// reading the clock (~50 ns) need not hold it. The entry and
	// the reservation are stamped with this time, and the deadline is
	// checked against it. A keyed request is checked after its replay
	// misses: a retry of a reservation whose deadline has passed returns
	// the first result.
	now := l.clock.Now()
	if req.IdempotencyKey == "" && !req.ExpiresAt.IsZero() {
		if err := pastExpiry(req.ExpiresAt, now); err != nil {
			return Reservation{}, err
		}
	}
	// lines is handed to the caller in the result: never pooled. Lines on
	// one pair are merged as they are checked.
	lines := make([]ReservationLine, 0, len(req.Lines))
	cfg := l.cfg
	for i := range req.Lines {
		ln := &req.Lines[i]
		// SKUs are never undefined: one this command found defined in
		// its last use, on this ledger, still is. On a hot SKU that
		// saves a lookup of the set of SKUs (~200 instructions).
		if ln.SKU != c.knownSKU || c.knownIn != l {
			if err := l.checkSKULoc(ln.SKU, ln.Location, "lines", i); err != nil {
				return Reservation{}, err
			}
			c.knownSKU, c.knownIn = ln.SKU, l
		}
		// A location is found with its channels, once per configuration
		// for a command that reserves at the same location again.
		if ln.Location != c.knownLoc || c.knownCfg != cfg {
			at := cfg.byLocation[ln.Location]
			if !at.defined {
				if err := l.checkSKULoc(ln.SKU, ln.Location, "lines", i); err != nil {
					return Reservation{}, err // a malformed ID, or unknown
				}
				return Reservation{}, &UnknownError{Kind: "location", ID: string(ln.Location)}
			}
			c.knownLoc, c.knownAt, c.knownCfg = ln.Location, at, cfg
		}
		if err := checkQty(ln.Qty, "lines", i, ".qty"); err != nil {
			return Reservation{}, err
		}
		merged := false
		for j := range lines {
			if lines[j].SKU == ln.SKU && lines[j].Location == ln.Location {
				lines[j].Qty += ln.Qty
				merged = true
			}
		}
		if !merged {
			lines = append(lines, ReservationLine{SKU: ln.SKU, Location: ln.Location, Qty: ln.Qty})
			c.lineAt = append(c.lineAt, c.knownAt)
		}
	}
	if req.IdempotencyKey != "" {
		f := newFingerprint(string(KindReserve)).str(string(req.ID)).str(req.Owner).num(req.ExpiresAt.UnixNano())
		for _, ln := range req.Lines {
			f.str(string(ln.SKU)).str(string(ln.Location)).num(ln.Qty)
		}
		c.fp = f.sum()
	}
	c.id = req.ID
	if c.id == "" {
		if l.idPrefix != "" {
			c.id = c.nextID(l)
		} else {
			c.id = l.newID()
		}
	}
	c.l, c.cfg, c.req, c.lines = l, cfg, req, lines
	c.at = now
	c.prepare()
	err := c.exec(ctx)
	if errors.Is(err, ErrInsufficientStock) && l.due(l.clock.Now()) {
		// Units held by reservations past their deadline are free: give
		// them back and try once more.
		if _, xerr := l.expireDue(ctx, c.cfg); xerr != nil {
			return Reservation{}, xerr
		}
		err = c.exec(ctx)
	}
	if err != nil {
		return Reservation{}, err
	}
	out := c.out
	l.noteDeadline(out.ExpiresAt)
	return out, nil
}

// reserveCmd is a Reserve in flight: its input, its result and the buffers
// of its entry, reused through reservePool.
type reserveCmd struct {
	l     *Ledger
	cfg   *config
	req   ReserveRequest
	id    ReservationID
	fp    string
	at    time.Time // of the entry and the reservation
	lines []ReservationLine
	out   Reservation
	fn    func(Tx) error // c.run, bound once
	// op describes the transaction to a DirectReserver; its Check is
	// c.check, bound once.
	op ReserveOp

	keys     []Account
	entry    Entry
	postings []Posting
	scratch  postScratch
	res      Reservation // what the transaction puts
	// head and body are the store's encodings of the entry's head and of
	// res, made before the transaction (see Preencoder); nil if not.
	head, body []byte
	// knownSKU is a SKU that ledger knownIn knows, from an earlier use of
	// the command; knownLoc is a location defined in configuration
	// knownCfg, and knownAt its entry there. free keeps them.
	knownSKU omnikit.SKU
	knownIn  *Ledger
	knownLoc omnikit.LocationID
	knownAt  locChannels
	knownCfg *config
	// lineAt holds the entry in config.byLocation of each line's location.
	lineAt []locChannels
	// shard is the command's shard of the Ledger's cfgLock.
	shard uint32
	// idNext..idEnd are the counters of ledger idOf's default IDs the
	// command has taken and not used (see nextID).
	idOf          *Ledger
	idNext, idEnd uint64
}

var reservePool = sync.Pool{New: func() any {
	c := &reserveCmd{shard: nextShard()}
	c.fn = c.run
	c.op.Check = c.check
	return c
}}

// free returns c to the pool with its buffers emptied. The rest of it is
// not cleared: Reserve sets every field a command reads before it reads
// it (fp, which only a keyed request sets, is emptied here). Until c is
// reused or the pool drops it at a garbage collection, it keeps its last
// request's strings and slices reachable; clearing the whole command
// (~900 bytes) was ~250 instructions, 3% of a reservation on the memory
// store.
func (c *reserveCmd) free() {
	if cap(c.keys) > 64 || cap(c.postings) > 64 || cap(c.head) > 1024 || cap(c.body) > 1024 ||
		cap(c.op.Sellable) > 64 || cap(c.op.Changes) > 64 || cap(c.op.Levels) > 64 || cap(c.lineAt) > 64 {
		return // an unusual command: let its large buffers go
	}
	c.keys, c.postings, c.scratch, c.head, c.body = c.keys[:0], c.postings[:0], c.scratch.reset(), c.head[:0], c.body[:0]
	// lineAt's stale entries (and knownAt) keep a replaced
	// configuration's channel lists reachable until overwritten: a few
	// small slices, where clearing them was ~50 instructions.
	c.lineAt = c.lineAt[:0]
	c.fp = ""
	reservePool.Put(c)
}

// prepare builds the command's postings, its entry (but for what its
// transaction computes) and its reservation, and has them encoded when
// the store can encode them before the transaction.
func (c *reserveCmd) prepare() {
	req := &c.req
	c.postings = c.postings[:0]
	for _, ln := range c.lines {
		c.postings = append(c.postings, Posting{
			From: Account{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable},
			To:   Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
			Qty:  ln.Qty,
		})
	}
	c.res = Reservation{ID: c.id, Owner: req.Owner, State: Active, Lines: c.lines, ExpiresAt: req.ExpiresAt, CreatedAt: c.at}
	if c.l.pre == nil {
		c.head, c.body = nil, nil
		return
	}
	e := &c.entry
	*e = c.baseEntry()
	var ok bool
	if c.head, c.body, ok = c.l.pre.Preencode(c.head[:0], c.body[:0], e, &c.res); !ok {
		c.head, c.body = nil, nil
	}
}

// idBlock is how many default IDs a command takes from its Ledger's
// counter at once.
const idBlock = 16

// nextID returns a default ID of l (see Options.NewReservationID) from
// the command's block of counters, taking a new block when it is used up.
func (c *reserveCmd) nextID(l *Ledger) ReservationID {
	if c.idOf != l || c.idNext == c.idEnd {
		end := l.idSeq.Add(idBlock)
		c.idOf, c.idNext, c.idEnd = l, end-idBlock+1, end+1
	}
	n := c.idNext
	c.idNext++
	var buf [64]byte
	return ReservationID(appendCounter(append(buf[:0], l.idPrefix...), n))
}

// exec runs the command's transaction: in one call to a DirectReserver
// when the store is one and the command allows it (both records encoded,
// and, for a keyed request, a deadline still ahead: one already past is
// refused only after a replay misses), else through its transaction
// function, which also replays a keyed request the store has recorded.
func (c *reserveCmd) exec(ctx context.Context) error {
	key := c.req.IdempotencyKey
	if d := c.l.direct; d != nil && c.head != nil && c.body != nil && (key == "" || pastExpiry(c.req.ExpiresAt, c.at) == nil) {
		op := &c.op
		op.Reservation, op.Named, op.Head, op.Body = &c.res, c.req.ID != "", c.head, c.body
		op.Key, op.Fingerprint = key, c.fp
		if err := d.ReserveDirect(ctx, op); err != nil {
			return err
		}
		if !op.Replayed {
			c.out = c.res // the store keeps its own copy; lines is ours
			return nil
		}
	}
	if len(c.keys) == 0 {
		for _, ln := range c.lines {
			c.keys = append(c.keys,
				Account{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable},
				Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved})
		}
		c.keys = sortKeys(c.keys)
	}
	return c.l.exec(ctx, c.keys, c.fn)
}

// check is the command's ReserveOp.Check: the decision its transaction
// function makes through postWith, made from the numbers a DirectReserver
// read. Each line takes its units from the pair's ATP (a reservation's
// floor is the safety stock); the channel sums change by what the lines'
// new ATPs contribute, as in postWith.
func (c *reserveCmd) check(op *ReserveOp) error {
	var short []Shortage
	for i := range c.lines {
		ln := &c.lines[i]
		if sell, safety := op.Sellable[i], op.Safety[i]; sell-ln.Qty < safety {
			short = append(short, Shortage{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable,
				Requested: ln.Qty, Available: max(0, sell-safety)})
		}
	}
	if short != nil {
		return &ShortageError{Lines: short}
	}
	var dbuf [4]channelDelta
	deltas := dbuf[:0]
	for i := range c.lines {
		ln := &c.lines[i]
		sell, safety := op.Sellable[i], op.Safety[i]
		deltas = addDelta(deltas, c.lineAt[i], ln.SKU, atp(sell, safety), atp(sell-ln.Qty, safety))
	}
	op.Changes = channelChanges(op.Changes[:0], deltas)
	return nil
}

// channelChanges appends to changes the deltas that change a sum, in the
// order of SKU, then channel (sorting deltas).
func channelChanges(changes []ChannelChange, deltas []channelDelta) []ChannelChange {
	if len(deltas) > 1 {
		sortDeltas(deltas)
	}
	for _, d := range deltas {
		if d.delta != 0 {
			changes = append(changes, ChannelChange{Channel: d.ch.ID, SKU: d.sku, Delta: d.delta, Rule: d.ch.Rule})
		}
	}
	return changes
}

// baseEntry is the command's entry without what its transaction computes.
func (c *reserveCmd) baseEntry() Entry {
	return Entry{Kind: KindReserve, At: c.at, Reservation: c.id, Reference: c.req.Owner,
		IdempotencyKey: c.req.IdempotencyKey, Postings: c.postings}
}

// run is the command's transaction function; it may run more than once.
func (c *reserveCmd) run(tx Tx) error {
	l, req, id := c.l, &c.req, c.id
	if req.IdempotencyKey != "" {
		rec, hit, err := replay(tx, req.IdempotencyKey, c.fp)
		if err != nil {
			return err
		}
		if hit {
			c.out, err = tx.Reservation(rec.Reservation)
			return err
		}
		if err := pastExpiry(req.ExpiresAt, c.at); err != nil {
			return err
		}
	}
	// An ID the ledger made is unique by construction (a random prefix
	// and a counter); only a caller's own ID needs the lookup, which
	// costs a round trip on a database.
	if req.ID != "" {
		if _, err := tx.Reservation(id); err == nil {
			return fmt.Errorf("%w: %q", ErrReservationExists, id)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	// The entry is not returned: its slices can be reused, since a store
	// keeps nothing of what Append is given (it copies or encodes it).
	e := &c.entry
	*e = c.baseEntry()
	// The transaction is asked once whether it takes encoded bytes.
	ptx, _ := tx.(PreencodedTx)
	c.scratch.head, c.scratch.ptx = c.head, ptx
	if err := l.postWith(tx, c.cfg, e, auth{bucket: Sellable, safety: true}, &c.scratch); err != nil {
		return err
	}
	if ptx != nil && c.body != nil {
		if err := ptx.PutPreencodedReservation(&c.res, c.body); err != nil {
			return err
		}
	} else if err := tx.PutReservation(c.res); err != nil {
		return err
	}
	if req.IdempotencyKey != "" {
		if err := tx.PutIdempotency(IdempotencyRecord{Key: req.IdempotencyKey, Fingerprint: c.fp, Seq: e.Seq, Reservation: id}); err != nil {
			return err
		}
	}
	c.out = c.res // the store keeps its own copy; lines is ours
	return nil
}

// Commit settles reserved units as shipped or handed over: they leave for
// the customer. A reservation may be committed in parts; it ends as
// Committed when no unit remains open. A commit at or after the deadline is
// refused: the reservation expires instead and Commit returns a
// *ReservationEndedError that matches ErrReservationExpired.
//
// Errors: ErrInvalidInput, ErrNotFound, ErrReservationEnded,
// ErrReservationExpired, ErrExceedsReserved, ErrIdempotencyConflict.
func (l *Ledger) Commit(ctx context.Context, req SettleRequest) (Entry, error) {
	return l.settle(ctx, KindCommit, req)
}

// Release gives reserved units back to sale, for a cancelled cart or order
// line. Releasing every open unit ends the reservation as Released.
//
// Errors: ErrInvalidInput, ErrNotFound, ErrReservationEnded,
// ErrReservationExpired, ErrExceedsReserved, ErrIdempotencyConflict.
func (l *Ledger) Release(ctx context.Context, req SettleRequest) (Entry, error) {
	return l.settle(ctx, KindRelease, req)
}

func (l *Ledger) settle(ctx context.Context, kind EntryKind, req SettleRequest) (Entry, error) {
	// Like Reserve, the command's closures and buffers are pooled, and
	// only the deferred calls are here (see Reserve).
	c := settlePool.Get().(*settleCmd)
	defer c.free()
	defer l.cfgMu.RLockShard(c.shard).RUnlock()
	return l.settleWith(ctx, c, kind, req)
}

func (l *Ledger) settleWith(ctx context.Context, c *settleCmd, kind EntryKind, req SettleRequest) (Entry, error) {
	if err := checkID(string(req.ID), "id"); err != nil {
		return Entry{}, err
	}
	if err := checkText(req.Reference, "reference"); err != nil {
		return Entry{}, err
	}
	for i, ln := range req.Lines {
		if err := ln.SKU.Validate(); err != nil {
			return Entry{}, invalid(fieldName("lines", i, ".sku"), "%v", err)
		}
		if err := checkQty(ln.Qty, "lines", i, ".qty"); err != nil {
			return Entry{}, err
		}
	}
	if req.Lines != nil && len(req.Lines) == 0 {
		return Entry{}, invalid("lines", "empty; use nil to settle every open unit")
	}
	c.req = req
	// The reservation is read first to name the accounts to lock; a store
	// that commits in memory isolates every transaction whatever it names,
	// and the transaction reads the reservation anyway.
	if !l.inMemory {
		if err := l.store.View(ctx, c.viewFn); err != nil {
			return Entry{}, notFound(err, req.ID)
		}
	}
	if req.IdempotencyKey != "" {
		f := newFingerprint(string(kind)).str(string(req.ID)).str(req.Reference).num(int64(len(req.Lines)))
		for _, ln := range req.Lines {
			f.str(string(ln.SKU)).str(string(ln.Location)).num(ln.Qty)
		}
		c.fp = f.sum()
	}
	c.to = Sellable
	if kind == KindCommit {
		c.to = Customer
	}
	for _, ln := range c.r.Lines {
		c.keys = append(c.keys,
			Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
			Account{SKU: ln.SKU, Location: ln.Location, Bucket: c.to})
	}
	c.l, c.cfg, c.kind = l, l.cfg, kind
	if l.settler != nil {
		// In one call to the store; a recorded key is replayed, and a
		// reservation found due expired, by the transaction function
		// below.
		c.now = l.clock.Now()
		op := &c.op
		op.ID, op.Key, op.Fingerprint = req.ID, req.IdempotencyKey, c.fp
		err := l.settler.SettleDirect(ctx, op)
		if err == nil && !op.Replayed {
			c.setOut(&op.Entry)
			return c.out, nil
		}
		if err != nil && err != errSettleDue {
			return Entry{}, notFound(err, req.ID)
		}
	}
	if err := l.exec(ctx, sortKeys(c.keys), c.fn); err != nil {
		return Entry{}, notFound(err, req.ID)
	}
	if c.expired {
		return Entry{}, &ReservationEndedError{ID: req.ID, State: Expired}
	}
	return c.out, nil
}

// settleCmd is a Commit or Release in flight, reused through settlePool.
type settleCmd struct {
	l       *Ledger
	cfg     *config
	kind    EntryKind
	req     SettleRequest
	fp      string
	to      Bucket
	r       Reservation // as read before the transaction, for its keys
	out     Entry
	expired bool
	fn      func(Tx) error     // c.run, bound once
	viewFn  func(ReadTx) error // c.view, bound once
	shard   uint32             // the command's shard of the Ledger's cfgLock
	// op describes the transaction to a DirectSettler; its Check is
	// c.check, bound once. now is the time of its entry, read before
	// the store's lock.
	op  SettleOp
	now time.Time

	keys     []Account
	entry    Entry
	postings []Posting
	scratch  postScratch
}

var settlePool = sync.Pool{New: func() any {
	c := &settleCmd{shard: nextShard()}
	c.fn, c.viewFn, c.op.Check = c.run, c.view, c.check
	return c
}}

// free returns c to the pool with its buffers emptied. Like a reserve
// command's, the rest is not cleared: settle sets every field a command
// reads before it reads it, but for fp and r (read only on a store that
// does not commit in memory), emptied here.
func (c *settleCmd) free() {
	op := &c.op
	if cap(c.keys) > 64 || cap(c.postings) > 64 || cap(op.Reservation.Lines) > 64 || cap(op.Sellable) > 64 ||
		cap(op.Changes) > 64 || cap(op.Levels) > 64 || cap(op.Buf) > 1024 {
		return // an unusual command: let its large buffers go
	}
	c.keys, c.postings, c.scratch = c.keys[:0], c.postings[:0], c.scratch.reset()
	c.fp, c.r = "", Reservation{}
	// The direct transaction's reservation and entry point into buffers
	// the next command overwrites; their strings stay reachable until
	// then, as a reserve command's do.
	op.Reservation.Lines = op.Reservation.Lines[:0]
	settlePool.Put(c)
}

func (c *settleCmd) view(tx ReadTx) error {
	var err error
	c.r, err = tx.Reservation(c.req.ID)
	return err
}

// run is the command's transaction function; it may run more than once.
func (c *settleCmd) run(tx Tx) error {
	l, cfg, req := c.l, c.cfg, &c.req
	c.expired = false
	rec, hit, err := replay(tx, req.IdempotencyKey, c.fp)
	if err != nil {
		return err
	}
	if hit {
		c.out, err = tx.Entry(rec.Seq)
		return err
	}
	r, err := tx.Reservation(req.ID)
	if err != nil {
		return err
	}
	if r.State != Active {
		return &ReservationEndedError{ID: r.ID, State: r.State}
	}
	now := l.clock.Now()
	if isDue(r, now) {
		c.expired = true
		_, err := l.expire(tx, cfg, &r, now)
		return err
	}
	var qbuf [4]int64
	qty := qbuf[:0]
	if len(r.Lines) > len(qbuf) {
		qty = make([]int64, 0, len(r.Lines))
	}
	qty = qty[:len(r.Lines)]
	if err := settleQty(&r, req.Lines, qty); err != nil {
		return err
	}
	// The entry's postings and availability live in pooled buffers: the
	// caller gets copies.
	e := &c.entry
	c.apply(e, &r, qty, now)
	if err := l.postWith(tx, cfg, e, auth{bucket: Reserved}, &c.scratch); err != nil {
		return err
	}
	if err := tx.PutReservation(r); err != nil {
		return err
	}
	if req.IdempotencyKey != "" {
		if err := tx.PutIdempotency(IdempotencyRecord{Key: req.IdempotencyKey, Fingerprint: c.fp, Seq: e.Seq, Reservation: r.ID}); err != nil {
			return err
		}
	}
	c.setOut(e)
	return nil
}

// setOut sets the command's result to a copy of e, whose postings and
// availability live in pooled buffers.
func (c *settleCmd) setOut(e *Entry) {
	c.out = *e
	c.out.Postings = slices.Clone(e.Postings)
	c.out.Availability = slices.Clone(e.Availability)
}

// settleQty sets qty[i] to the units of line i of r that a request for
// want settles (want nil: every open unit), refusing more than a line
// holds open or a line r does not have.
func settleQty(r *Reservation, want []LocatedLine, qty []int64) error {
	if want == nil {
		for i, ln := range r.Lines {
			qty[i] = ln.Open()
		}
		return nil
	}
	clear(qty)
	for _, w := range want {
		i := lineIndex(r.Lines, w.SKU, w.Location)
		if i < 0 {
			return &ExceedsReservedError{ID: r.ID, SKU: w.SKU, Location: w.Location, Requested: w.Qty}
		}
		qty[i] += w.Qty
	}
	for i, ln := range r.Lines {
		if qty[i] > ln.Open() {
			return &ExceedsReservedError{ID: r.ID, SKU: ln.SKU, Location: ln.Location, Requested: qty[i], Open: ln.Open()}
		}
	}
	return nil
}

// apply settles qty[i] units of each line i of r, ending r when no unit
// is left open, and sets e to the command's entry, whose postings (in
// c.postings) move those units from Reserved to c.to.
func (c *settleCmd) apply(e *Entry, r *Reservation, qty []int64, now time.Time) {
	c.postings = c.postings[:0]
	for i := range r.Lines {
		ln := &r.Lines[i]
		if qty[i] == 0 {
			continue
		}
		c.postings = append(c.postings, Posting{
			From: Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
			To:   Account{SKU: ln.SKU, Location: ln.Location, Bucket: c.to},
			Qty:  qty[i],
		})
		if c.kind == KindCommit {
			ln.Committed += qty[i]
		} else {
			ln.Released += qty[i]
		}
	}
	*e = Entry{Kind: c.kind, At: now, Reservation: r.ID, Reference: c.req.Reference, IdempotencyKey: c.req.IdempotencyKey,
		Postings: c.postings}
	if r.Open() == 0 {
		r.State, r.EndedAt = Released, now
		if c.kind == KindCommit {
			r.State = Committed
		}
	}
}

// errSettleDue is what a settle command's check returns for a
// reservation past its deadline: the Ledger then runs the command's
// transaction function, which expires it.
var errSettleDue = errors.New("inventory: reservation due")

// check is the command's SettleOp.Check: the decisions its transaction
// function makes, from what a DirectSettler read. The reserved balance
// of each settled line is checked as postWith checks it (the bucket a
// settle command may not drive below zero), and a release changes the
// channel sums by what the lines' new ATPs contribute.
func (c *settleCmd) check(op *SettleOp) error {
	r := &op.Reservation
	if r.State != Active {
		return &ReservationEndedError{ID: r.ID, State: r.State}
	}
	if isDue(*r, c.now) {
		return errSettleDue
	}
	n := len(r.Lines)
	if cap(op.Qty) < n {
		op.Qty = make([]int64, n)
	}
	qty := op.Qty[:n]
	op.Qty = qty
	if err := settleQty(r, c.req.Lines, qty); err != nil {
		return err
	}
	var short []Shortage
	for i := range r.Lines {
		if res := op.Reserved[i]; qty[i] > 0 && qty[i] > res {
			ln := &r.Lines[i]
			short = append(short, Shortage{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved,
				Requested: qty[i], Available: max(0, res)})
		}
	}
	if short != nil {
		return &ShortageError{Lines: short}
	}
	op.To = c.to
	op.Changes = op.Changes[:0]
	if c.to == Sellable {
		var dbuf [4]channelDelta
		deltas := dbuf[:0]
		for i := range r.Lines {
			if qty[i] == 0 {
				continue
			}
			ln := &r.Lines[i]
			sell, safety := op.Sellable[i], op.Safety[i]
			deltas = addDelta(deltas, c.cfg.byLocation[ln.Location], ln.SKU, atp(sell, safety), atp(sell+qty[i], safety))
		}
		op.Changes = channelChanges(op.Changes, deltas)
	}
	c.apply(&op.Entry, r, qty, c.now)
	return nil
}

// pastExpiry refuses a deadline that is not after now.
func pastExpiry(deadline, now time.Time) error {
	if !deadline.IsZero() && !deadline.After(now) {
		return invalid("expires_at", "%s is not after now (%s)", deadline.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return nil
}

func lineIndex(lines []ReservationLine, sku omnikit.SKU, loc omnikit.LocationID) int {
	for i, ln := range lines {
		if ln.SKU == sku && ln.Location == loc {
			return i
		}
	}
	return -1
}

func isDue(r Reservation, now time.Time) bool {
	return r.State == Active && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)
}

func notFound(err error, id ReservationID) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("inventory: reservation %q: %w", id, ErrNotFound)
	}
	return err
}

func checkID(s, field string) error {
	if s == "" {
		return invalid(field, "is empty")
	}
	if len(s) > 128 {
		return invalid(field, "longer than 128 bytes")
	}
	return nil
}

// expire ends an active, due reservation: its open units return to sale.
func (l *Ledger) expire(tx Tx, cfg *config, r *Reservation, now time.Time) (Entry, error) {
	e := &Entry{Kind: KindExpire, At: now, Reservation: r.ID}
	for i, ln := range r.Lines {
		if open := ln.Open(); open > 0 {
			e.Postings = append(e.Postings, Posting{
				From: Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
				To:   Account{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable},
				Qty:  open,
			})
			r.Lines[i].Released += open
		}
	}
	if err := l.post(tx, cfg, e, auth{bucket: Reserved}); err != nil {
		return Entry{}, err
	}
	r.State, r.EndedAt = Expired, now
	return *e, tx.PutReservation(*r)
}

// due reports whether a known deadline has passed.
func (l *Ledger) due(now time.Time) bool {
	n := l.nextDue.Load()
	return n != 0 && now.UnixNano() >= n
}

// ExpireDue expires every active reservation whose deadline has passed and
// returns how many it expired. Reads expire lazily too (see the package
// documentation), so a sweep only bounds how long units of reservations
// nobody reads about stay held.
func (l *Ledger) ExpireDue(ctx context.Context) (int, error) {
	defer l.cfgMu.RLock().RUnlock()
	return l.expireDue(ctx, l.cfg)
}

const sweepBatch = 256

func (l *Ledger) expireDue(ctx context.Context, cfg *config) (int, error) {
	seen := l.nextDue.Load()
	n := 0
	for {
		now := l.clock.Now()
		var due []Reservation
		err := l.store.View(ctx, func(tx ReadTx) error {
			ids, err := tx.DueReservations(now, sweepBatch)
			if err != nil {
				return err
			}
			for _, id := range ids {
				r, err := tx.Reservation(id)
				if err != nil {
					return err
				}
				due = append(due, r)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		for _, r := range due {
			keys := make([]Account, 0, 2*len(r.Lines))
			for _, ln := range r.Lines {
				keys = append(keys,
					Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
					Account{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable})
			}
			done := false
			err := l.exec(ctx, sortKeys(keys), func(tx Tx) error {
				done = false
				cur, err := tx.Reservation(r.ID)
				if err != nil {
					return err
				}
				if !isDue(cur, now) {
					return nil // settled or expired meanwhile
				}
				_, err = l.expire(tx, cfg, &cur, now)
				done = err == nil
				return err
			})
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
		if len(due) < sweepBatch {
			break
		}
	}
	var next time.Time
	var ok bool
	if err := l.store.View(ctx, func(tx ReadTx) error {
		var err error
		next, ok, err = tx.NextExpiry()
		return err
	}); err != nil {
		return n, err
	}
	var v int64
	if ok {
		v = next.UnixNano()
	}
	// Only a sweep that saw the newest deadline may raise it; a Reserve
	// that noted an earlier one meanwhile keeps its value.
	l.nextDue.CompareAndSwap(seen, v)
	return n, nil
}

// Reservation returns a reservation, expiring it first if its deadline has
// passed (lazy expiry).
//
// Errors: ErrInvalidInput, ErrNotFound.
func (l *Ledger) Reservation(ctx context.Context, id ReservationID) (Reservation, error) {
	defer l.cfgMu.RLock().RUnlock()
	if err := checkID(string(id), "id"); err != nil {
		return Reservation{}, err
	}
	var r Reservation
	if err := l.store.View(ctx, func(tx ReadTx) error {
		var err error
		r, err = tx.Reservation(id)
		return err
	}); err != nil {
		return Reservation{}, notFound(err, id)
	}
	now := l.clock.Now()
	if !isDue(r, now) {
		return r, nil
	}
	keys := make([]Account, 0, 2*len(r.Lines))
	for _, ln := range r.Lines {
		keys = append(keys,
			Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved},
			Account{SKU: ln.SKU, Location: ln.Location, Bucket: Sellable})
	}
	cfg := l.cfg
	err := l.exec(ctx, sortKeys(keys), func(tx Tx) error {
		cur, err := tx.Reservation(id)
		if err != nil {
			return err
		}
		if isDue(cur, now) {
			if _, err := l.expire(tx, cfg, &cur, now); err != nil {
				return err
			}
		}
		r = cur
		return nil
	})
	return r, err
}
