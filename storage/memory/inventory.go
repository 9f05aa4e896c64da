package memory

import (
	"container/heap"
	"context"
	"fmt"
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
	mu           sync.RWMutex
	balances     map[inventory.Account]int64
	safety       map[skuLoc]int64
	reservations map[inventory.ReservationID]inventory.Reservation // active ones
	ended        endedTable                                        // the others, encoded
	deadlines    deadlineHeap
	idem         map[string]inventory.IdempotencyRecord
	raws         map[chanSKU]int64
	entries      entryLog
	locations    map[omnikit.LocationID]inventory.Location
	channels     map[omnikit.ChannelID]inventory.Channel
	skus         map[omnikit.SKU]struct{}

	undo []undoRec // the open transaction's undo log, reused
	wtx  memTx     // the write transaction, reused: writers hold mu
}

type skuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}

type chanSKU struct {
	ch  omnikit.ChannelID
	sku omnikit.SKU
}

// NewInventory returns an empty in-memory inventory store.
func NewInventory() *Inventory {
	return &Inventory{
		balances:     map[inventory.Account]int64{},
		safety:       map[skuLoc]int64{},
		reservations: map[inventory.ReservationID]inventory.Reservation{},
		ended:        newEndedTable(),
		deadlines:    deadlineHeap{index: map[inventory.ReservationID]int{}},
		idem:         map[string]inventory.IdempotencyRecord{},
		raws:         map[chanSKU]int64{},
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.undo = s.undo[:0]
	entries := s.entries.mark()
	tx := &s.wtx
	*tx = memTx{s: s, write: true}
	err := fn(tx)
	tx.closed = true
	if err != nil {
		s.rollback(entries)
		return err
	}
	return nil
}

// View runs fn under the store's read lock.
func (s *Inventory) View(ctx context.Context, fn func(inventory.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	tx := &memTx{s: s}
	err := fn(tx)
	tx.closed = true
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

type undoRec struct {
	kind    undoKind
	existed bool
	acct    inventory.Account
	sl      skuLoc
	ck      chanSKU
	q       int64
	key     string
	res     inventory.Reservation
	idem    inventory.IdempotencyRecord
	fn      func()
}

func (s *Inventory) rollback(entries mark) {
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := &s.undo[i]
		switch u.kind {
		case undoBalance:
			if u.existed {
				s.balances[u.acct] = u.q
			} else {
				delete(s.balances, u.acct)
			}
		case undoSafety:
			if u.existed {
				s.safety[u.sl] = u.q
			} else {
				delete(s.safety, u.sl)
			}
		case undoReservation:
			if u.existed {
				s.putReservation(u.res, true)
			} else {
				delete(s.reservations, u.res.ID)
				s.deadlines.remove(u.res.ID)
				s.ended.remove(u.res.ID)
			}
		case undoIdem:
			delete(s.idem, u.key)
		case undoRaw:
			if u.existed {
				s.raws[u.ck] = u.q
			} else {
				delete(s.raws, u.ck)
			}
		case undoFunc:
			u.fn()
		}
	}
	s.entries.rollback(entries)
	s.undo = s.undo[:0]
}

// putReservation stores r, which the store owns: an active reservation as a
// Go value, an ended one encoded. wasEnded says whether the reservation may
// be in the ended table now.
func (s *Inventory) putReservation(r inventory.Reservation, wasEnded bool) {
	if r.State == inventory.Active {
		s.reservations[r.ID] = r
		if !r.ExpiresAt.IsZero() {
			s.deadlines.set(r.ID, r.ExpiresAt)
		} else {
			s.deadlines.remove(r.ID)
		}
		if wasEnded {
			s.ended.remove(r.ID)
		}
		return
	}
	delete(s.reservations, r.ID)
	s.deadlines.remove(r.ID)
	s.ended.put(&r)
}

// memTx is a transaction on an Inventory; the store's lock is held for its life.
type memTx struct {
	s      *Inventory
	write  bool
	closed bool
	// seen remembers the last balances this transaction read or wrote,
	// so that Append finds what its undo record needs without hashing
	// the account's four strings again.
	seen  [4]seenBalance
	nseen int
}

type seenBalance struct {
	acct    inventory.Account
	q       int64
	existed bool
}

// remember notes the current balance of a.
func (t *memTx) remember(a inventory.Account, q int64, existed bool) {
	for i := range t.nseen {
		if t.seen[i].acct == a {
			t.seen[i].q, t.seen[i].existed = q, existed
			return
		}
	}
	i := t.nseen % len(t.seen)
	t.seen[i] = seenBalance{acct: a, q: q, existed: existed}
	t.nseen = min(t.nseen+1, len(t.seen))
}

// balance returns the current balance of a and whether it exists.
func (t *memTx) balance(a inventory.Account) (int64, bool) {
	for i := range t.nseen {
		if t.seen[i].acct == a {
			return t.seen[i].q, t.seen[i].existed
		}
	}
	q, ok := t.s.balances[a]
	return q, ok
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
	q, ok := t.s.balances[a]
	if t.write {
		t.remember(a, q, ok)
	}
	return q, nil
}

func (t *memTx) SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.s.safety[skuLoc{sku, loc}], nil
}

func (t *memTx) Reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	if err := t.check(); err != nil {
		return inventory.Reservation{}, err
	}
	if r, ok := t.s.reservations[id]; ok {
		return r.Clone(), nil
	}
	if r, ok := t.s.ended.get(id); ok {
		return r, nil
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
	return t.s.raws[chanSKU{ch, sku}], nil
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
	for _, r := range t.s.reservations {
		if err := fn(r.Clone()); err != nil {
			return err
		}
	}
	return t.s.ended.each(fn)
}

func (t *memTx) Balances(fn func(inventory.Balance) error) error {
	if err := t.check(); err != nil {
		return err
	}
	for a, q := range t.s.balances {
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
	for k, q := range t.s.safety {
		if err := fn(inventory.SafetyStock{SKU: k.sku, Location: k.loc, Qty: q}); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) ChannelRaws(fn func(inventory.ChannelRaw) error) error {
	if err := t.check(); err != nil {
		return err
	}
	for k, q := range t.s.raws {
		if err := fn(inventory.ChannelRaw{Channel: k.ch, SKU: k.sku, Raw: q}); err != nil {
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
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	for _, b := range balances {
		old, existed := t.balance(b.Account)
		s.undo = append(s.undo, undoRec{kind: undoBalance, acct: b.Account, q: old, existed: existed})
		s.balances[b.Account] = b.Qty
		t.remember(b.Account, b.Qty, true)
	}
	e.Seq = int64(s.entries.len()) + 1
	s.entries.append(e)
	return nil
}

func (t *memTx) PutReservation(r inventory.Reservation) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	old, existed := s.reservations[r.ID]
	wasEnded := false
	if !existed {
		old, wasEnded = s.ended.get(r.ID)
		existed = wasEnded
		if !existed {
			old = inventory.Reservation{ID: r.ID}
		}
	}
	s.undo = append(s.undo, undoRec{kind: undoReservation, res: old, existed: existed})
	if r.State == inventory.Active {
		r = r.Clone() // an ended one is encoded, which copies it
	}
	s.putReservation(r, wasEnded)
	return nil
}

func (t *memTx) PutIdempotency(rec inventory.IdempotencyRecord) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if _, ok := t.s.idem[rec.Key]; ok {
		return fmt.Errorf("memory: idempotency key %q already recorded", rec.Key)
	}
	t.s.undo = append(t.s.undo, undoRec{kind: undoIdem, key: rec.Key})
	t.s.idem[rec.Key] = rec
	return nil
}

func (t *memTx) AddChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, delta int64) (int64, error) {
	if err := t.checkWrite(); err != nil {
		return 0, err
	}
	k := chanSKU{ch, sku}
	old, existed := t.s.raws[k]
	t.s.undo = append(t.s.undo, undoRec{kind: undoRaw, ck: k, q: old, existed: existed})
	t.s.raws[k] = old + delta
	return old + delta, nil
}

func (t *memTx) SetChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := chanSKU{ch, sku}
	old, existed := t.s.raws[k]
	t.s.undo = append(t.s.undo, undoRec{kind: undoRaw, ck: k, q: old, existed: existed})
	t.s.raws[k] = raw
	return nil
}

func (t *memTx) SetSafetyStock(ss inventory.SafetyStock) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := skuLoc{ss.SKU, ss.Location}
	old, existed := t.s.safety[k]
	t.s.undo = append(t.s.undo, undoRec{kind: undoSafety, sl: k, q: old, existed: existed})
	if ss.Qty == 0 {
		delete(t.s.safety, k)
	} else {
		t.s.safety[k] = ss.Qty
	}
	return nil
}

func (t *memTx) PutLocation(l inventory.Location) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	old, existed := s.locations[l.ID]
	s.undo = append(s.undo, undoRec{kind: undoFunc, fn: func() {
		if existed {
			s.locations[l.ID] = old
		} else {
			delete(s.locations, l.ID)
		}
	}})
	s.locations[l.ID] = l
	return nil
}

func (t *memTx) PutChannel(c inventory.Channel) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	s := t.s
	old, existed := s.channels[c.ID]
	s.undo = append(s.undo, undoRec{kind: undoFunc, fn: func() {
		if existed {
			s.channels[c.ID] = old
		} else {
			delete(s.channels, c.ID)
		}
	}})
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
	s.undo = append(s.undo, undoRec{kind: undoFunc, fn: func() {
		for _, k := range added {
			delete(s.skus, k)
		}
	}})
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
