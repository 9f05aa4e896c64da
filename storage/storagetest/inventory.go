package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// InventoryHarness makes stores for the inventory conformance suite.
type InventoryHarness struct {
	// NewStore returns a new, empty store. It is called once per test or benchmark;
	// the harness cleans it up with t.Cleanup.
	NewStore func(tb testing.TB) inventory.Store
	// Reopen, when set, closes store and opens the same database again
	// (a new connection, pool or file handle), for the tests of what
	// survives a reconnect. Adapters without persistence leave it nil and
	// those tests are skipped.
	Reopen func(tb testing.TB, store inventory.Store) inventory.Store
}

// RunInventory runs the whole inventory conformance suite against the
// stores h makes. An adapter's conformance test is one call:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunInventory(t, storagetest.InventoryHarness{NewStore: ...})
//	}
func RunInventory(t *testing.T, h InventoryHarness) {
	t.Run("Scenarios", func(t *testing.T) { testInventoryScenarios(t, h) })
	t.Run("Model", func(t *testing.T) { testInventoryModel(t, h) })
	t.Run("Concurrency", func(t *testing.T) { testInventoryConcurrency(t, h) })
	t.Run("Linearizable", func(t *testing.T) { testInventoryLinearizable(t, h) })
	t.Run("GroupCommit", func(t *testing.T) { testInventoryGroupCommit(t, h) })
	t.Run("Faults", func(t *testing.T) { testInventoryFaults(t, h) })
	t.Run("Reconnect", func(t *testing.T) { testInventoryReconnect(t, h) })
	t.Run("Contention", func(t *testing.T) { testInventoryContention(t, h) })
}

// epoch is the start of every test's manual clock.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newLedger opens a ledger on a new store with a manual clock.
func newLedger(t *testing.T, h InventoryHarness) (*inventory.Ledger, *omnikit.ManualClock) {
	t.Helper()
	clk := omnikit.NewManualClock(epoch)
	l, err := inventory.New(context.Background(), h.NewStore(t), &inventory.Options{Clock: clk})
	if err != nil {
		t.Fatalf("inventory.New: %v", err)
	}
	return l, clk
}
