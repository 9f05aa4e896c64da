// Package sqlite keeps omnikit's stock ledger in a SQLite database: an
// [inventory.Store] for a single service that wants its stock on local
// disk, durable, without a database server, and in the same database an
// orders.Store ([Inventory.Orders]). It uses modernc.org/sqlite, a
// pure-Go SQLite (no cgo), registered as the database/sql driver "sqlite".
//
//	store, err := sqlite.Open(ctx, "inventory.db", nil)
//	...
//	defer store.Close()
//	ledger, err := inventory.New(ctx, store, nil) // group commit: one batch at a time, as one writer wants
//
// # Connections and transactions
//
// A file database runs in WAL mode with one writer connection and a pool of
// read connections ([Options].ReadConns, opened with query_only). SQLite
// allows one writer at a time anyway; a single connection behind a Go mutex
// queues writers in the process for free instead of making them wait on
// file locks. [Inventory.Update] starts its transaction with BEGIN
// IMMEDIATE, so it holds the write lock from the start and never fails
// half-way on a lock upgrade; it waits up to [Options].BusyTimeout for a
// lock another process holds, then retries the whole transaction a few
// times with backoff (fn may run more than once, as the Store contract
// allows) and finally returns an error matching [ErrBusy].
// [Inventory.View] runs a read transaction on the pool: WAL gives it a
// consistent snapshot while writers go on. Several processes may share one
// file.
//
// An in-memory database (the path ":memory:" or [Options].InMemory) is a
// private named memory database with a single connection, which views
// share with the writer; it lives until Close. It suits tests and
// examples.
//
// # Write transactions
//
// The ledger's group commit runs many commands in one Update, and SQLite's
// cost is per statement, so Update keeps a per-transaction overlay. It
// first reads the balances of the keys it was given, and the safety stocks
// and channel sums of their SKUs and locations, in one query; the
// transaction's reads are served from the overlay (a read of something not
// preloaded falls back to a SELECT and is cached), and its writes go to the
// overlay and are written at the end with multi-row prepared UPSERTs, each
// balance and channel sum once however many commands changed it. Reads see
// the transaction's own writes. A read the overlay cannot answer (a scan of
// a table, the change feed, due reservations) first writes the overlay out.
//
// Entries are numbered in commit order without gaps: the writer caches the
// last sequence number; a failed transaction forgets it, and if another
// process appended meanwhile the insert collides on the primary key and the
// transaction is retried with a fresh number.
//
// # Orders
//
// [Inventory.Orders] returns an orders.Store ([Orders]) in the same
// database. Its writes run on the Inventory's one writer connection under
// the same mutex as Update, each in its own BEGIN IMMEDIATE transaction, so
// order writes and ledger writes queue in the process instead of fighting
// for SQLite's lock; its reads use the read pool (the writer for an
// in-memory database). The table orders keeps the whole orders.Order as
// JSON (body) next to the columns it is found and listed by: version,
// state, idem_key and (channel, external_id) with unique partial indexes
// where they are not empty, created_at (a partial index on the pending
// orders) and pickup_due, the order's earliest pickup deadline (NULL when
// no fulfilment is ready for pickup). order_events holds the events as
// JSON with an index on order_id; a write numbers its events max(seq)+1,
// ... under the write lock, so they are gap-free and in commit order, also
// with several processes. Create checks the id, the key and the external
// id in its transaction and writes nothing on a duplicate. The key,
// channel and external id an order was created with stay its keys. The
// orders store lives and closes with its Inventory. Version 2 of the
// schema adds its tables to older databases on Open.
//
// # Durability
//
// [Options].Synchronous chooses what a commit waits for. The default,
// [SynchronousFull], syncs the log at every commit: a command the ledger
// acknowledged survives a crash of the process, of the operating system,
// and a power loss. [SynchronousNormal] syncs only at checkpoints: an
// acknowledged command still survives the process being killed, but a
// power loss or an operating system crash may lose the last transactions;
// it never corrupts the database. With the ledger's group commit both are
// fast, one sync carrying many commands; with a transaction per command,
// NORMAL is several times faster (see BenchmarkHotSKU and its naive
// baseline).
//
// # Schema and migrations
//
// Open creates the schema and migrates it. The schema's version is kept in
// the table schema_version; the migrations are an ordered list of SQL
// scripts, each taking the database one version up, applied in one
// transaction. A database at [SchemaVersion] is not written to; one with a
// newer version, written by a later release, is refused with
// [ErrSchemaTooNew] rather than misread.
//
// The tables are balances, safety_stocks, channel_sums, reservations (the
// lines in a compact binary encoding, with a partial index on the
// deadlines of active reservations), idempotency, entries (the sequence
// number as the rowid, kind and time as columns, the postings,
// availability changes and flagged accounts in a compact binary encoding),
// locations, channels and skus, and orders and order_events (see
// Orders above). Times are unix nanoseconds, read back as
// UTC. CHECK constraints guard what the ledger never writes (a negative
// reserved, quarantine or in-transit balance, a bucket out of range) as a
// last line of defence; there are no foreign keys, which would cost on
// every write what the ledger already ensures.
//
// # Limits
//
// Times must lie between the years 1678 and 2262 (int64 nanoseconds); a
// write of another time is refused. Throughput is bounded by the single
// writer: batching (the ledger's group commit) is what makes it fast, and
// its default of one lane (GroupCommit.Concurrency 1) suits it. Configuration written by one process
// is seen by another only after inventory.Ledger.Reload.
//
// # Errors
//
// No rows match inventory.ErrNotFound. A lock held past the busy timeout
// and the retries matches [ErrBusy]; a violated schema constraint, which
// means a bug or a damaged database, matches [ErrConstraint]. Both are
// decided by SQLite result code, and the driver's *sqlite.Error stays in
// the chain. A closed store returns [ErrClosed]; Open refuses a newer
// schema with [ErrSchemaTooNew]. The error of a function passed to Update
// or View is returned unchanged.
package sqlite
