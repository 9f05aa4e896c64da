package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
)

func openTest(t *testing.T, path string, opts *Options) *Inventory {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawConn opens a connection of its own on path, outside any Inventory.
func rawConn(t *testing.T, path string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTranslate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s := openTest(t, path, nil)

	if err := translate("x", sql.ErrNoRows); !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("no rows: %v does not match inventory.ErrNotFound", err)
	}
	if translate("x", nil) != nil {
		t.Error("translate(nil) != nil")
	}
	err := s.View(ctx, func(tx inventory.ReadTx) error {
		_, err := tx.Reservation("nope")
		return err
	})
	if !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("missing reservation: %v does not match inventory.ErrNotFound", err)
	}

	// A CHECK constraint: a reserved balance may not be negative.
	c := rawConn(t, path)
	_, raw := c.ExecContext(ctx, `INSERT INTO balances (sku, location, bucket, peer, qty) VALUES ('A', 'wh', 2, '', -1)`)
	if resultCode(raw) != sqlite3.SQLITE_CONSTRAINT_CHECK {
		t.Fatalf("negative reserved balance: code %d (%v), want SQLITE_CONSTRAINT_CHECK", resultCode(raw), raw)
	}
	if err := translate("write", raw); !errors.Is(err, ErrConstraint) || errors.Is(err, ErrBusy) || retryable(err) {
		t.Errorf("constraint: %v: want ErrConstraint only, not retryable", err)
	}
	// A primary key.
	if _, err := c.ExecContext(ctx, `INSERT INTO skus (sku) VALUES ('A')`); err != nil {
		t.Fatal(err)
	}
	_, raw = c.ExecContext(ctx, `INSERT INTO skus (sku) VALUES ('A')`)
	if resultCode(raw) != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || !errors.Is(translate("write", raw), ErrConstraint) {
		t.Errorf("duplicate key: code %d, %v", resultCode(raw), translate("write", raw))
	}

	// SQLITE_BUSY: another connection holds the write lock.
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	other := rawConn(t, path)
	_, raw = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	if resultCode(raw)&0xff != sqlite3.SQLITE_BUSY {
		t.Fatalf("second writer: code %d (%v), want SQLITE_BUSY", resultCode(raw), raw)
	}
	if err := translate("begin", raw); !errors.Is(err, ErrBusy) || !retryable(err) {
		t.Errorf("busy: %v: want ErrBusy and retryable", err)
	}
	if _, err := c.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if retryable(errors.New("database is locked")) {
		t.Error("an error is classified by its message")
	}
}

// Update retries while another process holds the lock, and gives up with
// ErrBusy when it never lets go.
func TestUpdateBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	s := openTest(t, path, &Options{BusyTimeout: 5 * time.Millisecond})
	c := rawConn(t, path)
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	put := func(tx inventory.Tx) error {
		calls.Add(1)
		return tx.PutSKUs([]omnikit.SKU{"A"})
	}
	err := s.Update(ctx, nil, put)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Update under a lock held for ever = %v, want ErrBusy", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("fn ran %d times without the lock", calls.Load())
	}
	// Released while Update is backing off: it gets through.
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.ExecContext(ctx, "ROLLBACK")
	}()
	if err := s.Update(ctx, nil, put); err != nil {
		t.Fatalf("Update after the lock is released: %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("fn ran %d times, want 1", calls.Load())
	}
}

