package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/internal/ordercodec"
)

// Orders is an orders.Store in the database of an Inventory, made by
// [Inventory.Orders]. It writes on the Inventory's one writer connection,
// under the same mutex as Update, so order writes and ledger writes queue
// in the process instead of fighting for SQLite's write lock; it reads on
// the read pool. It is safe for concurrent use, lives as long as its
// Inventory, and returns [ErrClosed] once the Inventory is closed.
type Orders struct {
	s *Inventory
}

var _ orders.Store = (*Orders)(nil)

// Orders returns the orders store kept in s's database. Every call
// returns a store on the same tables; there is nothing to close.
func (s *Inventory) Orders() *Orders { return &Orders{s: s} }

// Create implements orders.Store: in one write transaction it checks the
// order's ID, its non-empty IdempotencyKey and its Channel with non-empty
// ExternalID, then inserts the order and its events, numbered after the
// last one.
//
// Errors: *orders.DuplicateError (orders.ErrDuplicate) naming the existing
// order; orders.ErrConflict when o.Version is not 1; ErrClosed; ErrBusy;
// an encoding error for a time outside 1678..2262; ctx's error.
func (st *Orders) Create(ctx context.Context, o orders.Order, events []orders.Event) error {
	if o.Version != 1 {
		return orders.ErrConflict
	}
	row, err := encodeRow(&o)
	if err != nil {
		return err
	}
	return st.write(ctx, func(ctx context.Context, w *dbConn) error {
		var v int64
		err := st.queryRow(ctx, w, qOrderVersion, string(o.ID)).Scan(&v)
		if err == nil {
			return &orders.DuplicateError{Existing: o.ID}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return translate("create order", err)
		}
		if o.IdempotencyKey != "" {
			if id, err := st.findID(ctx, w, qOrderByKey, o.IdempotencyKey); err != nil || id != "" {
				if err == nil {
					err = &orders.DuplicateError{Existing: id}
				}
				return err
			}
		}
		if o.ExternalID != "" {
			if id, err := st.findID(ctx, w, qOrderByExternal, string(o.Channel), o.ExternalID); err != nil || id != "" {
				if err == nil {
					err = &orders.DuplicateError{Existing: id}
				}
				return err
			}
		}
		if err := st.exec(ctx, w, qInsertOrder, string(o.ID), o.Version, string(o.State), o.IdempotencyKey,
			string(o.Channel), o.ExternalID, row.CreatedAt, row.PickupDue, row.Body); err != nil {
			return translate("create order", err)
		}
		return st.appendEvents(ctx, w, events)
	})
}

// Save implements orders.Store: in one write transaction it checks the
// stored version, replaces the order and appends its events. The
// idempotency key, channel and external id an order was created with stay
// its keys for FindByKey and FindByExternal.
//
// Errors: orders.ErrNotFound; orders.ErrConflict when the stored version
// is not o.Version-1; ErrClosed; ErrBusy; an encoding error for a time
// outside 1678..2262; ctx's error.
func (st *Orders) Save(ctx context.Context, o orders.Order, events []orders.Event) error {
	row, err := encodeRow(&o)
	if err != nil {
		return err
	}
	return st.write(ctx, func(ctx context.Context, w *dbConn) error {
		var v int64
		err := st.queryRow(ctx, w, qOrderVersion, string(o.ID)).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return orders.ErrNotFound
		}
		if err != nil {
			return translate("save order", err)
		}
		if v != o.Version-1 {
			return orders.ErrConflict
		}
		if err := st.exec(ctx, w, qUpdateOrder, o.Version, string(o.State), row.CreatedAt, row.PickupDue, row.Body, string(o.ID)); err != nil {
			return translate("save order", err)
		}
		return st.appendEvents(ctx, w, events)
	})
}

