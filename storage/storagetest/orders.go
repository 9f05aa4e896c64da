package storagetest

import (
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
)

// OrdersHarness tells the orders suite how to make stores.
type OrdersHarness struct {
	// NewStores returns a new, empty inventory store and orders store on
	// one database. It is called once per test or benchmark; the harness
	// cleans them up with tb.Cleanup.
	NewStores func(tb testing.TB) (inventory.Store, orders.Store)
	// GroupCommit configures the ledgers the suite and BenchmarkOrders
	// open on the stores (the zero value is the ledger's default).
	GroupCommit inventory.GroupCommit
}

// RunOrders runs the whole orders conformance suite against the stores h
// makes: the Store contract itself, then the orders.Service on top of it.
func RunOrders(t *testing.T, h OrdersHarness) {
	t.Run("Store", func(t *testing.T) { testOrdersStore(t, h) })
	t.Run("Scenarios", func(t *testing.T) { testOrdersScenarios(t, h) })
	t.Run("Model", func(t *testing.T) { testOrdersModel(t, h) })
}
