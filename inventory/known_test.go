package inventory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

// A Reserve remembers the last SKU it found defined, for the next
// command; what one ledger knows must not pass for what another does.
func TestReserveKnowsSKUsPerLedger(t *testing.T) {
	ctx := context.Background()
	newLedger := func(skus ...string) *inventory.Ledger {
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
			if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: omnikit.SKU(s), Qty: 100}}}); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	a, b := newLedger("X"), newLedger("Y")
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
