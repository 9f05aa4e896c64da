// Command unifiedstock is a first omnikit program: one stock ledger for a
// warehouse and two stores, sold through a web shop, an app, a marketplace
// and each store's till. It receives stock, takes a few orders and prints
// what every channel may sell.
//
//	go run ./examples/unifiedstock
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/examples/internal/report"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "unifiedstock:", err)
		os.Exit(1)
	}
}

// The network.
const (
	warehouse omnikit.LocationID = "warehouse"
	lyon      omnikit.LocationID = "store-lyon"
	paris     omnikit.LocationID = "store-paris"

	hoodie omnikit.SKU = "hoodie-m"
	tee    omnikit.SKU = "tee-s"
	beanie omnikit.SKU = "beanie"

	web         omnikit.ChannelID = "web"
	app         omnikit.ChannelID = "app"
	marketplace omnikit.ChannelID = "marketplace"
	posLyon     omnikit.ChannelID = "pos-lyon"
	posParis    omnikit.ChannelID = "pos-paris"
)

var (
	locations = []omnikit.LocationID{warehouse, lyon, paris}
	skus      = []omnikit.SKU{hoodie, tee, beanie}
	channels  = []omnikit.ChannelID{web, app, marketplace, posLyon, posParis}
)

func run(ctx context.Context, w io.Writer) error {
	// A manual clock fixed at one date keeps the output the same on every run.
	clock := omnikit.NewManualClock(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	// The in-memory store keeps the example free of files. When
	// storage/sqlite lands, the SQLite store will become the embedded
	// default and this is the one line to change.
	ledger, err := inventory.New(ctx, memory.NewInventory(), &inventory.Options{Clock: clock})
	if err != nil {
		return err
	}

	step := func(explanation string) { fmt.Fprintln(w, explanation) }

	step("We open a warehouse and two stores, Lyon and Paris.")
	for _, loc := range []inventory.Location{
		{ID: warehouse, Name: "Central warehouse", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip},
		{ID: lyon, Name: "Lyon store", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.AcceptsReturns},
		{ID: paris, Name: "Paris store", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.AcceptsReturns},
	} {
		if err := ledger.DefineLocation(ctx, loc); err != nil {
			return err
		}
	}

	step("We define three products: a hoodie, a T-shirt and a beanie.")
	if err := ledger.DefineSKUs(ctx, skus...); err != nil {
		return err
	}

	everywhere := []omnikit.LocationID{warehouse, lyon, paris}
	for _, c := range []struct {
		explanation string
		channel     inventory.Channel
	}{
		{"The web shop sells from all three, but leaves the last 2 units of each store on its shelf.",
			inventory.Channel{ID: web, Name: "Web shop", Pool: everywhere, Rule: inventory.ChannelRule{StoreThreshold: 2}}},
		{"The app sells from all three too, but leaves only the last unit of each store.",
			inventory.Channel{ID: app, Name: "Mobile app", Pool: everywhere, Rule: inventory.ChannelRule{StoreThreshold: 1}}},
		{"The marketplace sells from the warehouse only, less a 20% buffer and never more than 25.",
			inventory.Channel{ID: marketplace, Name: "Marketplace", Pool: []omnikit.LocationID{warehouse}, Rule: inventory.ChannelRule{BufferPercent: 20, Cap: 25}}},
		{"The Lyon till sells what is on the Lyon shelves.",
			inventory.Channel{ID: posLyon, Name: "Lyon till", Pool: []omnikit.LocationID{lyon}}},
		{"The Paris till sells what is on the Paris shelves.",
			inventory.Channel{ID: posParis, Name: "Paris till", Pool: []omnikit.LocationID{paris}}},
	} {
		step(c.explanation)
		if err := ledger.DefineChannel(ctx, c.channel); err != nil {
			return err
		}
	}

	for _, d := range []struct {
		explanation string
		delivery    inventory.StockRequest
	}{
		{"The warehouse receives 20 hoodies, 40 T-shirts and 6 beanies.",
			inventory.StockRequest{Location: warehouse, Reference: "delivery-1", Lines: []inventory.Line{{SKU: hoodie, Qty: 20}, {SKU: tee, Qty: 40}, {SKU: beanie, Qty: 6}}}},
		{"The Lyon store receives 6 hoodies, 8 T-shirts and 2 beanies.",
			inventory.StockRequest{Location: lyon, Reference: "delivery-2", Lines: []inventory.Line{{SKU: hoodie, Qty: 6}, {SKU: tee, Qty: 8}, {SKU: beanie, Qty: 2}}}},
		{"The Paris store receives 3 hoodies and 5 T-shirts.",
			inventory.StockRequest{Location: paris, Reference: "delivery-3", Lines: []inventory.Line{{SKU: hoodie, Qty: 3}, {SKU: tee, Qty: 5}}}},
	} {
		step(d.explanation)
		if _, err := ledger.Receive(ctx, d.delivery); err != nil {
			return err
		}
	}

	step("A customer orders 2 hoodies for click & collect in Lyon; the store holds them for 2 days.")
	if _, err := ledger.Reserve(ctx, inventory.ReserveRequest{
		ID: "cc-1001", Owner: "order-1001",
		Lines:     []inventory.LocatedLine{{SKU: hoodie, Location: lyon, Qty: 2}},
		ExpiresAt: clock.Now().Add(48 * time.Hour),
	}); err != nil {
		return err
	}

	step("A web order for 3 T-shirts is reserved at the warehouse.")
	if _, err := ledger.Reserve(ctx, inventory.ReserveRequest{
		ID: "web-1002", Owner: "order-1002",
		Lines:     []inventory.LocatedLine{{SKU: tee, Location: warehouse, Qty: 3}},
		ExpiresAt: clock.Now().Add(24 * time.Hour),
	}); err != nil {
		return err
	}

	step("An app shopper's cart holds a hoodie, 2 T-shirts and a beanie at the warehouse for 30 minutes.")
	if _, err := ledger.Reserve(ctx, inventory.ReserveRequest{
		ID: "cart-77", Owner: "cart-77",
		Lines: []inventory.LocatedLine{
			{SKU: hoodie, Location: warehouse, Qty: 1},
			{SKU: tee, Location: warehouse, Qty: 2},
			{SKU: beanie, Location: warehouse, Qty: 1},
		},
		ExpiresAt: clock.Now().Add(30 * time.Minute),
	}); err != nil {
		return err
	}

	step("Ten minutes pass.")
	clock.Advance(10 * time.Minute)

	step("The warehouse ships 2 of the 3 T-shirts of the web order; the third stays reserved.")
	if _, err := ledger.Commit(ctx, inventory.SettleRequest{
		ID: "web-1002", Reference: "parcel-1",
		Lines: []inventory.LocatedLine{{SKU: tee, Location: warehouse, Qty: 2}},
	}); err != nil {
		return err
	}

	step("The app shopper removes the beanie from the cart; it goes back on sale.")
	if _, err := ledger.Release(ctx, inventory.SettleRequest{
		ID: "cart-77", Reference: "removed from cart",
		Lines: []inventory.LocatedLine{{SKU: beanie, Location: warehouse, Qty: 1}},
	}); err != nil {
		return err
	}

	step("The Lyon store sells 2 hoodies at the till.")
	if _, err := ledger.Sell(ctx, inventory.StockRequest{
		Location: lyon, Reference: "till-lyon-1",
		Lines: []inventory.Line{{SKU: hoodie, Qty: 2}},
	}); err != nil {
		return err
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "What each channel may sell:")
	if err := report.ChannelTable(ctx, w, ledger, channels, skus); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Stock per location:")
	return report.StockTable(ctx, w, ledger, locations, skus, true)
}
