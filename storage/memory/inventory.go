package memory

import (
	"container/heap"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Inventory is an in-memory inventory.Store. One mutex serialises writers,
// which makes every transaction isolated whatever keys it names; readers
// share a read lock. Values are copied in and out, so callers can never
// change stored state through a slice they passed or received.
type Inventory struct {
	mu sync.RWMutex
	// The balances and safety stock of a SKU at a location live together
	// in one record, found by one lookup of the pair (not one hash of
	// four strings per account); in-transit accounts, which have a peer,
	// are kept apart in transit.
	pairs        map[skuLoc]int32 // -> index in recs
	hotPair      hotPair
	recs         []pairRec
	transit      map[inventory.Account]int64
	reservations resTable // all of them, encoded
	deadlines    deadlineHeap
	idem         map[string]inventory.IdempotencyRecord
	raws         interner[chanSKU] // numbers the channel sums: index in rawRecs
	rawRecs      []rawRec
	entries      entryLog
	locations    map[omnikit.LocationID]inventory.Location
	channels     map[omnikit.ChannelID]inventory.Channel
	skus         map[omnikit.SKU]struct{}

	spin bool // lock spins before it parks: more than one processor
	// names is entries.names, for what runs without the lock
	// (Preencode): entries.names sits on the cache line of entries.n,
	// which every write transaction writes, and reading it from the
	// other core moved that line between the cores on every reservation.
	// Here it shares a line with fields that only NewInventory writes.
	names *names
	// writes and views pool the write and read transactions. A write
	// transaction and its undo log, which every command writes, are taken
	// before the lock, from the caller's processor, whose core has them in
	// its cache (see the package doc).
	writes sync.Pool // of *memTx
	views  sync.Pool // of *memTx, for View
}

// pairRec holds the accounts of one SKU at one location, in-transit ones
// aside, and its safety stock.
type pairRec struct {
	sku    omnikit.SKU
	loc    omnikit.LocationID
	bal    [nBuckets]int64 // indexed by bucket
	has    uint16          // bit b: bucket b has a balance (was written)
	safety int64
}

const nBuckets = int(inventory.Shrinkage) + 1

// pairBucket reports whether a is kept in a pair record.
func pairBucket(a inventory.Account) bool {
	return a.Peer == "" && a.Bucket != inventory.InTransit && a.Bucket > 0 && int(a.Bucket) < nBuckets
}

// pair returns the index of the record of (sku, loc), -1 if there is none.
func (s *Inventory) pair(sku omnikit.SKU, loc omnikit.LocationID) int32 {
	if i, ok := s.pairs[skuLoc{sku, loc}]; ok {
		return i
	}
	return -1
}

// pairOrNew returns the index of the record of (sku, loc), making it if
// needed. A record made by a transaction that is rolled back stays, empty:
// it has no balance and no safety stock, so nothing reads it.
func (s *Inventory) pairOrNew(sku omnikit.SKU, loc omnikit.LocationID) int32 {
	if i, ok := s.pairs[skuLoc{sku, loc}]; ok {
		return i
	}
	i := int32(len(s.recs))
	s.recs = append(s.recs, pairRec{sku: sku, loc: loc})
	s.pairs[skuLoc{sku, loc}] = i
	return i
}

type skuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}

type chanSKU struct {
	ch  omnikit.ChannelID
	sku omnikit.SKU
}

// rawRec is the maintained sum of a channel for a SKU (s.raws.keys has
// the same index); a record made by a transaction that is rolled back
// stays, with has false.
type rawRec struct {
	q   int64
	has bool
}

// raw returns the index of the record of k, making it if needed. Only
// write transactions call it: the interner remembers the last record it
// numbered (on a hot SKU, the next command's), and readers must not write.
func (s *Inventory) raw(k chanSKU) int32 {
	i := s.raws.num(k)
	if int(i) == len(s.rawRecs) {
		s.rawRecs = append(s.rawRecs, rawRec{})
	}
	return int32(i)
}

