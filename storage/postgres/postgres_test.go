package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

var (
	acctSell = inventory.Account{SKU: "SKU-1", Location: "wh", Bucket: inventory.Sellable}
	acctRes  = inventory.Account{SKU: "SKU-1", Location: "wh", Bucket: inventory.Reserved}
)

// TestUniqueViolation provokes a real unique violation: an idempotency key
// recorded again by a transaction that never read it.
func TestUniqueViolation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, &Options{MaxRetries: 2})
	put := func(tx inventory.Tx) error {
		return tx.PutIdempotency(inventory.IdempotencyRecord{Key: "k1", Fingerprint: "f", Seq: 1})
	}
	if err := s.Update(ctx, nil, put); err != nil {
		t.Fatalf("first PutIdempotency: %v", err)
	}
	runs := 0
	err := s.Update(ctx, nil, func(tx inventory.Tx) error { runs++; return put(tx) })
	var ce *ConstraintError
	if !errors.Is(err, ErrUniqueViolation) || !errors.As(err, &ce) || ce.Code != "23505" || ce.Constraint != "idempotency_pkey" {
		t.Fatalf("second PutIdempotency: got %v (%T), want a *ConstraintError matching ErrUniqueViolation on idempotency_pkey", err, err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Errorf("%v does not unwrap to the *pgconn.PgError", err)
	}
	if errors.Is(err, ErrCheckViolation) {
		t.Errorf("%v matches ErrCheckViolation", err)
	}
	// A lost insert race is retried (the ledger then sees the key): with
	// MaxRetries 2 the function ran three times.
	if runs != 3 {
		t.Errorf("fn ran %d times, want 3 (1 + MaxRetries)", runs)
	}
	// Nothing of the failed transactions was kept.
	if err := s.View(ctx, func(tx inventory.ReadTx) error {
		rec, err := tx.Idempotency("k1")
		if err != nil || rec.Seq != 1 {
			t.Errorf("Idempotency(k1) = %+v, %v", rec, err)
		}
		_, err = tx.Idempotency("missing")
		if !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("Idempotency(missing): %v, want ErrNotFound", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckViolation drives a reserved balance below zero past the ledger:
// the CHECK constraint refuses it and nothing is written.
func TestCheckViolation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	runs := 0
	err := s.Update(ctx, []inventory.Account{acctSell, acctRes}, func(tx inventory.Tx) error {
		runs++
		e := &inventory.Entry{Kind: inventory.KindRelease, Postings: []inventory.Posting{{From: acctRes, To: acctSell, Qty: 1}}}
		return tx.Append(e, []inventory.Balance{{Account: acctRes, Qty: -1}, {Account: acctSell, Qty: 1}})
	})
	var ce *ConstraintError
	if !errors.Is(err, ErrCheckViolation) || !errors.As(err, &ce) || ce.Constraint != "balances_held_nonnegative" {
		t.Fatalf("got %v, want a check violation of balances_held_nonnegative", err)
	}
	if runs != 1 {
		t.Errorf("a check violation was retried: fn ran %d times", runs)
	}
	// Sellable may go negative: a recording write is never refused.
	if err := s.Update(ctx, []inventory.Account{acctSell}, func(tx inventory.Tx) error {
		e := &inventory.Entry{Kind: inventory.KindSale}
		return tx.Append(e, []inventory.Balance{{Account: acctSell, Qty: -5}})
	}); err != nil {
		t.Fatalf("negative sellable: %v", err)
	}
	// Bounded at ±1e15.
	err = s.Update(ctx, []inventory.Account{acctSell}, func(tx inventory.Tx) error {
		return tx.Append(&inventory.Entry{Kind: inventory.KindAdjust}, []inventory.Balance{{Account: acctSell, Qty: 1_000_000_000_000_001}})
	})
	if !errors.Is(err, ErrCheckViolation) {
		t.Errorf("balance above 1e15: got %v, want ErrCheckViolation", err)
	}
	if err := s.View(ctx, func(tx inventory.ReadTx) error {
		seq, err := tx.LastSeq()
		if err != nil || seq != 1 {
			t.Errorf("LastSeq = %d, %v; want 1 (failed appends leave no gap)", seq, err)
		}
		q, err := tx.Balance(acctSell)
		if err != nil || q != -5 {
			t.Errorf("sellable = %d, %v; want -5", q, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	err := s.View(ctx, func(tx inventory.ReadTx) error {
		if _, err := tx.Reservation("nope"); !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("Reservation: %v, want ErrNotFound", err)
		}
		if _, err := tx.Entry(1); !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("Entry: %v, want ErrNotFound", err)
		}
		if q, err := tx.Balance(acctSell); err != nil || q != 0 {
			t.Errorf("Balance of a new account = %d, %v", q, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Writes in a View are refused; a tx used after its View is closed.
	var kept inventory.ReadTx
	_ = s.View(ctx, func(tx inventory.ReadTx) error { kept = tx; return nil })
	if _, err := kept.LastSeq(); !errors.Is(err, ErrTxClosed) {
		t.Errorf("use after View: %v, want ErrTxClosed", err)
	}
	err = s.View(ctx, func(tx inventory.ReadTx) error {
		return tx.(inventory.Tx).PutSKUs([]omnikit.SKU{"X"})
	})
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("write in View: %v, want ErrReadOnly", err)
	}
}

// TestReadYourWrites: reads inside Update see the transaction's buffered
// writes, also through the scans that flush them first.
func TestReadYourWrites(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	err := s.Update(ctx, []inventory.Account{acctSell}, func(tx inventory.Tx) error {
		e := &inventory.Entry{Kind: inventory.KindReceive, Postings: []inventory.Posting{{From: inventory.Account{SKU: "SKU-1", Location: "wh", Bucket: inventory.Supplier}, To: acctSell, Qty: 7}}}
		if err := tx.Append(e, []inventory.Balance{{Account: acctSell, Qty: 7}}); err != nil {
			return err
		}
		if e.Seq != 1 {
			t.Errorf("first Seq = %d", e.Seq)
		}
		e2 := &inventory.Entry{Kind: inventory.KindAdjust}
		if err := tx.Append(e2, nil); err != nil {
			return err
		}
		if e2.Seq != 2 {
			t.Errorf("second Seq = %d", e2.Seq)
		}
		if got, _ := tx.Entry(1); got.Kind != inventory.KindReceive || len(got.Postings) != 1 {
			t.Errorf("Entry(1) inside the tx = %+v", got)
		}
		if q, _ := tx.Balance(acctSell); q != 7 {
			t.Errorf("Balance = %d, want 7", q)
		}
		if err := tx.PutReservation(inventory.Reservation{ID: "r1", State: inventory.Active, Lines: []inventory.ReservationLine{{SKU: "SKU-1", Location: "wh", Qty: 1}}}); err != nil {
			return err
		}
		if r, err := tx.Reservation("r1"); err != nil || len(r.Lines) != 1 {
			t.Errorf("Reservation(r1) = %+v, %v", r, err)
		}
		n := 0
		if err := tx.Balances(func(b inventory.Balance) error { n++; return nil }); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("Balances saw %d, want 1", n)
		}
		es, err := tx.Entries(0, 10)
		if err != nil || len(es) != 2 {
			t.Errorf("Entries = %d, %v; want 2", len(es), err)
		}
		if r, err := tx.Reservation("r1"); err != nil || r.ID != "r1" {
			t.Errorf("Reservation(r1) after flush = %+v, %v", r, err)
		}
		if seq, _ := tx.LastSeq(); seq != 2 {
			t.Errorf("LastSeq = %d", seq)
		}
		e3 := &inventory.Entry{Kind: inventory.KindAdjust}
		if err := tx.Append(e3, nil); err != nil {
			return err
		}
		if e3.Seq != 3 {
			t.Errorf("Seq after a flush = %d", e3.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(ctx, func(tx inventory.ReadTx) error {
		if seq, _ := tx.LastSeq(); seq != 3 {
			t.Errorf("LastSeq after commit = %d", seq)
		}
		return nil
	})
}

// TestSchemaIsolation: two stores in two schemas of one database share
// nothing.
func TestSchemaIsolation(t *testing.T) {
	ctx := context.Background()
	a, b := newTestStore(t, nil), newTestStore(t, nil)
	if a.Schema() == b.Schema() {
		t.Fatal("two test stores share a schema")
	}
	la, err := inventory.New(ctx, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := la.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
		t.Fatal(err)
	}
	if err := la.DefineSKUs(ctx, "SKU-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := la.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "SKU-1", Qty: 5}}}); err != nil {
		t.Fatal(err)
	}
	lb, err := inventory.New(ctx, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Locations()) != 0 || lb.KnowsSKU("SKU-1") {
		t.Errorf("schema %s sees the configuration of %s", b.Schema(), a.Schema())
	}
	if seq, _ := lb.LastSeq(ctx); seq != 0 {
		t.Errorf("schema %s has %d entries, want 0", b.Schema(), seq)
	}
	if seq, _ := la.LastSeq(ctx); seq != 1 {
		t.Errorf("schema %s has %d entries, want 1", a.Schema(), seq)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	ms := Migrations()
	if len(ms) == 0 || ms[0].Version != 1 || ms[0].Name != "inventory" {
		t.Fatalf("Migrations() = %+v", ms)
	}
	latest := ms[len(ms)-1].Version
	if v, err := s.SchemaVersion(ctx); err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	// Idempotent, also when called concurrently.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Migrate(ctx) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate %d: %v", i, err)
		}
	}
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+s.qschema+".schema_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Errorf("schema_migrations has %d rows, %v; want %d", n, err, len(ms))
	}

	// A later release adds a migration: Migrate applies only it.
	next := append(append([]Migration(nil), ms...), Migration{Version: latest + 1, Name: "test_extra",
		SQL: "CREATE TABLE test_extra (id int PRIMARY KEY); INSERT INTO test_extra VALUES (1);"})
	if err := s.migrate(ctx, next); err != nil {
		t.Fatalf("migrate forward: %v", err)
	}
	if err := s.migrate(ctx, next); err != nil {
		t.Fatalf("migrate forward again: %v", err)
	}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+s.qschema+".test_extra").Scan(&n); err != nil || n != 1 {
		t.Errorf("test_extra has %d rows, %v; want 1 (applied once)", n, err)
	}
	// This binary does not know that version: refused with a typed error.
	err := s.Migrate(ctx)
	var ve *SchemaVersionError
	if !errors.Is(err, ErrSchemaTooNew) || !errors.As(err, &ve) || ve.Database != latest+1 || ve.Binary != latest {
		t.Fatalf("Migrate on a newer database: %v, want a *SchemaVersionError matching ErrSchemaTooNew", err)
	}
	// A failing migration leaves nothing behind.
	bad := append(append([]Migration(nil), next...), Migration{Version: latest + 2, Name: "bad",
		SQL: "CREATE TABLE test_bad (id int); SELECT 1/0;"})
	if err := s.migrate(ctx, bad); err == nil {
		t.Fatal("a failing migration succeeded")
	}
	if v, _ := s.SchemaVersion(ctx); v != latest+1 {
		t.Errorf("after a failed migration the version is %d, want %d", v, latest+1)
	}
	var exists bool
	_ = s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", s.qschema+".test_bad").Scan(&exists)
	if exists {
		t.Error("a failed migration left its table behind")
	}
}

func TestOpenOptions(t *testing.T) {
	if _, err := Open(context.Background(), nil, nil); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("Open(nil pool): %v, want ErrInvalidOptions", err)
	}
}

// TestPoolStarvation: many more callers than connections, all on one SKU,
// must all finish: Update never holds a connection while waiting for
// another.
func TestPoolStarvation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineSKUs(ctx, "SKU-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "SKU-1", Qty: 100000}}}); err != nil {
		t.Fatal(err)
	}
	const callers = 1000
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "SKU-1", Location: "wh", Qty: 1}}}); err != nil {
				errs <- err
				return
			}
			if i%100 == 0 {
				if err := l.Verify(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a, err := l.Availability(ctx, "SKU-1", "wh")
	if err != nil || a.Reserved != callers {
		t.Fatalf("reserved %d, %v; want %d", a.Reserved, err, callers)
	}
}

// TestFillfactor: after Migrate the tables that every command updates in
// place leave room on their pages (migration 0003).
func TestFillfactor(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	for table, want := range map[string]string{"balances": "fillfactor=70", "channel_raws": "fillfactor=70", "ledger_head": "fillfactor=50"} {
		var opts []string
		if err := s.pool.QueryRow(ctx, "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = to_regclass($1)", s.qschema+"."+table).Scan(&opts); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if !slices.Contains(opts, want) {
			t.Errorf("%s: reloptions %v, want %s", table, opts, want)
		}
	}
}
