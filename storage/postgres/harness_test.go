package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// The tests need a PostgreSQL server named by OMNIKIT_POSTGRES_URL and skip
// without one. Every store lives in a fresh schema, dropped at cleanup.

const dsnEnv = "OMNIKIT_POSTGRES_URL"

func testDSN(tb testing.TB) string {
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		if tb == nil {
			panic("postgres: " + dsnEnv + " is not set")
		}
		tb.Helper()
		tb.Skip(dsnEnv + " is not set; set it to a PostgreSQL URL to run the PostgreSQL tests")
	}
	return dsn
}

func must(tb testing.TB, err error) {
	if err == nil {
		return
	}
	if tb == nil {
		panic(err)
	}
	tb.Helper()
	tb.Fatal(err)
}

// newPool opens a pool of at most maxConns connections that closes idle
// connections quickly: a rapid test makes a hundred stores in one test, and
// their pools must not exhaust the server's connections.
func newPool(tb testing.TB, dsn string, maxConns int32) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(dsn)
	must(tb, err)
	cfg.MaxConns = maxConns
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = time.Second
	cfg.HealthCheckPeriod = 250 * time.Millisecond
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	must(tb, err)
	return pool
}

var (
	adminMu   sync.Mutex
	adminPool *pgxpool.Pool
)

// admin returns a small pool shared by the tests for creating and dropping
// schemas.
func admin(tb testing.TB) *pgxpool.Pool {
	adminMu.Lock()
	defer adminMu.Unlock()
	if adminPool == nil {
		adminPool = newPool(tb, testDSN(tb), 2)
	}
	return adminPool
}

func randomSchema() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "omnikit_test_" + hex.EncodeToString(b)
}

// dropSchema drops schema when tb's test ends.
func dropSchema(tb testing.TB, schema string) {
	if tb == nil {
		return // a nil tb (an example) leaves its schema behind
	}
	pool := admin(tb)
	tb.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
}

// newTestStore returns a migrated store in a fresh schema with its own
// pool of 10 connections. tb may be nil.
func newTestStore(tb testing.TB, opts *Options) *Inventory {
	dsn := testDSN(tb)
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = randomSchema()
	}
	dropSchema(tb, o.Schema)
	pool := newPool(tb, dsn, 10)
	if tb != nil {
		tb.Cleanup(pool.Close)
	}
	s, err := Open(context.Background(), pool, &o)
	must(tb, err)
	must(tb, s.Migrate(context.Background()))
	return s
}

// reopen closes store's pool and opens the same schema on a new one.
func reopen(tb testing.TB, store inventory.Store) inventory.Store {
	old := store.(*Inventory)
	old.pool.Close()
	pool := newPool(tb, testDSN(tb), 10)
	if tb != nil {
		tb.Cleanup(pool.Close)
	}
	s, err := Open(context.Background(), pool, &Options{Schema: old.schema})
	must(tb, err)
	return s
}

func harness() storagetest.InventoryHarness {
	return storagetest.InventoryHarness{
		NewStore: func(tb testing.TB) inventory.Store { return newTestStore(tb, nil) },
		Reopen:   reopen,
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	adminMu.Lock()
	if adminPool != nil {
		adminPool.Close()
	}
	adminMu.Unlock()
	os.Exit(code)
}
