package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema's versions, in order: migrations[i] takes a
// database from version i to i+1. A release that changes the schema appends
// one; it never edits one that has shipped.
var migrations = []string{
	// Version 1.
	`
CREATE TABLE balances (
	sku      TEXT    NOT NULL,
	location TEXT    NOT NULL,
	bucket   INTEGER NOT NULL CHECK (bucket BETWEEN 1 AND 7),
	peer     TEXT    NOT NULL DEFAULT '' CHECK (peer = '' OR bucket = 4),
	-- Only sellable and the world accounts may go negative (recording
	-- writes); the ledger never drives the others below zero.
	qty      INTEGER NOT NULL CHECK (qty >= 0 OR bucket IN (1, 5, 6, 7)),
	PRIMARY KEY (sku, location, bucket, peer)
) WITHOUT ROWID;

CREATE TABLE safety_stocks (
	sku      TEXT    NOT NULL,
	location TEXT    NOT NULL,
	qty      INTEGER NOT NULL CHECK (qty > 0),
	PRIMARY KEY (sku, location)
) WITHOUT ROWID;

CREATE TABLE channel_sums (
	channel TEXT    NOT NULL,
	sku     TEXT    NOT NULL,
	raw     INTEGER NOT NULL CHECK (raw >= 0),
	PRIMARY KEY (channel, sku)
) WITHOUT ROWID;
CREATE INDEX channel_sums_sku ON channel_sums (sku);

CREATE TABLE reservations (
	id         TEXT    NOT NULL PRIMARY KEY,
	owner      TEXT    NOT NULL,
	state      TEXT    NOT NULL CHECK (state IN ('active', 'committed', 'released', 'expired')),
	expires_at INTEGER,          -- unix ns; NULL: never
	created_at INTEGER,
	ended_at   INTEGER,
	lines      BLOB    NOT NULL
) WITHOUT ROWID;
CREATE INDEX reservations_due ON reservations (expires_at, id)
	WHERE state = 'active' AND expires_at IS NOT NULL;

CREATE TABLE idempotency (
	key         TEXT    NOT NULL PRIMARY KEY,
	fingerprint TEXT    NOT NULL,
	seq         INTEGER NOT NULL,
	reservation TEXT    NOT NULL
) WITHOUT ROWID;

CREATE TABLE entries (
	seq  INTEGER PRIMARY KEY CHECK (seq > 0),
	kind TEXT    NOT NULL,
	at   INTEGER,                -- unix ns
	data BLOB    NOT NULL        -- storage/internal/codec entry: kind, at, reservation, reference, key, postings, availability, flagged
);

CREATE TABLE locations (
	id           TEXT    NOT NULL PRIMARY KEY,
	name         TEXT    NOT NULL,
	type         TEXT    NOT NULL,
	lat          REAL    NOT NULL,
	lng          REAL    NOT NULL,
	capabilities INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
	id              TEXT    NOT NULL PRIMARY KEY,
	name            TEXT    NOT NULL,
	pool            BLOB    NOT NULL,
	buffer_percent  INTEGER NOT NULL CHECK (buffer_percent BETWEEN 0 AND 100),
	buffer_units    INTEGER NOT NULL,
	cap             INTEGER NOT NULL,
	store_threshold INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE skus (
	sku TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
`,
	// Version 2: the orders store (see Orders). A rowid table: bodies are
	// larger than WITHOUT ROWID suits.
	`
CREATE TABLE orders (
	id          TEXT    NOT NULL PRIMARY KEY,
	version     INTEGER NOT NULL CHECK (version > 0),
	state       TEXT    NOT NULL,
	idem_key    TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	external_id TEXT    NOT NULL,
	created_at  INTEGER NOT NULL, -- unix ns; the zero time is the smallest int64
	pickup_due  INTEGER,          -- unix ns of Order.PickupDue; NULL: none
	body        TEXT    NOT NULL  -- the whole orders.Order, JSON (storage/internal/ordercodec)
);
CREATE UNIQUE INDEX orders_idem_key ON orders (idem_key) WHERE idem_key <> '';
CREATE UNIQUE INDEX orders_external ON orders (channel, external_id) WHERE external_id <> '';
CREATE INDEX orders_pending ON orders (created_at, id) WHERE state = 'pending';
CREATE INDEX orders_pickup_due ON orders (pickup_due, id) WHERE pickup_due IS NOT NULL;

CREATE TABLE order_events (
	seq      INTEGER PRIMARY KEY CHECK (seq > 0),
	order_id TEXT    NOT NULL,
	body     TEXT    NOT NULL    -- the orders.Event, JSON
);
CREATE INDEX order_events_order ON order_events (order_id, seq);
`,
}

// SchemaVersion is the schema version this package writes and reads: the
// number of migrations it knows.
const SchemaVersion = 2

// ErrSchemaTooNew is returned by Open for a database whose schema version is
// newer than SchemaVersion: it was written by a newer release, which may
// store things this one would misread.
var ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this package")

// schemaVersion returns the version recorded in c's database, 0 for a
// database without a schema_version table.
func schemaVersion(ctx context.Context, c *sql.Conn) (int, error) {
	var n int
	if err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
		return 0, translate("read schema version", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	err := c.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, translate("read schema version", err)
	}
	return v, nil
}

// migrate brings c's database to len(migs), applying the missing versions
// in order in one write transaction, and returns how many it applied. A
// database at the current version is not written to at all.
func migrate(ctx context.Context, c *sql.Conn, migs []string) (int, error) {
	v, err := schemaVersion(ctx, c)
	if err != nil {
		return 0, err
	}
	if v > len(migs) {
		return 0, fmt.Errorf("sqlite: database schema version %d, this package knows up to %d; open it with the newer omnikit release that wrote it: %w", v, len(migs), ErrSchemaTooNew)
	}
	if v == len(migs) {
		return 0, nil
	}
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, translate("migrate: begin", err)
	}
	applied, err := migrateLocked(ctx, c, migs)
	if err != nil {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return 0, err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return 0, translate("migrate: commit", err)
	}
	return applied, nil
}

func migrateLocked(ctx context.Context, c *sql.Conn, migs []string) (int, error) {
	// Another process may have migrated between the check and the lock.
	v, err := schemaVersion(ctx, c)
	if err != nil {
		return 0, err
	}
	if v > len(migs) {
		return 0, fmt.Errorf("sqlite: database schema version %d, this package knows up to %d: %w", v, len(migs), ErrSchemaTooNew)
	}
	if v == 0 {
		if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return 0, translate("migrate: create schema_version", err)
		}
	}
	for i := v; i < len(migs); i++ {
		if _, err := c.ExecContext(ctx, migs[i]); err != nil {
			return 0, translate(fmt.Sprintf("migrate to version %d", i+1), err)
		}
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return 0, translate("migrate: record version", err)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, len(migs)); err != nil {
		return 0, translate("migrate: record version", err)
	}
	return len(migs) - v, nil
}