// appendEvents numbers events after the last one and inserts them. The
// write lock, held from BEGIN IMMEDIATE to COMMIT, makes the numbers
// gap-free and in commit order, across processes too.
func (st *Orders) appendEvents(ctx context.Context, w *dbConn, events []orders.Event) error {
	if len(events) == 0 {
		return nil
	}
	var last int64
	if err := st.queryRow(ctx, w, qLastOrderSeq).Scan(&last); err != nil {
		return translate("append order events", err)
	}
	for i, e := range events {
		e.Seq = last + int64(i) + 1
		b, err := ordercodec.EncodeEvent(e)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if err := st.exec(ctx, w, qInsertOrderEvent, e.Seq, string(e.Order), string(b)); err != nil {
			return translate("append order events", err)
		}
	}
	return nil
}

// Get implements orders.Store.
//
// Errors: orders.ErrNotFound; ErrClosed; a decoding error for a damaged
// row; ctx's error.
func (st *Orders) Get(ctx context.Context, id orders.OrderID) (orders.Order, error) {
	var o orders.Order
	err := st.read(ctx, func(ctx context.Context, c *dbConn) error {
		var body []byte
		err := st.queryRow(ctx, c, qOrder, string(id)).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			return orders.ErrNotFound
		}
		if err != nil {
			return translate("get order", err)
		}
		if o, err = ordercodec.DecodeOrder(body); err != nil {
			return fmt.Errorf("sqlite: order %q: %w", id, err)
		}
		return nil
	})
	return o, err
}

// FindByKey implements orders.Store. The empty key finds nothing.
//
// Errors: orders.ErrNotFound; ErrClosed; ctx's error.
func (st *Orders) FindByKey(ctx context.Context, key string) (orders.OrderID, error) {
	if key == "" {
		return "", orders.ErrNotFound
	}
	return st.find(ctx, qOrderByKey, key)
}

// FindByExternal implements orders.Store. The empty external id finds
// nothing.
//
// Errors: orders.ErrNotFound; ErrClosed; ctx's error.
func (st *Orders) FindByExternal(ctx context.Context, ch omnikit.ChannelID, external string) (orders.OrderID, error) {
	if external == "" {
		return "", orders.ErrNotFound
	}
	return st.find(ctx, qOrderByExternal, string(ch), external)
}

func (st *Orders) find(ctx context.Context, q int, args ...any) (orders.OrderID, error) {
	var id orders.OrderID
	err := st.read(ctx, func(ctx context.Context, c *dbConn) error {
		var err error
		id, err = st.findID(ctx, c, q, args...)
		if err == nil && id == "" {
			err = orders.ErrNotFound
		}
		return err
	})
	return id, err
}

// findID returns the id query q finds, "" for none.
func (st *Orders) findID(ctx context.Context, c *dbConn, q int, args ...any) (orders.OrderID, error) {
	var id string
	err := st.queryRow(ctx, c, q, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", translate("find order", err)
	}
	return orders.OrderID(id), nil
}

// Events implements orders.Store. A limit of 0 or less returns nothing.
//
// Errors: ErrClosed; a decoding error for a damaged row; ctx's error.
func (st *Orders) Events(ctx context.Context, after int64, limit int) ([]orders.Event, error) {
	if limit <= 0 {
		return nil, ctx.Err()
	}
	return st.events(ctx, qOrderEvents, after, limit)
}

// History implements orders.Store. An unknown order has no events.
//
// Errors: ErrClosed; a decoding error for a damaged row; ctx's error.
func (st *Orders) History(ctx context.Context, id orders.OrderID) ([]orders.Event, error) {
	return st.events(ctx, qOrderHistory, string(id))
}

func (st *Orders) events(ctx context.Context, q int, args ...any) ([]orders.Event, error) {
	var out []orders.Event
	err := st.read(ctx, func(ctx context.Context, c *dbConn) error {
		out = nil // a read may run again
		stmt, err := c.stmt(ctx, q)
		if err != nil {
			return translate("read order events", err)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return translate("read order events", err)
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var body []byte
			if err := rows.Scan(&seq, &body); err != nil {
				return translate("read order events", err)
			}
			e, err := ordercodec.DecodeEvent(seq, body)
			if err != nil {
				return fmt.Errorf("sqlite: %w", err)
			}
			out = append(out, e)
		}
		return translate("read order events", rows.Err())
	})
	return out, err
}