// NewInventory returns an empty in-memory inventory store.
func NewInventory() *Inventory {
	n := newNames()
	return &Inventory{
		spin:         runtime.GOMAXPROCS(0) > 1,
		names:        n,
		pairs:        map[skuLoc]int32{},
		transit:      map[inventory.Account]int64{},
		reservations: newResTable(n),
		entries:      entryLog{names: n},
		deadlines:    deadlineHeap{index: map[inventory.ReservationID]int{}},
		idem:         map[string]inventory.IdempotencyRecord{},
		raws:         newInterner[chanSKU](),
		locations:    map[omnikit.LocationID]inventory.Location{},
		channels:     map[omnikit.ChannelID]inventory.Channel{},
		skus:         map[omnikit.SKU]struct{}{},
	}
}

var _ inventory.Store = (*Inventory)(nil)

// Update runs fn under the store's write lock. If fn fails, its writes are
// undone in reverse order before the lock is released.
func (s *Inventory) Update(ctx context.Context, _ []inventory.Account, fn func(inventory.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, _ := s.writes.Get().(*memTx)
	if tx == nil {
		tx = &memTx{}
	}
	*tx = memTx{s: s, write: true, undo: tx.undo.reset()}
	// Like a read transaction, a write transaction is reused by a later
	// Update; one that fn kept past its end reports errClosed until then.
	// It is put back after the unlock (deferred calls run last first).
	defer s.writes.Put(tx)
	s.lock()
	defer s.mu.Unlock()
	entries := s.entries.mark()
	err := fn(tx)
	tx.closed = true
	if err != nil {
		s.rollback(&tx.undo, entries)
		return err
	}
	return nil
}

// lock takes the write lock, spinning first when the process runs on
// more than one processor.
//
// A write transaction holds the lock for about half a microsecond. With
// many callers, sync.Mutex parks a goroutine that finds it taken (it spins
// only when its processor has nothing else to run, and with many callers
// it always has), and the goroutine that just released it takes it again
// before a parked one wakes: one core then runs nearly every command, and
// the other waits (32 callers on 2 cores used ~1.1 cores and reserved no
// faster than one caller). Trying the lock for a few microseconds before
// parking lets a goroutine already running on the other core take it, so
// that one core runs a command's transaction while the other runs the
// rest of its own command. A long transaction (a channel rebuilt over
// many SKUs) costs each waiter one spin before it parks.
func (s *Inventory) lock() {
	if s.spin {
		for range lockSpins {
			if s.mu.TryLock() {
				return
			}
		}
	}
	s.mu.Lock()
}

// lockSpins bounds how many times lock tries the lock before it parks: a
// try reads the lock's word and costs a few nanoseconds while it is
// taken, so this is a few microseconds (measured on 2 cores: 100 tries
// were too few to outlast a transaction, 400 and 1,500 did as well).
const lockSpins = 1000

// View runs fn under the store's read lock.
func (s *Inventory) View(ctx context.Context, fn func(inventory.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, _ := s.views.Get().(*memTx)
	if tx == nil {
		tx = &memTx{}
	}
	s.mu.RLock()
	*tx = memTx{s: s}
	err := fn(tx)
	tx.closed = true
	s.mu.RUnlock()
	// A read transaction is reused by a later View. One that fn kept
	// past its end reports errClosed until then, like before; the Ledger
	// never keeps one.
	s.views.Put(tx)
	return err
}

type undoKind uint8

const (
	undoBalance undoKind = iota
	undoSafety
	undoReservation
	undoIdem
	undoRaw
	undoFunc
)

// undoRec is kept small (40 bytes): Update appends several per command.
type undoRec struct {
	kind    undoKind
	existed bool
	bucket  inventory.Bucket
	pair    int32  // of a balance or safety stock; -1 for an in-transit balance
	idx     int32  // of a channel sum in rawRecs, or of the undoAux record
	q       int64  // the previous quantity
	key     string // of an idempotency record or a reservation
	ref     uint64 // of the reservation's previous record
}

// undoAux is what an undo record of an in-transit balance or a closure
// needs besides its undoRec.
type undoAux struct {
	acct inventory.Account
	fn   func()
}

// undoLog is a write transaction's undo log. aux holds what the rare
// undo records need beyond an undoRec (an in-transit account, a
// closure), so that an undoRec stays small.
type undoLog struct {
	recs []undoRec
	aux  []undoAux
}

// push records u.
func (l *undoLog) push(u undoRec) { l.recs = append(l.recs, u) }

// pushAux records a and returns its index for an undoRec.
func (l *undoLog) pushAux(a undoAux) int32 {
	l.aux = append(l.aux, a)
	return int32(len(l.aux) - 1)
}

// reset empties l for the next transaction, keeping its buffers unless
// they grew large (a bulk command), and dropping the closures it held.
func (l undoLog) reset() undoLog {
	if cap(l.recs) > 1024 || cap(l.aux) > 64 {
		return undoLog{}
	}
	clear(l.aux)
	return undoLog{recs: l.recs[:0], aux: l.aux[:0]}
}

// rollback undoes what undo records, newest first, and forgets the
// entries appended after entries.
func (s *Inventory) rollback(undo *undoLog, entries mark) {
	for i := len(undo.recs) - 1; i >= 0; i-- {
		u := &undo.recs[i]
		switch u.kind {
		case undoBalance:
			if u.pair < 0 {
				acct := undo.aux[u.idx].acct
				if u.existed {
					s.transit[acct] = u.q
				} else {
					delete(s.transit, acct)
				}
				break
			}
			rec := &s.recs[u.pair]
			rec.bal[u.bucket] = u.q
			if !u.existed {
				rec.has &^= 1 << u.bucket
			}
		case undoSafety:
			s.recs[u.pair].safety = u.q
		case undoReservation:
			id := inventory.ReservationID(u.key)
			if u.existed {
				s.reservations.setRef(id, u.ref)
				s.noteDeadline(id, s.reservations.decode(u.ref))
			} else {
				s.reservations.remove(id)
				s.deadlines.remove(id)
			}
		case undoIdem:
			delete(s.idem, u.key)
		case undoRaw:
			s.rawRecs[u.idx].q, s.rawRecs[u.idx].has = u.q, u.existed
		case undoFunc:
			undo.aux[u.idx].fn()
		}
	}
	s.entries.rollback(entries)
}

// noteDeadline keeps the deadline heap in step with reservation r of id.
func (s *Inventory) noteDeadline(id inventory.ReservationID, r inventory.Reservation) {
	if r.State == inventory.Active && !r.ExpiresAt.IsZero() {
		s.deadlines.set(id, r.ExpiresAt)
	} else {
		s.deadlines.remove(id)
	}
}

// memTx is a transaction on an Inventory; the store's lock is held for its life.
type memTx struct {
	s      *Inventory
	undo   undoLog // of a write transaction
	write  bool
	closed bool
	// last is the pair this transaction touched last: a command's
	// accounts are mostly of one SKU at one location, found with one
	// lookup.
	lastSL  skuLoc
	lastIdx int32
	hasLast bool
}

// pair returns the index of the record of (sku, loc), -1 if there is none.
func (t *memTx) pair(sku omnikit.SKU, loc omnikit.LocationID, create bool) int32 {
	if t.hasLast && t.lastSL.sku == sku && t.lastSL.loc == loc {
		return t.lastIdx
	}
	var i int32
	if t.write {
		i = t.s.hotPairOf(sku, loc, create)
	} else if h := &t.s.hotPair; h.ok && h.sl.sku == sku && h.sl.loc == loc {
		i = h.idx
	} else {
		i = t.s.pair(sku, loc) // a read transaction never creates
	}
	if i < 0 {
		return -1
	}
	t.lastSL, t.lastIdx, t.hasLast = skuLoc{sku, loc}, i, true
	return i
}

// hotPair remembers the pair a write transaction found last, for the
// next: on a hot SKU every command is of the same pair, and a lookup
// hashes its two strings. Pair records are never removed, so what it
// names stays valid; only write transactions, which hold the store's lock
// alone, change it.
type hotPair struct {
	sl  skuLoc
	idx int32
	ok  bool
}

// balance returns the current balance of a and whether it exists.
func (t *memTx) balance(a inventory.Account) (int64, bool) {
	if !pairBucket(a) {
		q, ok := t.s.transit[a]
		return q, ok
	}
	i := t.pair(a.SKU, a.Location, false)
	if i < 0 {
		return 0, false
	}
	rec := &t.s.recs[i]
	return rec.bal[a.Bucket], rec.has&(1<<a.Bucket) != 0
}

var errClosed = fmt.Errorf("memory: transaction used after it ended")

func (t *memTx) check() error {
	if t.closed {
		return errClosed
	}
	return nil
}

func (t *memTx) Balance(a inventory.Account) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	q, _ := t.balance(a)
	return q, nil
}

func (t *memTx) SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	i := t.pair(sku, loc, false)
	if i < 0 {
		return 0, nil
	}
	return t.s.recs[i].safety, nil
}