// fn's error comes back unchanged, and nothing fn wrote is kept.
func TestUpdateRollback(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "rb.db"), nil)
	boom := errors.New("boom")
	acct := inventory.Account{SKU: "A", Location: "wh", Bucket: inventory.Sellable}
	err := s.Update(ctx, []inventory.Account{acct}, func(tx inventory.Tx) error {
		e := &inventory.Entry{Kind: inventory.KindReceive, At: time.Now()}
		if err := tx.Append(e, []inventory.Balance{{Account: acct, Qty: 5}}); err != nil {
			return err
		}
		if e.Seq != 1 {
			t.Errorf("first entry has seq %d", e.Seq)
		}
		if q, _ := tx.Balance(acct); q != 5 {
			t.Errorf("the transaction does not see its own write: %d", q)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update = %v, want fn's error unchanged", err)
	}
	err = s.Update(ctx, []inventory.Account{acct}, func(tx inventory.Tx) error {
		if q, _ := tx.Balance(acct); q != 0 {
			t.Errorf("a rolled-back balance survived: %d", q)
		}
		e := &inventory.Entry{Kind: inventory.KindReceive, At: time.Now()}
		if err := tx.Append(e, nil); err != nil {
			return err
		}
		if e.Seq != 1 {
			t.Errorf("after a rollback the next entry has seq %d, want 1 (no gap)", e.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two stores on one file stand for two processes: each one's cached last
// sequence goes stale when the other appends, and the collision is
// retried, so the sequence stays gap-free and unique.
func TestSequenceAcrossWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	a := openTest(t, path, nil)
	b := openTest(t, path, nil)
	appendOne := func(s *Inventory, ref string) int64 {
		t.Helper()
		var seq int64
		var runs int
		err := s.Update(ctx, nil, func(tx inventory.Tx) error {
			runs++
			e := &inventory.Entry{Kind: inventory.KindAdjust, At: time.Now(), Reference: ref}
			err := tx.Append(e, nil)
			seq = e.Seq
			return err
		})
		if err != nil {
			t.Fatalf("append %s: %v", ref, err)
		}
		return seq
	}
	got := []int64{appendOne(a, "a1"), appendOne(b, "b1"), appendOne(a, "a2"), appendOne(b, "b2"), appendOne(b, "b3"), appendOne(a, "a3")}
	for i, seq := range got {
		if seq != int64(i+1) {
			t.Fatalf("sequences %v, want 1..6", got)
		}
	}
	err := a.View(ctx, func(tx inventory.ReadTx) error {
		es, err := tx.Entries(0, 10)
		if err != nil {
			return err
		}
		var refs []string
		for _, e := range es {
			refs = append(refs, e.Reference)
		}
		if strings.Join(refs, ",") != "a1,b1,a2,b2,b3,a3" {
			t.Errorf("entries %v", refs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	if SchemaVersion != len(migrations) {
		t.Fatalf("SchemaVersion %d, but %d migrations", SchemaVersion, len(migrations))
	}
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, nil, func(tx inventory.Tx) error { return tx.PutSKUs([]omnikit.SKU{"KEEP"}) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	c := rawConn(t, path)
	if v, err := schemaVersion(ctx, c); err != nil || v != SchemaVersion {
		t.Fatalf("version after Open = %d, %v", v, err)
	}
	// At the current version: nothing to do, nothing written.
	if n, err := migrate(ctx, c, migrations); err != nil || n != 0 {
		t.Fatalf("migrate at the current version applied %d: %v", n, err)
	}
	s = openTest(t, path, nil)
	err = s.View(ctx, func(tx inventory.ReadTx) error {
		cfg, err := tx.Config()
		if err == nil && (len(cfg.SKUs) != 1 || cfg.SKUs[0] != "KEEP") {
			t.Errorf("SKUs after reopening = %v", cfg.SKUs)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A failing migration leaves the version where it was.
	bad := append(append([]string(nil), migrations...), `CREATE TABLE v2 (x); THIS IS NOT SQL`)
	if _, err := migrate(ctx, c, bad); err == nil {
		t.Fatal("a bad migration succeeded")
	}
	if v, _ := schemaVersion(ctx, c); v != SchemaVersion {
		t.Fatalf("version after a failed migration = %d", v)
	}

	// A later release adds a version...
	next := append(append([]string(nil), migrations...), `CREATE TABLE v2 (x INTEGER)`)
	if n, err := migrate(ctx, c, next); err != nil || n != 1 {
		t.Fatalf("migrate to version %d applied %d: %v", SchemaVersion+1, n, err)
	}
	if v, _ := schemaVersion(ctx, c); v != SchemaVersion+1 {
		t.Fatalf("version after migrating = %d", v)
	}
	// ...and this one refuses to open what it wrote.
	_, err = Open(ctx, path, nil)
	if newer := fmt.Sprintf("version %d", SchemaVersion+1); !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), newer) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew naming %s", err, newer)
	}
}

// TestMigrateToOrders: a database written before the orders store
// (version 1) gains its tables on Open and keeps its ledger.
func TestMigrateToOrders(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", fileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		t.Fatal(err)
	}
	if n, err := migrate(ctx, c, migrations[:1]); err != nil || n != 1 {
		t.Fatalf("migrate to version 1 applied %d: %v", n, err)
	}
	if _, err := c.ExecContext(ctx, "INSERT INTO skus (sku) VALUES ('OLD')"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	db.Close()

	s := openTest(t, path, nil)
	err = s.View(ctx, func(tx inventory.ReadTx) error {
		cfg, err := tx.Config()
		if err == nil && (len(cfg.SKUs) != 1 || cfg.SKUs[0] != "OLD") {
			t.Errorf("SKUs after migrating = %v", cfg.SKUs)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Orders()
	o := orders.Order{ID: "O1", IdempotencyKey: "k", State: orders.Pending, Version: 1}
	if err := st.Create(ctx, o, []orders.Event{{Order: "O1", Type: "test.created"}}); err != nil {
		t.Fatalf("Create after migrating: %v", err)
	}
	if got, err := st.Get(ctx, "O1"); err != nil || got.IdempotencyKey != "k" {
		t.Fatalf("Get after migrating = %+v, %v", got, err)
	}
	if evs, err := st.Events(ctx, 0, 10); err != nil || len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("Events after migrating = %+v, %v", evs, err)
	}
	s.Close()
	rc := rawConn(t, path)
	if v, err := schemaVersion(ctx, rc); err != nil || v != SchemaVersion || SchemaVersion < 2 {
		t.Fatalf("version after Open = %d, %v; want %d", v, err, SchemaVersion)
	}
}

// TestOrdersClosed: the orders store ends with its Inventory.
func TestOrdersClosed(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{":memory:", filepath.Join(t.TempDir(), "c.db")} {
		s := openTest(t, path, nil)
		st := s.Orders()
		if err := st.Create(ctx, orders.Order{ID: "O1", Version: 1}, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := st.Create(ctx, orders.Order{ID: "O2", Version: 1}, nil); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Create after Close = %v, want ErrClosed", path, err)
		}
		if _, err := st.Get(ctx, "O1"); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Get after Close = %v, want ErrClosed", path, err)
		}
		if _, err := st.Events(ctx, 0, 10); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Events after Close = %v, want ErrClosed", path, err)
		}
	}
}

func TestOpenOptions(t *testing.T) {
	ctx := context.Background()
	for _, o := range []*Options{{Synchronous: 7}, {BusyTimeout: -1}, {ReadConns: -1}} {
		if _, err := Open(ctx, filepath.Join(t.TempDir(), "o.db"), o); err == nil {
			t.Errorf("Open with %+v succeeded", *o)
		}
	}
	if _, err := Open(ctx, "", nil); err == nil {
		t.Error("Open of an empty path succeeded")
	}
	// Odd characters in the path are not URI syntax.
	dir := filepath.Join(t.TempDir(), "a?b#c%d")
	s := openTest(t, filepath.Join(dir+".db"), &Options{Synchronous: SynchronousNormal, ReadConns: 1})
	var mode, sync string
	if err := s.w.c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if err := s.w.c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != "1" {
		t.Errorf("synchronous = %q, %v, want 1 (NORMAL)", sync, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.View(ctx, func(inventory.ReadTx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close = %v", err)
	}
	if err := s.Update(ctx, nil, func(inventory.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close = %v", err)
	}
}

// Views on the read pool see a snapshot: a write committed during a view
// is not seen by it, and is seen by the next.
func TestViewSnapshot(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "snap.db"), nil)
	add := func() {
		if err := s.Update(ctx, nil, func(tx inventory.Tx) error {
			return tx.Append(&inventory.Entry{Kind: inventory.KindAdjust, At: time.Now()}, nil)
		}); err != nil {
			t.Fatal(err)
		}
	}
	add()
	err := s.View(ctx, func(tx inventory.ReadTx) error {
		n1, err := tx.LastSeq()
		if err != nil {
			return err
		}
		add()
		n2, err := tx.LastSeq()
		if n1 != 1 || n2 != 1 {
			t.Errorf("a view saw %d then %d, want 1 both times", n1, n2)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx inventory.ReadTx) error {
		if n, _ := tx.LastSeq(); n != 2 {
			t.Errorf("the next view sees %d, want 2", n)
		}
		return nil
	})
}
