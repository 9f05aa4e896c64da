package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/sqlite"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// BenchmarkInventory runs the shared inventory benchmarks on a file
// database with synchronous NORMAL, each next to its in-memory baseline.
func BenchmarkInventory(b *testing.B) {
	storagetest.BenchmarkInventory(b, fileHarness(&sqlite.Options{Synchronous: sqlite.SynchronousNormal}))
}

// hotCallers is the number of concurrent callers of BenchmarkHotSKU.
const hotCallers = 200

// BenchmarkHotSKU: 200 concurrent callers reserve 1 unit each of one hot
// SKU, through the ledger (whose group commit batches them into shared
// transactions) and through a naive baseline in the same database: one
// transaction per reservation, BEGIN IMMEDIATE; SELECT; UPDATE; INSERT;
// COMMIT, on one connection (more connections only add lock waits: SQLite
// has one writer).
func BenchmarkHotSKU(b *testing.B) {
	benchReservations(b, []omnikit.SKU{"HOT"}, sqlite.SynchronousNormal, sqlite.SynchronousFull)
}

// BenchmarkManySKUs: as BenchmarkHotSKU with synchronous NORMAL, but the
// reservations go to 10,000 SKUs in turn, so that concurrent commands
// rarely share a SKU.
func BenchmarkManySKUs(b *testing.B) {
	skus := make([]omnikit.SKU, 10_000)
	for i := range skus {
		skus[i] = omnikit.SKU(fmt.Sprintf("S%05d", i))
	}
	benchReservations(b, skus, sqlite.SynchronousNormal)
}

// benchReservations runs, for each durability mode, the ledger and the
// naive baseline, each making reservations of 1 unit of skus[i % len(skus)]
// from hotCallers callers.
func benchReservations(b *testing.B, skus []omnikit.SKU, modes ...sqlite.Synchronous) {
	for _, mode := range modes {
		name := strings.ToLower(mode.String())
		b.Run("ledger/"+name, func(b *testing.B) {
			ctx := context.Background()
			s := openFile(b, filepath.Join(b.TempDir(), "bench.db"), &sqlite.Options{Synchronous: mode})
			l, err := inventory.New(ctx, s, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
				b.Fatal(err)
			}
			if err := l.DefineSKUs(ctx, skus...); err != nil {
				b.Fatal(err)
			}
			for lo := 0; lo < len(skus); lo += 500 {
				var lines []inventory.Line
				for _, sku := range skus[lo:min(lo+500, len(skus))] {
					lines = append(lines, inventory.Line{SKU: sku, Qty: inventory.MaxQty / 2})
				}
				if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: lines}); err != nil {
					b.Fatal(err)
				}
			}
			hotLoop(b, func(i int64) error {
				_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: skus[i%int64(len(skus))], Location: "wh", Qty: 1}}})
				return err
			})
		})
		b.Run("naive/"+name, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "bench.db")
			openFile(b, path, &sqlite.Options{Synchronous: mode}) // the same kind of database file
			db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous("+mode.String()+")")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			db.SetMaxOpenConns(1)
			if _, err := db.ExecContext(ctx, `
				CREATE TABLE naive_stock (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL);
				CREATE TABLE naive_reservations (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, sku := range skus {
				if _, err := tx.ExecContext(ctx, `INSERT INTO naive_stock VALUES (?, ?)`, string(sku), inventory.MaxQty); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			hotLoop(b, func(i int64) error { return naiveReserve(ctx, db, string(skus[i%int64(len(skus))]), 1) })
		})
	}
}

func naiveReserve(ctx context.Context, db *sql.DB, sku string, q int64) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE, from _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var qty int64
	if err := tx.QueryRowContext(ctx, `SELECT qty FROM naive_stock WHERE sku = ?`, sku).Scan(&qty); err != nil {
		return err
	}
	if qty < q {
		return inventory.ErrInsufficientStock
	}
	if _, err := tx.ExecContext(ctx, `UPDATE naive_stock SET qty = qty - ? WHERE sku = ?`, q, sku); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO naive_reservations (sku, qty) VALUES (?, ?)`, sku, q); err != nil {
		return err
	}
	return tx.Commit()
}

// hotLoop runs op b.N times from hotCallers goroutines, each time with a
// distinct index from 0 to b.N-1, and reports reservations per second.
func hotLoop(b *testing.B, op func(i int64) error) {
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	for range hotCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := op(i - 1); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkOrders runs the shared orders benchmarks (orders placed end to
// end, next to one reservation plus one insert) on a file database with
// synchronous NORMAL and one group-commit lane.
func BenchmarkOrders(b *testing.B) {
	storagetest.BenchmarkOrders(b, storagetest.OrdersHarness{
		NewStores: func(tb testing.TB) (inventory.Store, orders.Store) {
			s := openFile(tb, tempPath(tb), &sqlite.Options{Synchronous: sqlite.SynchronousNormal})
			return s, s.Orders()
		},
		GroupCommit: inventory.GroupCommit{Concurrency: 1},
	})
}
