package memory_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

// gatedStore holds its first armed Update until release is closed, and
// records the SKUs of the entries that transaction appends.
type gatedStore struct {
	*memory.Inventory
	armed    atomic.Bool
	entered  chan struct{}
	release  chan struct{}
	mu       sync.Mutex
	firstSKU []omnikit.SKU
}

func (g *gatedStore) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	if !g.armed.CompareAndSwap(true, false) {
		return g.Inventory.Update(ctx, keys, fn)
	}
	close(g.entered)
	<-g.release
	return g.Inventory.Update(ctx, keys, func(tx inventory.Tx) error {
		return fn(&recordingTx{Tx: tx, g: g})
	})
}

type recordingTx struct {
	inventory.Tx
	g *gatedStore
}

func (r *recordingTx) Append(e *inventory.Entry, balances []inventory.Balance) error {
	r.g.mu.Lock()
	r.g.firstSKU = append(r.g.firstSKU, e.Postings[0].To.SKU)
	r.g.mu.Unlock()
	return r.Tx.Append(e, balances)
}

// TestGroupCommitJoin: commands queued while a batch's transaction begins
// join that batch when the transaction holds all their accounts, and only
// then (inventory.GroupCommit). The first reservation's transaction is held
// at its start while nine more of the same SKU and one of another SKU
// queue; when it goes on, the nine run in it and the other SKU does not.
func TestGroupCommitJoin(t *testing.T) {
	ctx := context.Background()
	g := &gatedStore{Inventory: memory.NewInventory(), entered: make(chan struct{}), release: make(chan struct{})}
	l, err := inventory.New(ctx, g, &inventory.Options{GroupCommit: inventory.GroupCommit{MaxBatch: 64}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineSKUs(ctx, "HOT", "COLD"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "HOT", Qty: 100}, {SKU: "COLD", Qty: 100}}}); err != nil {
		t.Fatal(err)
	}
	reserve := func(sku omnikit.SKU) error {
		_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: sku, Location: "wh", Qty: 1}}})
		return err
	}

	g.armed.Store(true)
	errs := make(chan error, 11)
	go func() { errs <- reserve("HOT") }()
	<-g.entered // the leader's transaction has begun and waits
	for range 9 {
		go func() { errs <- reserve("HOT") }()
	}
	go func() { errs <- reserve("COLD") }()
	time.Sleep(100 * time.Millisecond) // let the ten queue behind the leader
	close(g.release)
	for range 11 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	g.mu.Lock()
	first := slices.Clone(g.firstSKU)
	g.mu.Unlock()
	if slices.Contains(first, "COLD") {
		t.Errorf("the first transaction, which holds only HOT's accounts, ran a COLD reservation: %v", first)
	}
	if len(first) < 2 {
		t.Errorf("the first transaction ran %d reservation(s) (%v); the HOT ones queued meanwhile should have joined it", len(first), first)
	}
	a, err := l.Availability(ctx, "HOT", "wh")
	if err != nil {
		t.Fatal(err)
	}
	if a.Reserved != 10 {
		t.Errorf("HOT reserved = %d, want 10", a.Reserved)
	}
}
