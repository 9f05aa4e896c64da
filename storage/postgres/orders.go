package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/internal/ordercodec"
)

// Orders is an orders.Store in the schema of an Inventory, made by
// [Inventory.Orders]: it shares the Inventory's pool, schema and retry
// options, and its tables are created by the same [Inventory.Migrate]
// (migration 0002_orders). It is safe for concurrent use.
type Orders struct {
	s *Inventory
	q orderQueries
}

var _ orders.Store = (*Orders)(nil)

type orderQueries struct {
	insert, lookupDuplicate, update, exists string
	lockHead, putEvents                     string
	get, byKey, byExternal, events, history string
	pending, duePickups                     string
}

func newOrderQueries(s string) orderQueries {
	return orderQueries{
		insert: "INSERT INTO " + s + ".orders (id, version, state, idem_key, channel, external_id, created_at, pickup_due, body) " +
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
		// The order a Create collided with, by the precedence of
		// orders.Store: the same id, then the key, then the external id.
		lookupDuplicate: "SELECT id FROM (" +
			"SELECT 1 AS p, id FROM " + s + ".orders WHERE id = $1 " +
			"UNION ALL SELECT 2, id FROM " + s + ".orders WHERE idem_key = $2 AND $2 <> '' " +
			"UNION ALL SELECT 3, id FROM " + s + ".orders WHERE channel = $3 AND external_id = $4 AND $4 <> ''" +
			") d ORDER BY p LIMIT 1",
		update:     "UPDATE " + s + ".orders SET version = $3, state = $4, created_at = $5, pickup_due = $6, body = $7 WHERE id = $1 AND version = $2",
		exists:     "SELECT EXISTS (SELECT 1 FROM " + s + ".orders WHERE id = $1)",
		lockHead:   "UPDATE " + s + ".order_event_head SET seq = seq + $1 WHERE id = 1 RETURNING seq",
		putEvents:  "INSERT INTO " + s + ".order_events (seq, order_id, body) SELECT seq, order_id, body::json FROM unnest($1::int8[], $2::text[], $3::text[]) AS e(seq, order_id, body)",
		get:        "SELECT body FROM " + s + ".orders WHERE id = $1",
		byKey:      "SELECT id FROM " + s + ".orders WHERE idem_key = $1 AND idem_key <> ''",
		byExternal: "SELECT id FROM " + s + ".orders WHERE channel = $1 AND external_id = $2 AND external_id <> ''",
		events:     "SELECT seq, body FROM " + s + ".order_events WHERE seq > $1 ORDER BY seq LIMIT $2",
		history:    "SELECT seq, body FROM " + s + ".order_events WHERE order_id = $1 ORDER BY seq",
		pending:    "SELECT id FROM " + s + ".orders WHERE state = 'pending' AND created_at <= $1 ORDER BY created_at, id LIMIT $2",
		duePickups: "SELECT id FROM " + s + ".orders WHERE pickup_due IS NOT NULL AND pickup_due <= $1 ORDER BY pickup_due, id LIMIT $2",
	}
}

// Orders returns the orders store in s's schema. It does not touch the
// database; the tables exist once s.Migrate has run.
func (s *Inventory) Orders() *Orders {
	return &Orders{s: s, q: newOrderQueries(s.qschema)}
}

// Create implements orders.Store. It inserts the order (ON CONFLICT DO
// NOTHING: a concurrent Create of the same id or key waits for the first
// and then finds it), and on a collision looks up the existing order and
// rolls back.
//
// Errors: *orders.DuplicateError (orders.ErrDuplicate) naming the existing
// order; orders.ErrConflict when o.Version is not 1; an encoding error for
// a time outside 1678..2262; *ConflictError when retries run out; context
// and connection errors.
func (st *Orders) Create(ctx context.Context, o orders.Order, events []orders.Event) error {
	if o.Version != 1 {
		return orders.ErrConflict
	}
	row, err := encodeRow(&o)
	if err != nil {
		return err
	}
	return st.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, st.q.insert, string(o.ID), o.Version, string(o.State), o.IdempotencyKey,
			string(o.Channel), o.ExternalID, row.CreatedAt, row.PickupDue, row.Body)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var id string
			if err := tx.QueryRow(ctx, st.q.lookupDuplicate, string(o.ID), o.IdempotencyKey, string(o.Channel), o.ExternalID).Scan(&id); err != nil {
				return fmt.Errorf("postgres: create order %q: look up the duplicate: %w", o.ID, err)
			}
			return &orders.DuplicateError{Existing: orders.OrderID(id)}
		}
		return st.appendEvents(ctx, tx, events)
	})
}

// Save implements orders.Store: UPDATE ... WHERE id AND version, then the
// events. The idempotency key, channel and external id an order was
// created with stay its keys for FindByKey and FindByExternal.
//
// Errors: orders.ErrNotFound; orders.ErrConflict when the stored version
// is not o.Version-1; an encoding error for a time outside 1678..2262;
// *ConflictError when retries run out; context and connection errors.
func (st *Orders) Save(ctx context.Context, o orders.Order, events []orders.Event) error {
	row, err := encodeRow(&o)
	if err != nil {
		return err
	}
	return st.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, st.q.update, string(o.ID), o.Version-1, o.Version, string(o.State), row.CreatedAt, row.PickupDue, row.Body)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, st.q.exists, string(o.ID)).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return orders.ErrConflict
			}
			return orders.ErrNotFound
		}
		return st.appendEvents(ctx, tx, events)
	})
}