// Pending implements orders.Store; ties are broken by id. A negative
// limit means no limit.
//
// Errors: ErrClosed; ctx's error.
func (st *Orders) Pending(ctx context.Context, createdBefore time.Time, limit int) ([]orders.OrderID, error) {
	return st.ids(ctx, qPendingOrders, ordercodec.Bound(createdBefore), limit)
}

// DuePickups implements orders.Store; ties are broken by id. A negative
// limit means no limit.
//
// Errors: ErrClosed; ctx's error.
func (st *Orders) DuePickups(ctx context.Context, now time.Time, limit int) ([]orders.OrderID, error) {
	return st.ids(ctx, qDuePickups, ordercodec.Bound(now), limit)
}

func (st *Orders) ids(ctx context.Context, q int, bound int64, limit int) ([]orders.OrderID, error) {
	var out []orders.OrderID
	err := st.read(ctx, func(ctx context.Context, c *dbConn) error {
		stmt, err := c.stmt(ctx, q)
		if err != nil {
			return translate("list orders", err)
		}
		rows, err := stmt.QueryContext(ctx, bound, limit) // SQLite: a negative LIMIT is none
		if err != nil {
			return translate("list orders", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return translate("list orders", err)
			}
			out = append(out, orders.OrderID(id))
		}
		return translate("list orders", rows.Err())
	})
	return out, err
}

// write runs fn in a write transaction on the writer connection, under
// the writer mutex, retrying like Update when another process holds the
// database locked.
func (st *Orders) write(ctx context.Context, fn func(context.Context, *dbConn) error) error {
	return st.s.write(ctx, func() error { return st.writeOnce(ctx, fn) })
}

func (st *Orders) writeOnce(ctx context.Context, fn func(context.Context, *dbConn) error) error {
	w := st.s.w
	if err := w.exec(ctx, qBeginImmediate); err != nil {
		return translate("begin", err)
	}
	err := fn(ctx, w)
	if err == nil {
		if err = w.exec(ctx, qCommit); err != nil {
			err = translate("commit", err)
		}
	}
	if err != nil {
		// The ledger's transactions are untouched by this one; its cached
		// entry sequence stays valid.
		_ = w.exec(context.WithoutCancel(ctx), qRollback)
		return err
	}
	return nil
}

// read runs fn on a read connection (the writer, under its mutex, for an
// in-memory database). Each of the store's reads is one statement, which
// SQLite runs on one snapshot.
func (st *Orders) read(ctx context.Context, fn func(context.Context, *dbConn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := st.s
	if s.closed.Load() {
		return ErrClosed
	}
	if s.memory {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		if s.closed.Load() {
			return ErrClosed
		}
		return fn(ctx, s.w)
	}
	c, err := s.readers.get(ctx)
	if err != nil {
		return err
	}
	defer s.readers.put(c)
	return fn(ctx, c)
}

func (st *Orders) queryRow(ctx context.Context, c *dbConn, q int, args ...any) *sql.Row {
	stmt, err := c.stmt(ctx, q)
	if err != nil {
		// A statement that cannot be prepared fails its Scan.
		return c.c.QueryRowContext(ctx, queries[q], args...)
	}
	return stmt.QueryRowContext(ctx, args...)
}

func (st *Orders) exec(ctx context.Context, c *dbConn, q int, args ...any) error {
	stmt, err := c.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = stmt.ExecContext(ctx, args...)
	return err
}

func encodeRow(o *orders.Order) (ordercodec.Row, error) {
	r, err := ordercodec.EncodeRow(o)
	if err != nil {
		return r, fmt.Errorf("sqlite: %w", err)
	}
	return r, nil
}