func (t *memTx) Reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	if err := t.check(); err != nil {
		return inventory.Reservation{}, err
	}
	if r, ok := t.s.reservations.get(id); ok {
		return r, nil // decoded: the caller's own copy
	}
	return inventory.Reservation{}, inventory.ErrNotFound
}

func (t *memTx) Idempotency(key string) (inventory.IdempotencyRecord, error) {
	if err := t.check(); err != nil {
		return inventory.IdempotencyRecord{}, err
	}
	rec, ok := t.s.idem[key]
	if !ok {
		return inventory.IdempotencyRecord{}, inventory.ErrNotFound
	}
	return rec, nil
}

func (t *memTx) ChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if i, ok := t.s.raws.idx[chanSKU{ch, sku}]; ok {
		return t.s.rawRecs[i].q, nil
	}
	return 0, nil
}

func (t *memTx) Entry(seq int64) (inventory.Entry, error) {
	if err := t.check(); err != nil {
		return inventory.Entry{}, err
	}
	if seq < 1 || seq > int64(t.s.entries.len()) {
		return inventory.Entry{}, inventory.ErrNotFound
	}
	return t.s.entries.at(int(seq - 1)), nil
}

func (t *memTx) Entries(after int64, limit int) ([]inventory.Entry, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if after < 0 {
		after = 0
	}
	n := int64(t.s.entries.len())
	if after >= n || limit <= 0 {
		return nil, nil
	}
	end := min(n, after+int64(limit))
	out := make([]inventory.Entry, 0, end-after)
	for i := after; i < end; i++ {
		out = append(out, t.s.entries.at(int(i)))
	}
	return out, nil
}

