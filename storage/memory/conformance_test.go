package memory_test

import (
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/memory"
	"github.com/omnikit/omnikit/storage/storagetest"
)

func TestInventoryConformance(t *testing.T) {
	storagetest.RunInventory(t, storagetest.InventoryHarness{NewStore: func(testing.TB) inventory.Store { return memory.NewInventory() }})
}

func TestOrdersConformance(t *testing.T) {
	storagetest.RunOrders(t, storagetest.OrdersHarness{NewStores: func(testing.TB) (inventory.Store, orders.Store) {
		return memory.NewInventory(), memory.NewOrders()
	}})
}
