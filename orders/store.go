package orders

import (
	"context"
	"time"

	"github.com/omnikit/omnikit"
)

// Store is the persistence a Service needs. The domain logic lives once, in
// the Service; a Store keeps orders as versioned records and appends their
// events. Adapters live under storage/ and are correct when they pass
// storage/storagetest.
//
// Every write is atomic: the order record and its events are stored
// together or not at all. Events get gap-free sequence numbers (one more
// than the last, starting at 1) in commit order, so that a reader of
// Events after a cursor never misses an event that commits later with a
// smaller number.
//
// A Store must be safe for concurrent use. Records returned are copies.
type Store interface {
	// Create stores a new order (o.Version must be 1) and appends events,
	// assigning their Seq. If an order with the same ID, the same non-empty
	// IdempotencyKey, or the same Channel and non-empty ExternalID exists,
	// it writes nothing and returns a *DuplicateError naming the existing
	// order (it matches ErrDuplicate).
	Create(ctx context.Context, o Order, events []Event) error
	// Save replaces the stored order with o if the stored version is
	// o.Version-1, and appends events, assigning their Seq. Otherwise it
	// writes nothing and returns ErrConflict (or ErrNotFound).
	Save(ctx context.Context, o Order, events []Event) error
	// Get returns the order, or ErrNotFound.
	Get(ctx context.Context, id OrderID) (Order, error)
	// FindByKey returns the id of the order placed with an idempotency
	// key, or ErrNotFound.
	FindByKey(ctx context.Context, key string) (OrderID, error)
	// FindByExternal returns the id of the order with a channel's external
	// id, or ErrNotFound.
	FindByExternal(ctx context.Context, ch omnikit.ChannelID, external string) (OrderID, error)
	// Events returns up to limit events with Seq > after, in order.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
	// History returns every event of one order, in order.
	History(ctx context.Context, id OrderID) ([]Event, error)
	// Pending returns up to limit orders in state Pending created at or
	// before the time, oldest first.
	Pending(ctx context.Context, createdBefore time.Time, limit int) ([]OrderID, error)
	// DuePickups returns up to limit orders whose Order.PickupDue is at or
	// before now, earliest first.
	DuePickups(ctx context.Context, now time.Time, limit int) ([]OrderID, error)
}
