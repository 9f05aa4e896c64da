package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/omnikit/omnikit/inventory"
)

// Synchronous is SQLite's synchronous setting: how hard a commit waits for
// the disk.
type Synchronous uint8

const (
	// SynchronousFull syncs the write-ahead log at every commit: a
	// transaction Update returned from survives a power loss or an
	// operating system crash. It is the default (the zero value).
	SynchronousFull Synchronous = iota
	// SynchronousNormal syncs the log only at checkpoints. A commit
	// survives a crash of the process (even SIGKILL), but a power loss or
	// operating system crash may lose the last transactions that Update
	// reported committed; the database is never corrupted. It is several
	// times faster for small transactions.
	SynchronousNormal
)

// String returns "FULL" or "NORMAL", the SQLite pragma value.
func (s Synchronous) String() string {
	switch s {
	case SynchronousFull:
		return "FULL"
	case SynchronousNormal:
		return "NORMAL"
	}
	return "Synchronous(" + strconv.Itoa(int(s)) + ")"
}

// Options configure Open. The zero value (or nil) uses the defaults.
type Options struct {
	// Synchronous is the durability of a commit. Default: SynchronousFull.
	Synchronous Synchronous
	// BusyTimeout is how long a connection waits for a lock held by another
	// connection or process before SQLite gives up (SQLITE_BUSY); Update
	// then retries a few times more. Default 5s; negative is invalid.
	BusyTimeout time.Duration
	// ReadConns is the number of connections of the read pool that View
	// uses. Default 4; negative is invalid. In-memory databases have no
	// read pool.
	ReadConns int
	// InMemory opens a private in-memory database instead of a file; path
	// is then ignored. Opening the path ":memory:" does the same.
	InMemory bool
}

const (
	defaultBusyTimeout = 5 * time.Second
	defaultReadConns   = 4
	maxAttempts        = 8 // of one Update, on SQLITE_BUSY or a stale sequence
)

// Inventory is an inventory.Store kept in a SQLite database. It is safe for
// concurrent use; see the package documentation for how it works.
type Inventory struct {
	path   string
	memory bool
	closed atomic.Bool

	wdb *sql.DB // one connection: the writer
	rdb *sql.DB // the read pool; nil for an in-memory database

	wmu     sync.Mutex // held by Update (and by View in memory)
	w       *dbConn
	wtx     writeTx // reused: writers hold wmu
	lastSeq int64   // the newest entry's Seq, when seqKnown
	// seqKnown is cleared by every failed transaction. Another process
	// appending makes the cache stale; the insert of the next entry then
	// collides and the transaction is retried with a fresh value.
	seqKnown bool

	readers readPool
}

var _ inventory.Store = (*Inventory)(nil)

var memSeq atomic.Uint64

// Open opens (creating it if needed) the SQLite database at path and brings
// its schema to SchemaVersion. A file database is put in WAL mode, with one
// writer connection and a pool of read connections. The path ":memory:" or
// Options.InMemory opens a private in-memory database that lives until
// Close.
//
// Errors: an invalid option; ErrSchemaTooNew for a database written by a
// newer release; ErrBusy when another process holds the database locked
// past the busy timeout; errors of the driver for a file that cannot be
// opened or is not a database.
func Open(ctx context.Context, path string, opts *Options) (*Inventory, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case o.Synchronous > SynchronousNormal:
		return nil, fmt.Errorf("sqlite: invalid Options.Synchronous %d", o.Synchronous)
	case o.BusyTimeout < 0:
		return nil, fmt.Errorf("sqlite: invalid Options.BusyTimeout %v", o.BusyTimeout)
	case o.ReadConns < 0:
		return nil, fmt.Errorf("sqlite: invalid Options.ReadConns %d", o.ReadConns)
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = defaultBusyTimeout
	}
	if o.ReadConns == 0 {
		o.ReadConns = defaultReadConns
	}
	s := &Inventory{path: path, memory: o.InMemory || path == ":memory:"}
	if !s.memory && path == "" {
		return nil, errors.New("sqlite: empty path; use \":memory:\" for an in-memory database")
	}

	busy := "_pragma=busy_timeout(" + strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10) + ")"
	var wdsn string
	if s.memory {
		// A named memory database: private to this Inventory, it lives as
		// long as the writer connection, which is never returned to the pool.
		name := "omnikit-" + strconv.FormatUint(memSeq.Add(1), 10) + "-" + strconv.FormatUint(rand.Uint64(), 36)
		wdsn = "file:" + name + "?mode=memory&cache=shared&" + busy + "&_pragma=temp_store(MEMORY)"
	} else {
		wdsn = fileURI(path) + "?" + busy + "&_pragma=journal_mode(WAL)&_pragma=synchronous(" + o.Synchronous.String() +
			")&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16384)"
	}
	wdb, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, translate("open", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s.wdb = wdb
	fail := func(err error) (*Inventory, error) {
		if s.w != nil {
			s.w.close()
		}
		if s.rdb != nil {
			s.rdb.Close()
		}
		wdb.Close()
		return nil, err
	}
	c, err := wdb.Conn(ctx)
	if err != nil {
		return fail(translate("open "+path, err))
	}
	s.w = newDBConn(c)
	if !s.memory {
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return fail(translate("open: journal mode", err))
		}
		if !strings.EqualFold(mode, "wal") {
			return fail(fmt.Errorf("sqlite: open %s: journal mode is %q, not WAL", path, mode))
		}
	}
	if _, err := migrate(ctx, c, migrations); err != nil {
		return fail(err)
	}
	if !s.memory {
		rdb, err := sql.Open("sqlite", fileURI(path)+"?"+busy+"&_pragma=query_only(1)&_pragma=cache_size(-8192)")
		if err != nil {
			return fail(translate("open read pool", err))
		}
		rdb.SetMaxOpenConns(o.ReadConns)
		rdb.SetMaxIdleConns(o.ReadConns)
		rdb.SetConnMaxLifetime(0)
		rdb.SetConnMaxIdleTime(0)
		s.rdb = rdb
		s.readers.init(rdb, o.ReadConns)
	}
	return s, nil
}

