package memory

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Write transactions are pooled with their undo logs: a failed
// transaction must undo its own writes and none of an earlier one's, and
// one kept past its Update must refuse to be used.
func TestWriteTxPooled(t *testing.T) {
	ctx := context.Background()
	s := NewInventory()
	acct := inventory.Account{SKU: "A", Location: "wh", Bucket: inventory.Sellable}
	supplier := inventory.Account{SKU: "A", Location: "wh", Bucket: inventory.Supplier}
	errBoom := errors.New("boom")
	want, seq := int64(0), int64(0)
	locations := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		q := int64(rng.IntN(1000))
		loc := inventory.Location{ID: omnikit.LocationID("s" + string(rune('a'+i%26))), Type: inventory.TypeStore}
		fail := rng.IntN(2) == 0
		var kept inventory.Tx
		err := s.Update(ctx, nil, func(tx inventory.Tx) error {
			kept = tx
			e := &inventory.Entry{Kind: inventory.KindReceive, Postings: []inventory.Posting{{From: supplier, To: acct, Qty: q}}}
			if err := tx.Append(e, []inventory.Balance{{Account: acct, Qty: q}, {Account: supplier, Qty: -q}}); err != nil {
				return err
			}
			if err := tx.PutLocation(loc); err != nil {
				return err
			}
			if fail {
				return errBoom
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("round %d: Update = %v, want failure %v", i, err, fail)
		}
		if !fail {
			want, seq, locations[string(loc.ID)] = q, seq+1, true
		}
		if _, err := kept.Balance(acct); !errors.Is(err, errClosed) {
			t.Fatalf("round %d: a transaction used after its Update: %v, want errClosed", i, err)
		}
		err = s.View(ctx, func(tx inventory.ReadTx) error {
			got, err := tx.Balance(acct)
			if err != nil {
				return err
			}
			last, err := tx.LastSeq()
			if err != nil {
				return err
			}
			cfg, err := tx.Config()
			if err != nil {
				return err
			}
			if got != want || last != seq || len(cfg.Locations) != len(locations) {
				t.Fatalf("round %d (failed %v): balance %d, last seq %d, %d locations; want %d, %d, %d",
					i, fail, got, last, len(cfg.Locations), want, seq, len(locations))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