// appendEvents takes the head row's lock (held to the commit, so numbers
// follow commit order and a rollback leaves no gap), numbers events after
// it and inserts them.
func (st *Orders) appendEvents(ctx context.Context, tx pgx.Tx, events []orders.Event) error {
	if len(events) == 0 {
		return nil
	}
	n := int64(len(events))
	var head int64
	if err := tx.QueryRow(ctx, st.q.lockHead, n).Scan(&head); err != nil {
		return err
	}
	seqs := make([]int64, len(events))
	ids := make([]string, len(events))
	bodies := make([]string, len(events))
	for i, e := range events {
		e.Seq = head - n + int64(i) + 1
		b, err := ordercodec.EncodeEvent(e)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		seqs[i], ids[i], bodies[i] = e.Seq, string(e.Order), string(b)
	}
	_, err := tx.Exec(ctx, st.q.putEvents, seqs, ids, bodies)
	return err
}

// write runs fn in a READ COMMITTED transaction, again after a
// serialization failure or a deadlock, like Inventory.Update. fn's own
// errors (a duplicate, a conflict) roll back and are returned as they are.
func (st *Orders) write(ctx context.Context, fn func(pgx.Tx) error) error {
	return st.s.retry(ctx, func() error { return st.writeOnce(ctx, fn) })
}

func (st *Orders) writeOnce(ctx context.Context, fn func(pgx.Tx) error) (err error) {
	tx, err := st.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Get implements orders.Store.
//
// Errors: orders.ErrNotFound; ErrCorrupt for an undecodable row; context
// and connection errors.
func (st *Orders) Get(ctx context.Context, id orders.OrderID) (orders.Order, error) {
	var body []byte
	err := st.s.pool.QueryRow(ctx, st.q.get, string(id)).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return orders.Order{}, orders.ErrNotFound
	}
	if err != nil {
		return orders.Order{}, translate(err)
	}
	o, err := ordercodec.DecodeOrder(body)
	if err != nil {
		return orders.Order{}, fmt.Errorf("%w: order %q: %w", ErrCorrupt, id, err)
	}
	return o, nil
}

// FindByKey implements orders.Store. The empty key finds nothing.
//
// Errors: orders.ErrNotFound; context and connection errors.
func (st *Orders) FindByKey(ctx context.Context, key string) (orders.OrderID, error) {
	if key == "" {
		return "", orders.ErrNotFound
	}
	return st.find(ctx, st.q.byKey, key)
}

// FindByExternal implements orders.Store. The empty external id finds
// nothing.
//
// Errors: orders.ErrNotFound; context and connection errors.
func (st *Orders) FindByExternal(ctx context.Context, ch omnikit.ChannelID, external string) (orders.OrderID, error) {
	if external == "" {
		return "", orders.ErrNotFound
	}
	return st.find(ctx, st.q.byExternal, string(ch), external)
}

func (st *Orders) find(ctx context.Context, q string, args ...any) (orders.OrderID, error) {
	var id string
	err := st.s.pool.QueryRow(ctx, q, args...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", orders.ErrNotFound
	}
	if err != nil {
		return "", translate(err)
	}
	return orders.OrderID(id), nil
}

// Events implements orders.Store. A limit of 0 or less returns nothing.
//
// Errors: ErrCorrupt for an undecodable row; context and connection
// errors.
func (st *Orders) Events(ctx context.Context, after int64, limit int) ([]orders.Event, error) {
	if limit <= 0 {
		return nil, ctx.Err()
	}
	return st.events(ctx, st.q.events, after, int64(limit))
}

// History implements orders.Store. An unknown order has no events.
//
// Errors: ErrCorrupt for an undecodable row; context and connection
// errors.
func (st *Orders) History(ctx context.Context, id orders.OrderID) ([]orders.Event, error) {
	return st.events(ctx, st.q.history, string(id))
}

func (st *Orders) events(ctx context.Context, q string, args ...any) ([]orders.Event, error) {
	rows, err := st.s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []orders.Event
	for rows.Next() {
		var seq int64
		var body []byte
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, translate(err)
		}
		e, err := ordercodec.DecodeEvent(seq, body)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// Pending implements orders.Store; ties are broken by id. A negative
// limit means no limit.
//
// Errors: context and connection errors.
func (st *Orders) Pending(ctx context.Context, createdBefore time.Time, limit int) ([]orders.OrderID, error) {
	return st.ids(ctx, st.q.pending, ordercodec.Bound(createdBefore), limit)
}

// DuePickups implements orders.Store; ties are broken by id. A negative
// limit means no limit.
//
// Errors: context and connection errors.
func (st *Orders) DuePickups(ctx context.Context, now time.Time, limit int) ([]orders.OrderID, error) {
	return st.ids(ctx, st.q.duePickups, ordercodec.Bound(now), limit)
}

func (st *Orders) ids(ctx context.Context, q string, bound int64, limit int) ([]orders.OrderID, error) {
	var lim *int64 // LIMIT NULL: no limit
	if limit >= 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := st.s.pool.Query(ctx, q, bound, lim)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []orders.OrderID
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, orders.OrderID(id))
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

func encodeRow(o *orders.Order) (ordercodec.Row, error) {
	r, err := ordercodec.EncodeRow(o)
	if err != nil {
		return r, fmt.Errorf("postgres: %w", err)
	}
	return r, nil
}
