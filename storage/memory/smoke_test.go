package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	clk := omnikit.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := inventory.New(ctx, memory.NewInventory(), &inventory.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}))
	must(l.DefineLocation(ctx, inventory.Location{ID: "st", Type: inventory.TypeStore}))
	must(l.DefineSKUs(ctx, "A", "B"))
	must(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "st"}, Rule: inventory.ChannelRule{StoreThreshold: 2}}))
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 10}}})
	must(err)
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "st", Lines: []inventory.Line{{SKU: "A", Qty: 5}}})
	must(err)
	n, err := l.ChannelAvailability(ctx, "web", "A")
	must(err)
	if n != 13 {
		t.Fatalf("web A = %d, want 13", n)
	}
	r, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 4}}, ExpiresAt: clk.Now().Add(time.Minute)})
	must(err)
	_, err = l.Commit(ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}})
	must(err)
	clk.Advance(time.Minute)
	n, err = l.ChannelAvailability(ctx, "web", "A")
	must(err)
	if n != 12 {
		t.Fatalf("web A = %d, want 12", n)
	}
	must(l.Verify(ctx))
	ch, err := l.Changes(ctx, 0, 100)
	must(err)
	for _, e := range ch {
		t.Logf("%d %s %v %v", e.Seq, e.Kind, e.Postings, e.Availability)
	}
}
