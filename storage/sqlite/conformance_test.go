package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/storage/sqlite"
	"github.com/omnikit/omnikit/storage/storagetest"
)

// fileHarness makes a store on a new file per test, in a temporary
// directory of tb's (of the process's when tb is nil, for benchmarks and
// examples).
func fileHarness(opts *sqlite.Options) storagetest.InventoryHarness {
	return storagetest.InventoryHarness{
		NewStore: func(tb testing.TB) inventory.Store {
			return openFile(tb, tempPath(tb), opts)
		},
		Reopen: func(tb testing.TB, store inventory.Store) inventory.Store {
			s := store.(*sqlite.Inventory)
			if err := s.Close(); err != nil {
				fatal(tb, "Close: %v", err)
			}
			return openFile(tb, s.Path(), opts)
		},
	}
}

func tempPath(tb testing.TB) string {
	if tb == nil {
		dir, err := os.MkdirTemp("", "omnikit-sqlite-")
		if err != nil {
			panic(err)
		}
		return filepath.Join(dir, "inventory.db")
	}
	return filepath.Join(tb.TempDir(), "inventory.db")
}

func openFile(tb testing.TB, path string, opts *sqlite.Options) *sqlite.Inventory {
	s, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		fatal(tb, "Open(%s): %v", path, err)
	}
	if tb != nil {
		tb.Cleanup(func() { s.Close() })
	}
	return s
}

func fatal(tb testing.TB, format string, args ...any) {
	if tb == nil {
		panic(fmt.Sprintf(format, args...))
	}
	tb.Helper()
	tb.Fatalf(format, args...)
}

func TestInventoryConformance(t *testing.T) {
	storagetest.RunInventory(t, fileHarness(nil))
}

func TestInventoryConformanceInMemory(t *testing.T) {
	storagetest.RunInventory(t, storagetest.InventoryHarness{NewStore: func(tb testing.TB) inventory.Store {
		s, err := sqlite.Open(context.Background(), ":memory:", nil)
		if err != nil {
			fatal(tb, "Open(:memory:): %v", err)
		}
		if tb != nil {
			tb.Cleanup(func() { s.Close() })
		}
		return s
	}})
}

func TestOrdersConformance(t *testing.T) {
	storagetest.RunOrders(t, storagetest.OrdersHarness{NewStores: func(tb testing.TB) (inventory.Store, orders.Store) {
		s := openFile(tb, tempPath(tb), nil)
		return s, s.Orders()
	}})
}

func TestOrdersConformanceInMemory(t *testing.T) {
	storagetest.RunOrders(t, storagetest.OrdersHarness{NewStores: func(tb testing.TB) (inventory.Store, orders.Store) {
		s, err := sqlite.Open(context.Background(), ":memory:", nil)
		if err != nil {
			fatal(tb, "Open(:memory:): %v", err)
		}
		if tb != nil {
			tb.Cleanup(func() { s.Close() })
		}
		return s, s.Orders()
	}})
}
