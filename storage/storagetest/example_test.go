package storagetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// A harness makes one new, empty store per test. This is the harness of the
// in-memory adapter; its conformance test passes it to RunInventory.
func ExampleInventoryHarness() {
	h := storagetest.InventoryHarness{NewStore: func(testing.TB) inventory.Store { return memory.NewInventory() }}
	// In a test: storagetest.RunInventory(t, h)
	l, err := inventory.New(context.Background(), h.NewStore(nil), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("a new store verifies clean:", l.Verify(context.Background()) == nil)
	// Output: a new store verifies clean: true
}
