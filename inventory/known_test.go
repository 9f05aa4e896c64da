package inventory_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

// stockedLedger returns a Ledger on a new memory store with a warehouse
// "wh" holding qty units of each of skus.
func stockedLedger(t *testing.T, qty int64, skus ...string) *inventory.Ledger {
	t.Helper()
	ctx := context.Background()
	l, err := inventory.New(ctx, memory.NewInventory(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
		t.Fatal(err)
	}
	for _, s := range skus {
		if err := l.DefineSKUs(ctx, omnikit.SKU(s)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: omnikit.SKU(s), Qty: qty}}}); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// A Reserve remembers the last SKU it found defined, for the next
// command; what one ledger knows must not pass for what another does.
func TestReserveKnowsSKUsPerLedger(t *testing.T) {
	ctx := context.Background()
	a, b := stockedLedger(t, 100, "X"), stockedLedger(t, 100, "Y")
	line := func(sku, loc string) inventory.ReserveRequest {
		return inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc), Qty: 1}}}
	}
	for range 20 {
		if _, err := a.Reserve(ctx, line("X", "wh")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Reserve(ctx, line("X", "wh")); !errors.Is(err, inventory.ErrUnknownSKU) {
			t.Fatalf("ledger b reserved ledger a's SKU: %v, want ErrUnknownSKU", err)
		}
		if _, err := a.Reserve(ctx, line("X", "s1")); !errors.Is(err, inventory.ErrUnknownLocation) {
			t.Fatalf("a known SKU at an unknown location: %v, want ErrUnknownLocation", err)
		}
		if _, err := b.Reserve(ctx, line("Y", "wh")); err != nil {
			t.Fatal(err)
		}
	}
}

// The default IDs come from blocks of counters that pooled commands take
// from their Ledger: IDs of two ledgers, or of many goroutines on one,
// never repeat, and each has the documented shape.
func TestDefaultIDsUnique(t *testing.T) {
	ctx := context.Background()
	shape := regexp.MustCompile(`^res_[0-9a-z]+_[0-9a-f]{16}$`)
	seen := map[inventory.ReservationID]bool{}
	var mu sync.Mutex
	for range 2 {
		l := stockedLedger(t, 10_000, "A")
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 300 {
					r, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[r.ID] || !shape.MatchString(string(r.ID)) {
						t.Errorf("ID %q repeated or of another shape", r.ID)
					}
					seen[r.ID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if err := l.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 2*8*300 {
		t.Fatalf("%d IDs, want %d", len(seen), 2*8*300)
	}
}
