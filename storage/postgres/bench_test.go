package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// BenchmarkInventory runs the shared inventory benchmarks on PostgreSQL,
// each next to its in-memory baseline.
func BenchmarkInventory(b *testing.B) {
	testDSN(b)
	storagetest.BenchmarkInventory(b, harness())
}

const hotCallers = 200

// BenchmarkHotSKU: 200 concurrent callers and a pool of 10 connections
// reserve 1 unit each of one hot SKU, through the ledger and, as the
// baseline, with one plain SQL transaction per reservation.
func BenchmarkHotSKU(b *testing.B) { benchReservations(b, []omnikit.SKU{"HOT"}) }

// BenchmarkManySKUs: as BenchmarkHotSKU, 200 callers and a pool of 10,
// but the reservations go to 10,000 SKUs in turn, so that concurrent
// commands rarely share a SKU.
func BenchmarkManySKUs(b *testing.B) {
	skus := make([]omnikit.SKU, 10_000)
	for i := range skus {
		skus[i] = omnikit.SKU(fmt.Sprintf("S%05d", i))
	}
	benchReservations(b, skus)
}

// benchReservations runs the ledger and the naive baseline, each making
// reservations of 1 unit of skus[i % len(skus)] from hotCallers callers.
func benchReservations(b *testing.B, skus []omnikit.SKU) {
	testDSN(b)
	b.Run("ledger", func(b *testing.B) {
		ctx := context.Background()
		s := newTestStore(b, nil)
		l, err := inventory.New(ctx, s, nil)
		must(b, err)
		must(b, l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}))
		must(b, l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh"}}))
		must(b, l.DefineSKUs(ctx, skus...))
		for lo := 0; lo < len(skus); lo += 500 {
			var lines []inventory.Line
			for _, sku := range skus[lo:min(lo+500, len(skus))] {
				lines = append(lines, inventory.Line{SKU: sku, Qty: inventory.MaxQty / 2})
			}
			_, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: lines})
			must(b, err)
		}
		hotLoop(b, func(i int64) error {
			_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: skus[i%int64(len(skus))], Location: "wh", Qty: 1}}})
			return err
		})
	})
	b.Run("naive", func(b *testing.B) {
		ctx := context.Background()
		schema := randomSchema()
		dropSchema(b, schema)
		pool := newPool(b, testDSN(b), 10)
		b.Cleanup(pool.Close)
		q := pgx.Identifier{schema}.Sanitize()
		_, err := pool.Exec(ctx, "CREATE SCHEMA "+q+"; CREATE TABLE "+q+".naive_stock (sku text PRIMARY KEY, qty bigint NOT NULL CHECK (qty >= 0)); "+
			"CREATE TABLE "+q+".naive_reservations (id bigint PRIMARY KEY, sku text NOT NULL, qty bigint NOT NULL)")
		must(b, err)
		names := make([]string, len(skus))
		for i, sku := range skus {
			names[i] = string(sku)
		}
		_, err = pool.Exec(ctx, "INSERT INTO "+q+".naive_stock SELECT unnest($1::text[]), 1000000000000", names)
		must(b, err)
		var next atomic.Int64
		hotLoop(b, func(i int64) error { return naiveReserve(ctx, pool, q, names[i%int64(len(names))], next.Add(1)) })
	})
}

// naiveReserve is the baseline's reservation: one transaction, the stock
// row locked with SELECT ... FOR UPDATE, decremented, a reservation row
// inserted, committed.
func naiveReserve(ctx context.Context, pool *pgxpool.Pool, q, sku string, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var qty int64
	if err := tx.QueryRow(ctx, "SELECT qty FROM "+q+".naive_stock WHERE sku = $1 FOR UPDATE", sku).Scan(&qty); err != nil {
		return err
	}
	if qty < 1 {
		return inventory.ErrInsufficientStock
	}
	if _, err := tx.Exec(ctx, "UPDATE "+q+".naive_stock SET qty = qty - 1 WHERE sku = $1", sku); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+q+".naive_reservations (id, sku, qty) VALUES ($1, $2, 1)", id, sku); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// hotLoop runs op b.N times from hotCallers goroutines, each time with a
// distinct index from 0 to b.N-1, and reports reservations per second.
func hotLoop(b *testing.B, op func(i int64) error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	var first atomic.Value
	b.ResetTimer()
	for range hotCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := left.Add(-1); i >= 0; i = left.Add(-1) {
				if err := op(i); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err := first.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkOrders runs the shared orders benchmarks (orders placed end to
// end, next to one reservation plus one insert) on PostgreSQL.
func BenchmarkOrders(b *testing.B) {
	testDSN(b)
	storagetest.BenchmarkOrders(b, storagetest.OrdersHarness{NewStores: func(tb testing.TB) (inventory.Store, orders.Store) {
		s := newTestStore(tb, nil)
		return s, s.Orders()
	}})
}
