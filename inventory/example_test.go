package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

// check stops an example at its first error, to keep the examples short;
// real code handles each error.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// newLedger returns a ledger on the in-memory store whose clock only moves
// when told to, so that the examples print the same thing every time.
func newLedger(ctx context.Context) (*inventory.Ledger, *omnikit.ManualClock) {
	clock := omnikit.NewManualClock(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	l, err := inventory.New(ctx, memory.NewInventory(), &inventory.Options{Clock: clock})
	check(err)
	return l, clock
}

// A click & collect order holds units at the store that hands them over:
// the store's ATP and every channel that sees the store drop at once, and
// the units leave the book when the customer collects them.
func Example_clickAndCollect() {
	ctx := context.Background()
	l, clock := newLedger(ctx)

	check(l.DefineLocation(ctx, inventory.Location{ID: "wh", Name: "Warehouse", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}))
	check(l.DefineLocation(ctx, inventory.Location{ID: "lyon", Name: "Lyon store", Type: inventory.TypeStore, Capabilities: inventory.CanPickup}))
	check(l.DefineSKUs(ctx, "hoodie-m"))
	// The web shop sees the warehouse and the store, but leaves the last
	// two units on the store's shelf for walk-in customers.
	check(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "lyon"},
		Rule: inventory.ChannelRule{StoreThreshold: 2}}))

	_, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "hoodie-m", Qty: 10}}})
	check(err)
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "lyon", Lines: []inventory.Line{{SKU: "hoodie-m", Qty: 5}}})
	check(err)

	show := func(when string) {
		a, err := l.Availability(ctx, "hoodie-m", "lyon")
		check(err)
		web, err := l.ChannelAvailability(ctx, "web", "hoodie-m")
		check(err)
		fmt.Printf("%-10s lyon sellable %d reserved %d atp %d | web %d\n", when, a.Sellable, a.Reserved, a.ATP, web)
	}
	show("received")

	store, err := l.Location("lyon")
	check(err)
	fmt.Println("lyon hands over click & collect:", store.Capabilities.Has(inventory.CanPickup))

	// The order is held at the store for two days.
	r, err := l.Reserve(ctx, inventory.ReserveRequest{
		ID:        "cc-1001",
		Owner:     "order-1001",
		Lines:     []inventory.LocatedLine{{SKU: "hoodie-m", Location: "lyon", Qty: 2}},
		ExpiresAt: clock.Now().Add(48 * time.Hour),
	})
	check(err)
	fmt.Printf("%s %s, %d open, expires %s\n", r.ID, r.State, r.Open(), r.ExpiresAt.Format(time.DateTime))
	show("reserved")

	// The customer comes the next day and collects the order.
	clock.Advance(26 * time.Hour)
	_, err = l.Commit(ctx, inventory.SettleRequest{ID: r.ID, Reference: "collected at the desk"})
	check(err)
	r, err = l.Reservation(ctx, r.ID)
	check(err)
	fmt.Printf("%s %s at %s\n", r.ID, r.State, r.EndedAt.Format(time.DateTime))
	show("collected")

	// Output:
	// received   lyon sellable 5 reserved 0 atp 5 | web 13
	// lyon hands over click & collect: true
	// cc-1001 active, 2 open, expires 2026-03-16 09:00:00
	// reserved   lyon sellable 3 reserved 2 atp 3 | web 11
	// cc-1001 committed at 2026-03-15 11:00:00
	// collected  lyon sellable 3 reserved 0 atp 3 | web 11
}

// A marketplace channel is shown less than the web shop: a percentage and a
// number of units are withheld so that it does not oversell while its feed
// lags, and a cap limits what it may sell at all. The change feed tells a
// feed publisher what each channel's availability became.
func Example_marketplaceBuffer() {
	ctx := context.Background()
	l, _ := newLedger(ctx)

	check(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}))
	check(l.DefineLocation(ctx, inventory.Location{ID: "paris", Type: inventory.TypeStore}))
	check(l.DefineSKUs(ctx, "sneaker-42", "tee-white"))
	pool := []omnikit.LocationID{"wh", "paris"}
	check(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: pool,
		Rule: inventory.ChannelRule{StoreThreshold: 2}}))
	check(l.DefineChannel(ctx, inventory.Channel{ID: "marketplace", Pool: pool,
		Rule: inventory.ChannelRule{StoreThreshold: 2, BufferPercent: 20, BufferUnits: 1, Cap: 25}}))

	_, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{
		{SKU: "sneaker-42", Qty: 10}, {SKU: "tee-white", Qty: 40}}})
	check(err)
	last, err := l.Receive(ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{
		{SKU: "sneaker-42", Qty: 6}, {SKU: "tee-white", Qty: 3}}})
	check(err)

	for _, sku := range []omnikit.SKU{"sneaker-42", "tee-white"} {
		web, err := l.ChannelAvailability(ctx, "web", sku)
		check(err)
		mkt, err := l.ChannelAvailability(ctx, "marketplace", sku)
		check(err)
		fmt.Printf("%-10s web %2d  marketplace %2d\n", sku, web, mkt)
	}

	// A feed publisher keeps the sequence number of the last entry it
	// handled; here it has caught up with the receipts.
	cursor := last.Seq

	// The Paris store sells three pairs of sneakers at the till.
	_, err = l.Sell(ctx, inventory.StockRequest{Location: "paris", Reference: "till-7",
		Lines: []inventory.Line{{SKU: "sneaker-42", Qty: 3}}})
	check(err)

	for {
		entries, err := l.Changes(ctx, cursor, 100)
		check(err)
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			fmt.Printf("feed #%d %s %s:\n", e.Seq, e.Kind, e.Reference)
			for _, lv := range e.Availability {
				fmt.Printf("  %s %s -> %d\n", lv.Channel, lv.SKU, lv.Available)
			}
			cursor = e.Seq
		}
	}

	// Output:
	// sneaker-42 web 14  marketplace 10
	// tee-white  web 41  marketplace 25
	// feed #3 sale till-7:
	//   marketplace sneaker-42 -> 7
	//   web sneaker-42 -> 11
}

