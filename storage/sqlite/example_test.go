package sqlite_test

import (
	"context"
	"fmt"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/sqlite"
)

// A ledger on an in-memory SQLite database: define a location and a SKU,
// receive stock, reserve some and read the availability back. A file
// database is opened the same way with a path, such as "inventory.db".
func ExampleOpen() {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:", nil)
	if err != nil {
		panic(err)
	}
	defer store.Close()
	l, err := inventory.New(ctx, store, nil)
	if err != nil {
		panic(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh-1", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
		panic(err)
	}
	if err := l.DefineSKUs(ctx, "mug-blue"); err != nil {
		panic(err)
	}
	if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh-1", Lines: []inventory.Line{{SKU: "mug-blue", Qty: 12}}}); err != nil {
		panic(err)
	}
	r, err := l.Reserve(ctx, inventory.ReserveRequest{ID: "cart-42", Lines: []inventory.LocatedLine{{SKU: "mug-blue", Location: "wh-1", Qty: 3}}})
	if err != nil {
		panic(err)
	}
	a, err := l.Availability(ctx, "mug-blue", "wh-1")
	if err != nil {
		panic(err)
	}
	last, err := l.LastSeq(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s holds %d; %s at %s: %d sellable, %d reserved, %d to promise\n", r.ID, r.Open(), a.SKU, a.Location, a.Sellable, a.Reserved, a.ATP)
	fmt.Println("entries:", last, "verify:", l.Verify(ctx))
	// Output:
	// cart-42 holds 3; mug-blue at wh-1: 9 sellable, 3 reserved, 9 to promise
	// entries: 2 verify: <nil>
}
