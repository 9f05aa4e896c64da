package postgres

import (
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/storagetest"
)

func TestInventoryConformance(t *testing.T) {
	testDSN(t)
	storagetest.RunInventory(t, harness())
}

func TestOrdersConformance(t *testing.T) {
	testDSN(t)
	storagetest.RunOrders(t, storagetest.OrdersHarness{NewStores: func(tb testing.TB) (inventory.Store, orders.Store) {
		s := newTestStore(tb, nil)
		return s, s.Orders()
	}})
}