// A reservation is all or nothing. When some lines cannot be covered, the
// *ShortageError names every short line with what its location could
// promise, and nothing is reserved.
func ExampleLedger_Reserve_shortage() {
	ctx := context.Background()
	l, _ := newLedger(ctx)

	check(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}))
	check(l.DefineSKUs(ctx, "hoodie-m", "socks", "tee-white"))
	_, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{
		{SKU: "hoodie-m", Qty: 3}, {SKU: "socks", Qty: 2}, {SKU: "tee-white", Qty: 10}}})
	check(err)
	// One pair of socks is held back from every promise.
	check(l.SetSafetyStock(ctx, inventory.SafetyStock{SKU: "socks", Location: "wh", Qty: 1}))

	_, err = l.Reserve(ctx, inventory.ReserveRequest{Owner: "cart-42", Lines: []inventory.LocatedLine{
		{SKU: "hoodie-m", Location: "wh", Qty: 5},
		{SKU: "socks", Location: "wh", Qty: 2},
		{SKU: "tee-white", Location: "wh", Qty: 1},
	}})
	var short *inventory.ShortageError
	if errors.As(err, &short) {
		fmt.Println("insufficient stock:", errors.Is(err, inventory.ErrInsufficientStock))
		for _, s := range short.Lines {
			fmt.Printf("  %s at %s: requested %d, available %d\n", s.SKU, s.Location, s.Requested, s.Available)
		}
	}

	tee, err := l.Availability(ctx, "tee-white", "wh")
	check(err)
	fmt.Println("tee-white reserved:", tee.Reserved)

	// Output:
	// insufficient stock: true
	//   hoodie-m at wh: requested 5, available 3
	//   socks at wh: requested 2, available 1
	// tee-white reserved: 0
}

// A till sale records what already happened, so it is never refused: when
// the book has fewer units than were sold, the sellable balance goes below
// zero, the entry flags the account and Discrepancies lists it until a count
// puts it right. Channels count the negative balance as zero units.
func ExampleLedger_Sell_discrepancy() {
	ctx := context.Background()
	l, _ := newLedger(ctx)

	check(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}))
	check(l.DefineLocation(ctx, inventory.Location{ID: "lyon", Type: inventory.TypeStore}))
	check(l.DefineSKUs(ctx, "hoodie-m"))
	check(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "lyon"}}))
	_, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "hoodie-m", Qty: 4}}})
	check(err)
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "lyon", Lines: []inventory.Line{{SKU: "hoodie-m", Qty: 1}}})
	check(err)

	// The book says the store has one hoodie; the till sells three.
	e, err := l.Sell(ctx, inventory.StockRequest{Location: "lyon", Reference: "till-3",
		Lines: []inventory.Line{{SKU: "hoodie-m", Qty: 3}}})
	check(err)
	fmt.Println("sale flagged:", e.Flagged)

	d, err := l.Discrepancies(ctx)
	check(err)
	for _, b := range d {
		fmt.Println("discrepancy:", b.Account, b.Qty)
	}
	web, err := l.ChannelAvailability(ctx, "web", "hoodie-m")
	check(err)
	fmt.Println("web:", web)

	// A count of the shelf finds none left: the balance is back to zero.
	_, err = l.Count(ctx, inventory.CountRequest{Location: "lyon", Reference: "count-1",
		Lines: []inventory.CountLine{{SKU: "hoodie-m", OnHand: 0}}})
	check(err)
	d, err = l.Discrepancies(ctx)
	check(err)
	fmt.Println("discrepancies after the count:", len(d))

	// Output:
	// sale flagged: [hoodie-m@lyon/sellable]
	// discrepancy: hoodie-m@lyon/sellable -2
	// web: 4
	// discrepancies after the count: 0
}

// ATPs reads what a router may promise, for many SKUs and locations in one
// view.
func ExampleLedger_ATPs() {
	ctx := context.Background()
	l, _ := inventory.New(ctx, memory.NewInventory(), nil)
	_ = l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip})
	_ = l.DefineLocation(ctx, inventory.Location{ID: "paris", Type: inventory.TypeStore, Capabilities: inventory.CanPickup})
	_ = l.DefineSKUs(ctx, "mug", "tea")
	_, _ = l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "mug", Qty: 7}, {SKU: "tea", Qty: 2}}})
	_, _ = l.Receive(ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{{SKU: "mug", Qty: 3}}})
	_ = l.SetSafetyStock(ctx, inventory.SafetyStock{SKU: "mug", Location: "paris", Qty: 1})
	atp, _ := l.ATPs(ctx, []omnikit.SKU{"mug", "tea"}, []omnikit.LocationID{"wh", "paris"})
	fmt.Println(atp)
	_, err := l.ATPs(ctx, []omnikit.SKU{"mug"}, []omnikit.LocationID{"nowhere"})
	fmt.Println(errors.Is(err, inventory.ErrUnknownLocation))
	// Output:
	// [[7 2] [2 0]]
	// true
}
