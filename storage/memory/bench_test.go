package memory_test

import (
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/memory"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// BenchmarkInventory runs the shared inventory benchmarks on the memory
// store, each next to its baseline. See BENCHMARKS.md.
func BenchmarkInventory(b *testing.B) {
	storagetest.BenchmarkInventory(b, storagetest.InventoryHarness{NewStore: func(testing.TB) inventory.Store { return memory.NewInventory() }})
}

// BenchmarkOrders runs the shared orders benchmarks on the memory stores,
// each next to its baseline. See BENCHMARKS.md.
func BenchmarkOrders(b *testing.B) {
	storagetest.BenchmarkOrders(b, storagetest.OrdersHarness{NewStores: func(testing.TB) (inventory.Store, orders.Store) {
		return memory.NewInventory(), memory.NewOrders()
	}})
}