// fileURI returns path as an SQLite URI filename, escaping the characters
// that would end the path.
func fileURI(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path)
}

// Path returns the path the store was opened with.
func (s *Inventory) Path() string { return s.path }

// Close closes the database, waiting for the transactions in flight. It is
// safe to call more than once; later calls return nil.
func (s *Inventory) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if s.rdb != nil {
		s.readers.close()
		errs = append(errs, s.rdb.Close())
	}
	// The writer closes last: the last connection to close checkpoints the
	// log into the database file.
	s.wmu.Lock()
	s.w.close()
	s.wmu.Unlock()
	errs = append(errs, s.wdb.Close())
	if err := errors.Join(errs...); err != nil {
		return translate("close", err)
	}
	return nil
}

// Update runs fn in one write transaction on the writer connection (BEGIN
// IMMEDIATE), which serialises every writer of the database, in this
// process and others. Before fn runs it loads, in one query, the balances of
// keys and the safety stocks and channel sums of their SKUs and locations;
// fn reads and writes an overlay of them, which is written with prepared
// statements before COMMIT.
//
// If fn fails, the transaction is rolled back and fn's error returned
// unchanged. If the database is locked by another process (SQLITE_BUSY
// past the busy timeout) fn is run again, a bounded number of times with
// backoff.
//
// Errors: fn's error; ErrClosed; ErrBusy; ErrConstraint; ctx's error.
func (s *Inventory) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	return s.write(ctx, func() error { return s.update(ctx, keys, fn) })
}

// write runs once under the writer mutex, again with backoff when another
// process holds the database locked past the busy timeout, a bounded
// number of times.
func (s *Inventory) write(ctx context.Context, once func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	backoff := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := once()
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		t := time.NewTimer(backoff/2 + rand.N(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

func (s *Inventory) update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	w := s.w
	if err := w.exec(ctx, qBeginImmediate); err != nil {
		return translate("begin", err)
	}
	tx := &s.wtx
	tx.begin(ctx, s)
	err := tx.preload(keys)
	if err == nil {
		err = fn(tx)
		if err == nil {
			err = tx.flush()
		}
	}
	tx.closed = true
	if err == nil {
		if err = w.exec(ctx, qCommit); err != nil {
			err = translate("commit", err)
		}
	}
	if err != nil {
		s.seqKnown = false
		// SQLite may have rolled back already (after some errors of
		// COMMIT); that ROLLBACK fails harmlessly.
		_ = w.exec(context.WithoutCancel(ctx), qRollback)
		tx.release()
		return err
	}
	s.lastSeq, s.seqKnown = tx.lastSeq, tx.seqKnown
	tx.release()
	return nil
}

// View runs fn in a read transaction on a connection of the read pool:
// WAL gives it a consistent snapshot of the database as of its first read,
// while writers go on. An in-memory database has one connection, so its
// views wait for the writer.
//
// Errors: fn's error; ErrClosed; ctx's error.
func (s *Inventory) View(ctx context.Context, fn func(inventory.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	var c *dbConn
	if s.memory {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		if s.closed.Load() {
			return ErrClosed
		}
		c = s.w
	} else {
		var err error
		if c, err = s.readers.get(ctx); err != nil {
			return err
		}
		defer s.readers.put(c)
	}
	if err := c.exec(ctx, qBeginDeferred); err != nil {
		return translate("begin read", err)
	}
	tx := &readTx{ctx: ctx, c: c}
	err := fn(tx)
	tx.closed = true
	if err != nil {
		_ = c.exec(context.WithoutCancel(ctx), qRollback)
		return err
	}
	if err := c.exec(context.WithoutCancel(ctx), qCommit); err != nil {
		_ = c.exec(context.WithoutCancel(ctx), qRollback)
		return translate("end read", err)
	}
	return nil
}

// readPool hands out the read connections, each with its own prepared
// statements, opening them as needed up to max.
type readPool struct {
	db     *sql.DB
	sem    chan struct{} // a slot per connection that may be in use
	mu     sync.Mutex
	idle   []*dbConn
	closed bool
}

func (p *readPool) init(db *sql.DB, max int) {
	p.db = db
	p.sem = make(chan struct{}, max)
}

func (p *readPool) get(ctx context.Context) (*dbConn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := p.db.Conn(ctx)
	if err != nil {
		<-p.sem
		return nil, translate("open read connection", err)
	}
	return newDBConn(c), nil
}

func (p *readPool) put(c *dbConn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	<-p.sem
}

// close waits for the connections in use and closes every one; later gets
// return ErrClosed.
func (p *readPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for range cap(p.sem) {
		p.sem <- struct{}{}
	}
	p.mu.Lock()
	for _, c := range p.idle {
		c.close()
	}
	p.idle = nil
	p.mu.Unlock()
	for range cap(p.sem) {
		<-p.sem
	}
}
