// Package postgres is omnikit's PostgreSQL storage: [Inventory] implements
// inventory.Store on a pgx connection pool (github.com/jackc/pgx/v5
// pgxpool), [Orders] (from [Inventory.Orders]) implements orders.Store in
// the same schema, and both pass the storage/storagetest conformance
// suite.
//
//	pool, _ := pgxpool.New(ctx, "postgres://...")
//	store, _ := postgres.Open(ctx, pool, &postgres.Options{Schema: "omnikit"})
//	if err := store.Migrate(ctx); err != nil { ... } // at deploy or start
//	ledger, _ := inventory.New(ctx, store, nil)
//
// # Migrations
//
// The schema is created by migrations embedded in the binary
// (migrations/0001_inventory.sql, 0002_orders.sql, ...; see
// [Migrations]). [Inventory.Migrate]
// applies those the database lacks, in order, in one transaction under a
// transaction-scoped advisory lock, and records each in the
// schema_migrations table (version, applied_at); concurrent calls are safe.
// A later release adds 0003_... and Migrate moves the database forward. A
// database already at a version newer than the binary knows is refused
// with a [*SchemaVersionError] ([ErrSchemaTooNew]): an old binary must not
// write to a schema it does not understand. [Open] does not migrate; call
// Migrate once at deploy or start.
//
// All tables live in one schema ([Options.Schema], default "omnikit"),
// named in every statement (quoted with pgx.Identifier), so several stores
// can share a database and a pool's search_path does not matter. Every
// value is a parameter. CHECK constraints are the last line of defence
// behind the ledger: reserved, quarantine and in-transit balances are never
// negative (sellable may be: recording writes are never refused), every
// balance stays within ±1e15, safety stocks are positive (0 deletes the
// row) and channel sums are never negative. Times are stored as int64 unix
// nanoseconds (timestamptz keeps only microseconds) and read back in UTC.
// Entries and reservations keep their postings, channel levels, flagged
// accounts and lines in a compact binary body (bytea); reservations have a
// partial index on expires_at for the active ones with a deadline.
//
// # Locking
//
// Update runs READ COMMITTED. Before fn runs it takes a
// transaction-scoped advisory lock for each SKU of the keys: a 64-bit
// FNV-1a hash of the schema and the SKU, taken in ascending hash order by
// one call of the lock_keys function, so two commands can never deadlock
// whatever order their lines come in. Locking per SKU rather than per
// account covers everything a command writes that is tied to its keys:
// the balances of the SKU at the keys' locations, their safety stocks, the
// channel sums of the SKU (which commands at different locations of one
// SKU share) and the reservations on them. An advisory lock needs no row
// to exist, so a first receipt of a SKU is locked like any other command.
// Two SKUs whose hashes collide only serialise each other.
//
// # Overlay and round trips
//
// The first round trip of Update is one pipelined batch: BEGIN, the locks,
// the loads of the keys' balances (every bucket at each key's SKU and
// location), safety stocks and channel sums, each a probe of the primary
// key per key (so that no cached plan can turn them into scans), and last
// the lock of the ledger head (see Sequence numbers). fn's reads are served from
// this overlay, which also holds fn's own writes; what was not preloaded
// (a reservation or an idempotency record, whose ids fn only learns as it
// runs) is one query by primary key, remembered for the rest of the
// transaction. Writes are buffered and sent at the end in ONE pipelined
// batch — a multi-row upsert per table (unnest of arrays) and COMMIT — so a
// transaction of a hundred commands (group commit) still costs a handful
// of round trips. A scan inside Update (Balances, Reservations,
// ChannelRaws, ...: a channel rebuild after a configuration change) first
// takes the ledger head and SHARE ROW EXCLUSIVE locks on the tables that
// commands write, so that no command commits under a recomputation, then
// flushes the buffered writes and queries.
//
// View runs REPEATABLE READ READ ONLY: every read of fn sees one snapshot.
// Its BEGIN travels with its first query.
//
// Update and View hold one pooled connection for their whole life and
// never acquire a second, so any number of callers share a small pool
// without starving it.
//
// # Sequence numbers
//
// Entries are numbered from 1 without gaps in commit order by the single
// ledger_head row. A write that locks keys locks it at the end of its
// first round trip, after the keys and the loads (other writes, at their
// first Append), with UPDATE ... RETURNING seq; Appends then number
// locally, because Append must return e.Seq at once (the ledger keeps it
// in the idempotency record); the new head is written with the commit.
// This serialises writers from then to their commit, which group commit
// makes cheap: one transaction appends for many commands. It is also why
// one group-commit lane (the default) beats several here: lanes only
// split the callers into smaller batches that wait for the head in turn.
// A rollback leaves no gap.
//
// balances, channel_raws and ledger_head are rewritten by every command;
// they are created with free space on each page (fillfactor, migration
// 0003) so that those updates stay heap-only and leave the indexes alone.
//
// # Orders
//
// [Inventory.Orders] returns an orders.Store ([Orders]) on the same pool,
// schema and retry options; Migrate creates its tables (0002_orders). The
// table orders keeps the whole orders.Order as json (body) next to the
// columns it is found and listed by: version, state, idem_key and
// (channel, external_id) with unique partial indexes where they are not
// empty, created_at (a partial index on the pending orders) and
// pickup_due, the order's earliest pickup deadline (NULL when no
// fulfilment is ready for pickup). Times are unix nanoseconds. Create is
// an INSERT ... ON CONFLICT DO NOTHING; when it inserts nothing, the
// existing order is looked up and returned in a *orders.DuplicateError and
// the transaction rolled back. Save is an UPDATE ... WHERE id AND version;
// no row means orders.ErrConflict, or orders.ErrNotFound when the order
// does not exist. Events are numbered by the single order_event_head row,
// which a write with events locks (UPDATE ... RETURNING) after its order
// row and holds until its commit: the numbers are gap-free and follow
// commit order, so a reader of Events after a cursor never misses a later
// commit with a smaller number. Writes run READ COMMITTED and are retried
// on serialization failures and deadlocks like Update.
//
// # Retries and errors
//
// Errors are translated by SQLSTATE, never by message text. Update runs a
// transaction again, fn included (the Store contract allows it), after
// 40001 serialization_failure, 40P01 deadlock_detected, or a 23505
// unique_violation of the idempotency or reservation key, which means a
// concurrent command holding other locks inserted the same key first (run
// again, the ledger finds it and replays or refuses it). It tries up to
// [Options.MaxRetries] more times with exponential backoff and full
// jitter between [Options.MinBackoff] and [Options.MaxBackoff]; then it
// returns a [*ConflictError] ([ErrConflict]), or the unique violation. Other
// 23505 and 23514 check_violation errors are a [*ConstraintError] matching
// [ErrUniqueViolation] or [ErrCheckViolation] and unwrapping to the
// *pgconn.PgError. A missing reservation, entry or idempotency record is
// inventory.ErrNotFound. Rollbacks run with context.WithoutCancel, so a
// cancelled request still ends its transaction. A transaction used after
// its Update or View returned fails with [ErrTxClosed], a write in a View
// with [ErrReadOnly], an undecodable stored value with [ErrCorrupt]. Text
// values cannot hold NUL bytes (PostgreSQL refuses them).
//
// # Tests
//
// The tests need a PostgreSQL server and skip without one:
//
//	OMNIKIT_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    go test -race ./storage/postgres
//	OMNIKIT_POSTGRES_URL=... go test -run '^$' -bench . ./storage/postgres
//
// Every store the tests make lives in its own random schema
// (omnikit_test_<hex>), dropped when the test ends, so runs cannot disturb
// each other. Besides the conformance suite they check SQLSTATE
// translation against the server, migrations, schema isolation, pool
// starvation, and a crash: a child process running keyed commands is
// killed with SIGKILL and every command it saw acknowledged must be there
// exactly once.
package postgres
