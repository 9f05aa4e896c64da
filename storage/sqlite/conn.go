package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// The statements every connection prepares once, on first use.
const (
	qBeginImmediate = iota
	qBeginDeferred
	qCommit
	qRollback
	qBalance
	qSafety
	qReservation
	qIdem
	qRaw
	qEntry
	qEntries
	qLastSeq
	qDue
	qNextExpiry
	qAllReservations
	qAllBalances
	qAllSafety
	qAllRaws
	qLocations
	qChannels
	qSKUs
	qPutLocation
	qPutChannel
	qDeleteSafety
	qOrderVersion
	qOrderByKey
	qOrderByExternal
	qOrder
	qInsertOrder
	qUpdateOrder
	qLastOrderSeq
	qInsertOrderEvent
	qOrderEvents
	qOrderHistory
	qPendingOrders
	qDuePickups
	numQueries
)

var queries = [numQueries]string{
	qBeginImmediate:  `BEGIN IMMEDIATE`,
	qBeginDeferred:   `BEGIN`,
	qCommit:          `COMMIT`,
	qRollback:        `ROLLBACK`,
	qBalance:         `SELECT qty FROM balances WHERE sku = ? AND location = ? AND bucket = ? AND peer = ?`,
	qSafety:          `SELECT qty FROM safety_stocks WHERE sku = ? AND location = ?`,
	qReservation:     `SELECT owner, state, expires_at, created_at, ended_at, lines FROM reservations WHERE id = ?`,
	qIdem:            `SELECT fingerprint, seq, reservation FROM idempotency WHERE key = ?`,
	qRaw:             `SELECT raw FROM channel_sums WHERE channel = ? AND sku = ?`,
	qEntry:           `SELECT data FROM entries WHERE seq = ?`,
	qEntries:         `SELECT seq, data FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
	qLastSeq:         `SELECT COALESCE(MAX(seq), 0) FROM entries`,
	qDue:             `SELECT id FROM reservations WHERE state = 'active' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
	qNextExpiry:      `SELECT MIN(expires_at) FROM reservations WHERE state = 'active' AND expires_at IS NOT NULL`,
	qAllReservations: `SELECT id, owner, state, expires_at, created_at, ended_at, lines FROM reservations`,
	qAllBalances:     `SELECT sku, location, bucket, peer, qty FROM balances`,
	qAllSafety:       `SELECT sku, location, qty FROM safety_stocks`,
	qAllRaws:         `SELECT channel, sku, raw FROM channel_sums`,
	qLocations:       `SELECT id, name, type, lat, lng, capabilities FROM locations ORDER BY id`,
	qChannels:        `SELECT id, name, pool, buffer_percent, buffer_units, cap, store_threshold FROM channels ORDER BY id`,
	qSKUs:            `SELECT sku FROM skus ORDER BY sku`,
	qPutLocation: `INSERT INTO locations (id, name, type, lat, lng, capabilities) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, lat = excluded.lat,
		lng = excluded.lng, capabilities = excluded.capabilities`,
	qPutChannel: `INSERT INTO channels (id, name, pool, buffer_percent, buffer_units, cap, store_threshold) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, pool = excluded.pool, buffer_percent = excluded.buffer_percent,
		buffer_units = excluded.buffer_units, cap = excluded.cap, store_threshold = excluded.store_threshold`,
	qDeleteSafety: `DELETE FROM safety_stocks WHERE sku = ? AND location = ?`,

	qOrderVersion:    `SELECT version FROM orders WHERE id = ?`,
	qOrderByKey:      `SELECT id FROM orders WHERE idem_key = ? AND idem_key <> ''`,
	qOrderByExternal: `SELECT id FROM orders WHERE channel = ? AND external_id = ? AND external_id <> ''`,
	qOrder:           `SELECT body FROM orders WHERE id = ?`,
	qInsertOrder: `INSERT INTO orders (id, version, state, idem_key, channel, external_id, created_at, pickup_due, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	qUpdateOrder:      `UPDATE orders SET version = ?, state = ?, created_at = ?, pickup_due = ?, body = ? WHERE id = ?`,
	qLastOrderSeq:     `SELECT COALESCE(MAX(seq), 0) FROM order_events`,
	qInsertOrderEvent: `INSERT INTO order_events (seq, order_id, body) VALUES (?, ?, ?)`,
	qOrderEvents:      `SELECT seq, body FROM order_events WHERE seq > ? ORDER BY seq LIMIT ?`,
	qOrderHistory:     `SELECT seq, body FROM order_events WHERE order_id = ? ORDER BY seq`,
	qPendingOrders:    `SELECT id FROM orders WHERE state = 'pending' AND created_at <= ? ORDER BY created_at, id LIMIT ?`,
	qDuePickups:       `SELECT id FROM orders WHERE pickup_due IS NOT NULL AND pickup_due <= ? ORDER BY pickup_due, id LIMIT ?`,
}

// Multi-row writes: one statement writes up to maxRows rows, so a
// transaction of many commands pays for few statements.
const (
	mEntries = iota
	mBalances
	mRaws
	mSafety
	mReservations
	mIdem
	mSKUs
	numMulti
)

const maxRows = 32

type multiTemplate struct {
	head, row, tail string
	cols            int
}

var multis = [numMulti]multiTemplate{
	mEntries: {head: `INSERT INTO entries (seq, kind, at, data) VALUES `, row: `(?, ?, ?, ?)`, cols: 4},
	mBalances: {head: `INSERT INTO balances (sku, location, bucket, peer, qty) VALUES `, row: `(?, ?, ?, ?, ?)`, cols: 5,
		tail: ` ON CONFLICT (sku, location, bucket, peer) DO UPDATE SET qty = excluded.qty`},
	mRaws: {head: `INSERT INTO channel_sums (channel, sku, raw) VALUES `, row: `(?, ?, ?)`, cols: 3,
		tail: ` ON CONFLICT (channel, sku) DO UPDATE SET raw = excluded.raw`},
	mSafety: {head: `INSERT INTO safety_stocks (sku, location, qty) VALUES `, row: `(?, ?, ?)`, cols: 3,
		tail: ` ON CONFLICT (sku, location) DO UPDATE SET qty = excluded.qty`},
	mReservations: {head: `INSERT INTO reservations (id, owner, state, expires_at, created_at, ended_at, lines) VALUES `,
		row: `(?, ?, ?, ?, ?, ?, ?)`, cols: 7,
		tail: ` ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, state = excluded.state, expires_at = excluded.expires_at,
		created_at = excluded.created_at, ended_at = excluded.ended_at, lines = excluded.lines`},
	mIdem: {head: `INSERT INTO idempotency (key, fingerprint, seq, reservation) VALUES `, row: `(?, ?, ?, ?)`, cols: 4},
	mSKUs: {head: `INSERT INTO skus (sku) VALUES `, row: `(?)`, cols: 1, tail: ` ON CONFLICT (sku) DO NOTHING`},
}

func (m multiTemplate) sql(n int) string {
	var b strings.Builder
	b.WriteString(m.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.row)
	}
	b.WriteString(m.tail)
	return b.String()
}

// dbConn is one connection with the statements prepared on it.
type dbConn struct {
	c       *sql.Conn
	fixed   [numQueries]*sql.Stmt
	multi   [numMulti][maxRows + 1]*sql.Stmt
	preload map[[3]int]*sql.Stmt
}

func newDBConn(c *sql.Conn) *dbConn { return &dbConn{c: c} }

func (c *dbConn) stmt(ctx context.Context, q int) (*sql.Stmt, error) {
	if st := c.fixed[q]; st != nil {
		return st, nil
	}
	st, err := c.c.PrepareContext(ctx, queries[q])
	if err != nil {
		return nil, err
	}
	c.fixed[q] = st
	return st, nil
}

func (c *dbConn) multiStmt(ctx context.Context, m, n int) (*sql.Stmt, error) {
	if st := c.multi[m][n]; st != nil {
		return st, nil
	}
	st, err := c.c.PrepareContext(ctx, multis[m].sql(n))
	if err != nil {
		return nil, err
	}
	c.multi[m][n] = st
	return st, nil
}

// preloadStmt returns the statement that reads nk balances, ns safety
// stocks and nc SKUs' channel sums in one query.
func (c *dbConn) preloadStmt(ctx context.Context, nk, ns, nc int) (*sql.Stmt, error) {
	k := [3]int{nk, ns, nc}
	if st := c.preload[k]; st != nil {
		return st, nil
	}
	var b strings.Builder
	list := func(n int, row string) {
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
	}
	union := false
	if nk > 0 {
		b.WriteString(`SELECT 0, sku, location, bucket, peer, qty FROM balances WHERE (sku, location, bucket, peer) IN (VALUES `)
		list(nk, "(?, ?, ?, ?)")
		b.WriteString(")")
		union = true
	}
	if ns > 0 {
		if union {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(`SELECT 1, sku, location, 0, '', qty FROM safety_stocks WHERE (sku, location) IN (VALUES `)
		list(ns, "(?, ?)")
		b.WriteString(")")
		union = true
	}
	if nc > 0 {
		if union {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(`SELECT 2, channel, sku, 0, '', raw FROM channel_sums WHERE sku IN (`)
		list(nc, "?")
		b.WriteString(")")
	}
	st, err := c.c.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	if c.preload == nil {
		c.preload = map[[3]int]*sql.Stmt{}
	}
	c.preload[k] = st
	return st, nil
}

func (c *dbConn) exec(ctx context.Context, q int) error {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx)
	return err
}

func (c *dbConn) close() {
	for _, st := range c.fixed {
		if st != nil {
			st.Close()
		}
	}
	for i := range c.multi {
		for _, st := range c.multi[i] {
			if st != nil {
				st.Close()
			}
		}
	}
	for _, st := range c.preload {
		st.Close()
	}
	c.c.Close()
}
