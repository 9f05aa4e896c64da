package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/orders"
)

// Orders is an in-memory orders.Store. One mutex serialises writers;
// readers share it. Orders and events are copied in and out.
type Orders struct {
	mu       sync.RWMutex
	orders   map[orders.OrderID]orders.Order
	byKey    map[string]orders.OrderID
	byExt    map[chanExt]orders.OrderID
	events   []orders.Event
	byOrder  map[orders.OrderID][]int // indexes into events
	pending  map[orders.OrderID]time.Time
	pickupAt map[orders.OrderID]time.Time
}

type chanExt struct {
	ch  omnikit.ChannelID
	ext string
}

// NewOrders returns an empty in-memory orders store.
func NewOrders() *Orders {
	return &Orders{
		orders:   map[orders.OrderID]orders.Order{},
		byKey:    map[string]orders.OrderID{},
		byExt:    map[chanExt]orders.OrderID{},
		byOrder:  map[orders.OrderID][]int{},
		pending:  map[orders.OrderID]time.Time{},
		pickupAt: map[orders.OrderID]time.Time{},
	}
}

// Create implements orders.Store.
func (s *Orders) Create(ctx context.Context, o orders.Order, events []orders.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Version != 1 {
		return orders.ErrConflict
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.ID]; ok {
		return &orders.DuplicateError{Existing: o.ID}
	}
	if id, ok := s.byKey[o.IdempotencyKey]; ok && o.IdempotencyKey != "" {
		return &orders.DuplicateError{Existing: id}
	}
	if id, ok := s.byExt[chanExt{o.Channel, o.ExternalID}]; ok && o.ExternalID != "" {
		return &orders.DuplicateError{Existing: id}
	}
	if o.IdempotencyKey != "" {
		s.byKey[o.IdempotencyKey] = o.ID
	}
	if o.ExternalID != "" {
		s.byExt[chanExt{o.Channel, o.ExternalID}] = o.ID
	}
	s.put(o, events)
	return nil
}

// Save implements orders.Store.
func (s *Orders) Save(ctx context.Context, o orders.Order, events []orders.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.orders[o.ID]
	if !ok {
		return orders.ErrNotFound
	}
	if old.Version != o.Version-1 {
		return orders.ErrConflict
	}
	s.put(o, events)
	return nil
}

func (s *Orders) put(o orders.Order, events []orders.Event) {
	o = o.Clone()
	s.orders[o.ID] = o
	if o.State == orders.Pending {
		s.pending[o.ID] = o.CreatedAt
	} else {
		delete(s.pending, o.ID)
	}
	if t, ok := o.PickupDue(); ok {
		s.pickupAt[o.ID] = t
	} else {
		delete(s.pickupAt, o.ID)
	}
	for _, e := range events {
		e.Seq = int64(len(s.events)) + 1
		e.Lines = slices.Clone(e.Lines)
		s.byOrder[e.Order] = append(s.byOrder[e.Order], len(s.events))
		s.events = append(s.events, e)
	}
}

// Get implements orders.Store.
func (s *Orders) Get(ctx context.Context, id orders.OrderID) (orders.Order, error) {
	if err := ctx.Err(); err != nil {
		return orders.Order{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orders[id]
	if !ok {
		return orders.Order{}, orders.ErrNotFound
	}
	return o.Clone(), nil
}

// FindByKey implements orders.Store.
func (s *Orders) FindByKey(ctx context.Context, key string) (orders.OrderID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if id, ok := s.byKey[key]; ok && key != "" {
		return id, nil
	}
	return "", orders.ErrNotFound
}

// FindByExternal implements orders.Store.
func (s *Orders) FindByExternal(ctx context.Context, ch omnikit.ChannelID, external string) (orders.OrderID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if id, ok := s.byExt[chanExt{ch, external}]; ok && external != "" {
		return id, nil
	}
	return "", orders.ErrNotFound
}

// Events implements orders.Store.
func (s *Orders) Events(ctx context.Context, after int64, limit int) ([]orders.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if after < 0 {
		after = 0
	}
	if after >= int64(len(s.events)) || limit <= 0 {
		return nil, nil
	}
	end := min(int64(len(s.events)), after+int64(limit))
	out := make([]orders.Event, 0, end-after)
	for _, e := range s.events[after:end] {
		e.Lines = slices.Clone(e.Lines)
		out = append(out, e)
	}
	return out, nil
}

// History implements orders.Store.
func (s *Orders) History(ctx context.Context, id orders.OrderID) ([]orders.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.byOrder[id]
	out := make([]orders.Event, 0, len(idx))
	for _, i := range idx {
		e := s.events[i]
		e.Lines = slices.Clone(e.Lines)
		out = append(out, e)
	}
	return out, nil
}

// Pending implements orders.Store.
func (s *Orders) Pending(ctx context.Context, createdBefore time.Time, limit int) ([]orders.OrderID, error) {
	return s.due(ctx, s.pending, createdBefore, limit)
}

// DuePickups implements orders.Store.
func (s *Orders) DuePickups(ctx context.Context, now time.Time, limit int) ([]orders.OrderID, error) {
	return s.due(ctx, s.pickupAt, now, limit)
}

// due lists the ids whose time in m is at or before t, earliest first
// (ties by id). A linear scan: the maps hold only pending orders and
// orders waiting at a pickup counter.
func (s *Orders) due(ctx context.Context, m map[orders.OrderID]time.Time, t time.Time, limit int) ([]orders.OrderID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	type item struct {
		id orders.OrderID
		at time.Time
	}
	var items []item
	for id, at := range m {
		if !at.After(t) {
			items = append(items, item{id, at})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	if limit >= 0 && len(items) > limit {
		items = items[:limit]
	}
	out := make([]orders.OrderID, len(items))
	for i, it := range items {
		out[i] = it.id
	}
	return out, nil
}
