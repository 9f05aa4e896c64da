package memory

import (
	"context"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// TestRecordSizes backs the package documentation's figures: a
// reservation's entry takes ~35 bytes and a reservation record ~45, since
// records hold numbers for their SKU, location, channel and ID prefix (the
// strings took ~90 and ~75). It fails if an encoding grows back.
func TestRecordSizes(t *testing.T) {
	ctx := context.Background()
	s := NewInventory()
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []inventory.Location{{ID: "wh", Type: inventory.TypeWarehouse}, {ID: "s1", Type: inventory.TypeStore}} {
		if err := l.DefineLocation(ctx, loc); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "s1"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineSKUs(ctx, "SKU-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "SKU-0", Qty: inventory.MaxQty}}}); err != nil {
		t.Fatal(err)
	}
	entriesBefore, resBefore := chunkBytes(s.entries.chunks), chunkBytes(s.reservations.chunks)
	const n = 2000
	for range n {
		r, err := l.Reserve(ctx, inventory.ReserveRequest{Owner: "cart-123", Lines: []inventory.LocatedLine{{SKU: "SKU-0", Location: "wh", Qty: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Commit(ctx, inventory.SettleRequest{ID: r.ID}); err != nil {
			t.Fatal(err)
		}
	}
	perEntry := float64(chunkBytes(s.entries.chunks)-entriesBefore) / (2 * n)
	perRecord := float64(chunkBytes(s.reservations.chunks)-resBefore) / (2 * n) // active, then committed
	t.Logf("%.1f bytes per entry, %.1f per reservation record", perEntry, perRecord)
	if perEntry > 40 {
		t.Errorf("%.1f bytes per entry of a one-line reservation or commit, want at most 40", perEntry)
	}
	if perRecord > 50 {
		t.Errorf("%.1f bytes per reservation record, want at most 50", perRecord)
	}
}

func chunkBytes(chunks [][]byte) (n int) {
	for _, c := range chunks {
		n += len(c)
	}
	return n
}