func (t *memTx) LastSeq() (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return int64(t.s.entries.len()), nil
}

func (t *memTx) DueReservations(now time.Time, limit int) ([]inventory.ReservationID, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.s.deadlines.due(now, limit), nil
}

func (t *memTx) NextExpiry() (time.Time, bool, error) {
	if err := t.check(); err != nil {
		return time.Time{}, false, err
	}
	if len(t.s.deadlines.items) == 0 {
		return time.Time{}, false, nil
	}
	return t.s.deadlines.items[0].at, true, nil
}

func (t *memTx) Reservations(fn func(inventory.Reservation) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.s.reservations.each(fn)
}

func (t *memTx) Balances(fn func(inventory.Balance) error) error {
	if err := t.check(); err != nil {
		return err
	}
	for i := range t.s.recs {
		rec := &t.s.recs[i]
		for b := 1; b < nBuckets; b++ {
			if rec.has&(1<<b) == 0 {
				continue
			}
			a := inventory.Account{SKU: rec.sku, Location: rec.loc, Bucket: inventory.Bucket(b)}
			if err := fn(inventory.Balance{Account: a, Qty: rec.bal[b]}); err != nil {
				return err
			}
		}
	}
	for a, q := range t.s.transit {
		if err := fn(inventory.Balance{Account: a, Qty: q}); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) SafetyStocks(fn func(inventory.SafetyStock) error) error {
	if err := t.check(); err != nil {
		return err
	}
	for i := range t.s.recs {
		rec := &t.s.recs[i]
		if rec.safety == 0 {
			continue
		}
		if err := fn(inventory.SafetyStock{SKU: rec.sku, Location: rec.loc, Qty: rec.safety}); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) ChannelRaws(fn func(inventory.ChannelRaw) error) error {
	if err := t.check(); err != nil {
		return err
	}
	for i := range t.s.rawRecs {
		r := &t.s.rawRecs[i]
		if !r.has {
			continue
		}
		k := t.s.raws.keys[i]
		if err := fn(inventory.ChannelRaw{Channel: k.ch, SKU: k.sku, Raw: r.q}); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) Config() (inventory.Config, error) {
	if err := t.check(); err != nil {
		return inventory.Config{}, err
	}
	var c inventory.Config
	for _, l := range t.s.locations {
		c.Locations = append(c.Locations, l)
	}
	for _, ch := range t.s.channels {
		ch.Pool = slices.Clone(ch.Pool)
		c.Channels = append(c.Channels, ch)
	}
	for s := range t.s.skus {
		c.SKUs = append(c.SKUs, s)
	}
	return c, nil
}

func (t *memTx) checkWrite() error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.write {
		return fmt.Errorf("memory: write in a read-only transaction")
	}
	return nil
}

func (t *memTx) Append(e *inventory.Entry, balances []inventory.Balance) error {
	return t.append(e, nil, balances)
}

// append is Append with the head of e encoded in head, if it is not nil.
func (t *memTx) append(e *inventory.Entry, head []byte, balances []inventory.Balance) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	for k := range balances {
		b := &balances[k]
		a := &b.Account
		if !pairBucket(*a) {
			old, existed := s.transit[*a]
			t.undo.push(undoRec{kind: undoBalance, pair: -1, idx: t.undo.pushAux(undoAux{acct: *a}), q: old, existed: existed})
			s.transit[*a] = b.Qty
			continue
		}
		i := t.pair(a.SKU, a.Location, true)
		rec := &s.recs[i]
		bit := uint16(1) << a.Bucket
		t.undo.push(undoRec{kind: undoBalance, pair: i, bucket: a.Bucket, q: rec.bal[a.Bucket], existed: rec.has&bit != 0})
		rec.bal[a.Bucket] = b.Qty
		rec.has |= bit
	}
	e.Seq = int64(s.entries.len()) + 1
	s.entries.appendHead(e, head)
	return nil
}

func (t *memTx) PutReservation(r inventory.Reservation) error {
	return t.putReservation(&r, nil)
}

// putReservation is PutReservation with the body of r encoded in body, if
// it is not nil.
func (t *memTx) putReservation(r *inventory.Reservation, body []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	var old uint64
	var p place
	var existed bool
	if body != nil {
		old, p, existed, body = s.reservations.findPreencoded(r.ID, body)
	} else {
		old, p, existed = s.reservations.find(r.ID)
	}
	t.undo.push(undoRec{kind: undoReservation, key: string(r.ID), ref: old, existed: existed})
	s.putReservationAt(r, p, body, existed)
	return nil
}

// putReservationAt stores r at the place find returned for r.ID (existed:
// whether it held a record), with its body encoded in body if that is not
// nil, and keeps the deadline heap in step.
func (s *Inventory) putReservationAt(r *inventory.Reservation, p place, body []byte, existed bool) {
	s.reservations.putAt(r, p, body) // encoded, which copies it
	if existed || !r.ExpiresAt.IsZero() {
		s.noteDeadline(r.ID, *r)
	}
}

func (t *memTx) PutIdempotency(rec inventory.IdempotencyRecord) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if _, ok := t.s.idem[rec.Key]; ok {
		return fmt.Errorf("memory: idempotency key %q already recorded", rec.Key)
	}
	t.undo.push(undoRec{kind: undoIdem, key: rec.Key})
	t.s.idem[rec.Key] = rec
	return nil
}

