package memory

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Verify must catch a store whose state drifted from its entries; only the
// adapter's own test can corrupt it.
func TestVerifyCatchesCorruption(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*Inventory, *inventory.Ledger, inventory.Reservation) {
		s := NewInventory()
		l, err := inventory.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineSKUs(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 5}}}); err != nil {
			t.Fatal(err)
		}
		r, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Verify(ctx); err != nil {
			t.Fatalf("clean store: %v", err)
		}
		return s, l, r
	}
	sellable := inventory.Account{SKU: "A", Location: "wh", Bucket: inventory.Sellable}
	for _, c := range []struct {
		name    string
		corrupt func(s *Inventory, r inventory.Reservation)
		want    string
	}{
		{"balance", func(s *Inventory, _ inventory.Reservation) { s.corruptBalance(sellable, 1) }, "entries sum to"},
		{"channel sum", func(s *Inventory, _ inventory.Reservation) { s.corruptChannelRaw("web", "A", 7) }, "channel web sum of A"},
		{"reservation", func(s *Inventory, r inventory.Reservation) {
			r.Lines[0].Committed = 1
			s.corruptReservation(r)
		}, "active reservations hold"},
		{"lost entry", func(s *Inventory, _ inventory.Reservation) { s.entries.rollback(mark{n: 1, chunks: 1, fill: 0}) }, "entries sum to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, l, r := setup(t)
			c.corrupt(s, r)
			err := l.Verify(ctx)
			var ve *inventory.VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, inventory.ErrVerifyFailed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Verify = %v, want a *VerifyError mentioning %q", err, c.want)
			}
		})
	}
}
