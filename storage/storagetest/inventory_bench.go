package storagetest

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// BenchmarkInventory measures an adapter under the ledger, next to a
// baseline measured in the same run: a mutex-protected map that only adds
// and subtracts (no entries, no reservations, no feed, no channels). Each
// "ledger" sub-benchmark has a "baseline" twin; compare them with benchstat
// or read the ratio from ns/op.
//
//	ReserveCommit/hot/...      one SKU at one location, reserve 1 then commit it
//	ReserveCommit/10k/...      the same spread over 10,000 SKUs
//	Reserve/hot/...            reservations alone on the hot SKU
//	ReserveCommitKeyed/hot/... reserve then commit on the hot SKU, each
//	                           with its own idempotency key (the
//	                           baseline also keeps the keys in a map)
//	ChannelRead/one/...        one channel availability read
//	ChannelRead/bulk100/...    a bulk read of 100 SKUs
//
// Parallel variants run 16 goroutines per core (b.SetParallelism(16)).
func BenchmarkInventory(b *testing.B, h InventoryHarness) {
	for _, spread := range []struct {
		name string
		skus int
	}{{"hot", 1}, {"10k", 10000}} {
		for _, par := range []bool{false, true} {
			mode := modeName(par)
			b.Run("ReserveCommit/"+spread.name+"/"+mode+"/ledger", func(b *testing.B) {
				l, skus := benchLedger(b, h, spread.skus)
				benchLoop(b, par, func(i int) {
					sku := skus[i%len(skus)]
					r, err := l.Reserve(context.Background(), inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: sku, Location: "wh", Qty: 1}}})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := l.Commit(context.Background(), inventory.SettleRequest{ID: r.ID}); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("ReserveCommit/"+spread.name+"/"+mode+"/baseline", func(b *testing.B) {
				m := newBaseline(spread.skus)
				benchLoop(b, par, func(i int) {
					k := i % spread.skus
					if !m.reserve(k, 1) {
						b.Fatal("baseline short")
					}
					m.commit(k, 1)
				})
			})
		}
	}
	for _, par := range []bool{false, true} {
		mode := modeName(par)
		b.Run("Reserve/hot/"+mode+"/ledger", func(b *testing.B) {
			l, skus := benchLedger(b, h, 1)
			benchLoop(b, par, func(int) {
				if _, err := l.Reserve(context.Background(), inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: skus[0], Location: "wh", Qty: 1}}}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("Reserve/hot/"+mode+"/baseline", func(b *testing.B) {
			m := newBaseline(1)
			benchLoop(b, par, func(int) {
				if !m.reserve(0, 1) {
					b.Fatal("baseline short")
				}
			})
		})
	}
	for _, par := range []bool{false, true} {
		mode := modeName(par)
		// Keys are numbered from one counter, so that no two commands
		// share one (a replay would not be the work measured).
		b.Run("ReserveCommitKeyed/hot/"+mode+"/ledger", func(b *testing.B) {
			l, skus := benchLedger(b, h, 1)
			var seq atomic.Int64
			benchLoop(b, par, func(int) {
				key := strconv.FormatInt(seq.Add(1), 10)
				r, err := l.Reserve(context.Background(), inventory.ReserveRequest{IdempotencyKey: "r" + key,
					Lines: []inventory.LocatedLine{{SKU: skus[0], Location: "wh", Qty: 1}}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.Commit(context.Background(), inventory.SettleRequest{ID: r.ID, IdempotencyKey: "c" + key}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("ReserveCommitKeyed/hot/"+mode+"/baseline", func(b *testing.B) {
			m := newBaseline(1)
			var seq atomic.Int64
			benchLoop(b, par, func(int) {
				key := strconv.FormatInt(seq.Add(1), 10)
				if !m.reserveKeyed("r"+key, 0, 1) {
					b.Fatal("baseline short")
				}
				m.commitKeyed("c"+key, 0, 1)
			})
		})
	}
	for _, n := range []int{1, 100} {
		name := "one"
		if n > 1 {
			name = "bulk100"
		}
		for _, par := range []bool{false, true} {
			mode := modeName(par)
			b.Run("ChannelRead/"+name+"/"+mode+"/ledger", func(b *testing.B) {
				l, skus := benchLedger(b, h, 1000)
				benchLoop(b, par, func(i int) {
					start := (i * n) % len(skus)
					if _, err := l.ChannelAvailabilities(context.Background(), "web", skus[start:start+n]); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("ChannelRead/"+name+"/"+mode+"/baseline", func(b *testing.B) {
				m := newBaseline(1000)
				benchLoop(b, par, func(i int) {
					start := (i * n) % 1000
					out := make([]int64, n)
					m.mu.Lock()
					for j := range out {
						out[j] = m.bal[benchKey{start + j, 0}]
					}
					m.mu.Unlock()
				})
			})
		}
	}
}

// modeName names a sub-benchmark's mode: "parallel" or "serial".
func modeName(parallel bool) string {
	if parallel {
		return "parallel"
	}
	return "serial"
}

// benchLoop runs op b.N times, serially or from 16 goroutines per core, and
// reports operations per second.
func benchLoop(b *testing.B, parallel bool, op func(i int)) {
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for i := 0; i < b.N; i++ {
			op(i)
		}
	} else {
		b.SetParallelism(16)
		var next int64
		var mu sync.Mutex
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			next++
			i := int(next) * 7919
			mu.Unlock()
			for pb.Next() {
				op(i)
				i++
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// benchLedger returns a ledger with a warehouse, n SKUs with ample stock
// and a web channel over the warehouse and two stores.
func benchLedger(b *testing.B, h InventoryHarness, n int) (*inventory.Ledger, []omnikit.SKU) {
	b.Helper()
	ctx := context.Background()
	l, err := inventory.New(ctx, h.NewStore(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, loc := range []inventory.Location{
		{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip},
		{ID: "s1", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
		{ID: "s2", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
	} {
		if err := l.DefineLocation(ctx, loc); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "s1", "s2"}, Rule: inventory.ChannelRule{StoreThreshold: 2}}); err != nil {
		b.Fatal(err)
	}
	skus := make([]omnikit.SKU, n)
	for i := range skus {
		skus[i] = omnikit.SKU("SKU-" + strconv.Itoa(i))
	}
	if err := l.DefineSKUs(ctx, skus...); err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for i := 0; i < n; i += batch {
		req := inventory.StockRequest{Location: "wh"}
		for _, s := range skus[i:min(n, i+batch)] {
			req.Lines = append(req.Lines, inventory.Line{SKU: s, Qty: inventory.MaxQty})
		}
		if _, err := l.Receive(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	return l, skus
}

type benchKey struct {
	sku    int
	bucket int
}

// baseline is the naive stock keeper the ledger is measured against.
type baseline struct {
	mu   sync.Mutex
	bal  map[benchKey]int64
	keys map[string]struct{} // of reserveKeyed and commitKeyed
}

func newBaseline(n int) *baseline {
	m := &baseline{bal: make(map[benchKey]int64, 3*n), keys: map[string]struct{}{}}
	for i := 0; i < n; i++ {
		m.bal[benchKey{i, 0}] = inventory.MaxQty
	}
	return m
}

func (m *baseline) reserve(k int, q int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bal[benchKey{k, 0}] < q {
		return false
	}
	m.bal[benchKey{k, 0}] -= q
	m.bal[benchKey{k, 1}] += q
	return true
}

func (m *baseline) commit(k int, q int64) {
	m.mu.Lock()
	m.bal[benchKey{k, 1}] -= q
	m.bal[benchKey{k, 2}] += q
	m.mu.Unlock()
}

// reserveKeyed and commitKeyed are reserve and commit that also keep
// their idempotency key, under the same lock, refusing nothing for it.
func (m *baseline) reserveKeyed(key string, k int, q int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bal[benchKey{k, 0}] < q {
		return false
	}
	m.keys[key] = struct{}{}
	m.bal[benchKey{k, 0}] -= q
	m.bal[benchKey{k, 1}] += q
	return true
}

func (m *baseline) commitKeyed(key string, k int, q int64) {
	m.mu.Lock()
	m.keys[key] = struct{}{}
	m.bal[benchKey{k, 1}] -= q
	m.bal[benchKey{k, 2}] += q
	m.mu.Unlock()
}