func (t *memTx) AddChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, delta int64) (int64, error) {
	if err := t.checkWrite(); err != nil {
		return 0, err
	}
	i := t.s.raw(chanSKU{ch, sku})
	r := &t.s.rawRecs[i]
	t.undo.push(undoRec{kind: undoRaw, idx: i, q: r.q, existed: r.has})
	r.q, r.has = r.q+delta, true
	return r.q, nil
}

func (t *memTx) SetChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	i := t.s.raw(chanSKU{ch, sku})
	r := &t.s.rawRecs[i]
	t.undo.push(undoRec{kind: undoRaw, idx: i, q: r.q, existed: r.has})
	r.q, r.has = raw, true
	return nil
}

func (t *memTx) SetSafetyStock(ss inventory.SafetyStock) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	i := t.pair(ss.SKU, ss.Location, true)
	rec := &t.s.recs[i]
	t.undo.push(undoRec{kind: undoSafety, pair: i, q: rec.safety})
	rec.safety = ss.Qty
	return nil
}

func (t *memTx) PutLocation(l inventory.Location) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	old, existed := s.locations[l.ID]
	t.undo.push(undoRec{kind: undoFunc, idx: t.undo.pushAux(undoAux{fn: func() {
		if existed {
			s.locations[l.ID] = old
		} else {
			delete(s.locations, l.ID)
		}
	}})})
	s.locations[l.ID] = l
	return nil
}

func (t *memTx) PutChannel(c inventory.Channel) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	old, existed := s.channels[c.ID]
	t.undo.push(undoRec{kind: undoFunc, idx: t.undo.pushAux(undoAux{fn: func() {
		if existed {
			s.channels[c.ID] = old
		} else {
			delete(s.channels, c.ID)
		}
	}})})
	c.Pool = slices.Clone(c.Pool)
	s.channels[c.ID] = c
	return nil
}

func (t *memTx) PutSKUs(skus []omnikit.SKU) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	var added []omnikit.SKU
	for _, k := range skus {
		if _, ok := s.skus[k]; !ok {
			s.skus[k] = struct{}{}
			added = append(added, k)
		}
	}
	t.undo.push(undoRec{kind: undoFunc, idx: t.undo.pushAux(undoAux{fn: func() {
		for _, k := range added {
			delete(s.skus, k)
		}
	}})})
	return nil
}

// deadlineHeap is a min-heap of the deadlines of active reservations,
// indexed by reservation so that an ended one is removed at once.
type deadlineHeap struct {
	items []deadline
	index map[inventory.ReservationID]int
}

type deadline struct {
	at time.Time
	id inventory.ReservationID
}

func (h *deadlineHeap) Len() int { return len(h.items) }
func (h *deadlineHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.id < b.id
}
func (h *deadlineHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[h.items[i].id] = i
	h.index[h.items[j].id] = j
}
func (h *deadlineHeap) Push(x any) {
	d := x.(deadline)
	h.index[d.id] = len(h.items)
	h.items = append(h.items, d)
}
func (h *deadlineHeap) Pop() any {
	d := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.index, d.id)
	return d
}

func (h *deadlineHeap) set(id inventory.ReservationID, at time.Time) {
	if i, ok := h.index[id]; ok {
		h.items[i].at = at
		heap.Fix(h, i)
		return
	}
	heap.Push(h, deadline{at: at, id: id})
}

func (h *deadlineHeap) remove(id inventory.ReservationID) {
	if i, ok := h.index[id]; ok {
		heap.Remove(h, i)
	}
}

// due returns up to limit reservations with a deadline at or before now,
// earliest first, without changing the heap: it walks only the nodes that
// are due, since a node's children are never earlier than it.
func (h *deadlineHeap) due(now time.Time, limit int) []inventory.ReservationID {
	var found []deadline
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i >= len(h.items) || h.items[i].at.After(now) {
			continue
		}
		found = append(found, h.items[i])
		stack = append(stack, 2*i+1, 2*i+2)
	}
	slices.SortFunc(found, func(a, b deadline) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.id < b.id {
			return -1
		}
		return 1
	})
	if len(found) > limit {
		found = found[:limit]
	}
	out := make([]inventory.ReservationID, len(found))
	for i, d := range found {
		out[i] = d.id
	}
	return out
}

// CommitsInMemory reports that Update commits in memory, so that a Ledger
// runs commands directly instead of batching them (see
// inventory.InMemoryStore).
func (s *Inventory) CommitsInMemory() bool { return true }

var _ inventory.InMemoryStore = (*Inventory)(nil)
