// Command clickcollect tells one omnichannel day in plain words: a
// warehouse and two stores share one stock ledger (inventory.Ledger) and
// one order management system (orders.Service). A web shop sells the stock
// of all three, a marketplace the warehouse's less a buffer. During the day
// an online order is collected in a store (a wrong pickup code is refused),
// an order is split between the warehouse and a store that ships, a store
// cannot find a unit and the OMS corrects its stock and re-routes the unit,
// an uncollected pickup expires and its stock goes back on sale, and a
// marketplace sends the same order twice and gets one. At closing it prints
// the stock per location, what each channel may sell, and how many order
// events the outbox holds for notifications and the marketplace.
//
// By default it runs on an embedded SQLite database in a fresh temporary
// file, removed at exit, so that every run tells the same story:
//
//	go run ./examples/clickcollect
//	go run ./examples/clickcollect -db day.db [-fresh]   # keep the database
//	go run ./examples/clickcollect -memory
//	go run ./examples/clickcollect -postgres "$DSN"
//
// -db refuses a file that already exists unless -fresh deletes it first.
// -postgres works in a new schema, clickcollect_<unix nanoseconds>,
// dropped at exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/examples/internal/report"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
	"github.com/omnikit/omnikit/storage/memory"
	"github.com/omnikit/omnikit/storage/postgres"
	"github.com/omnikit/omnikit/storage/sqlite"
)

// config chooses the stores. The zero value is SQLite in a temporary file.
type config struct {
	// Memory runs on storage/memory.
	Memory bool
	// DBPath is the SQLite file; empty means a new file in a fresh
	// temporary directory, removed at exit.
	DBPath string
	// Fresh deletes DBPath first if it exists.
	Fresh bool
	// Postgres is a PostgreSQL connection string; the program works in a
	// new schema and drops it at exit.
	Postgres string
}

func main() {
	var cfg config
	flag.BoolVar(&cfg.Memory, "memory", false, "keep everything in memory (storage/memory)")
	flag.StringVar(&cfg.DBPath, "db", "", "SQLite database `file` to create and keep (default: a temporary file, removed at exit)")
	flag.BoolVar(&cfg.Fresh, "fresh", false, "delete the -db file first if it exists")
	flag.StringVar(&cfg.Postgres, "postgres", "", "run on PostgreSQL at this `DSN`, in a new schema dropped at exit")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: clickcollect [-db file [-fresh] | -memory | -postgres DSN]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Ctrl-C cancels the run; the deferred clean-up still removes the
	// temporary file or drops the schema.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clickcollect:", err)
		os.Exit(1)
	}
}

// The network, the products and the channels.
const (
	warehouse omnikit.LocationID = "warehouse"
	paris     omnikit.LocationID = "store-paris"
	lyon      omnikit.LocationID = "store-lyon"

	hoodie omnikit.SKU = "hoodie-m"
	tee    omnikit.SKU = "tee-s"
	beanie omnikit.SKU = "beanie"

	web         omnikit.ChannelID = "web"
	marketplace omnikit.ChannelID = "marketplace"

	// pickupWindow is how long a click & collect order waits at the
	// counter.
	pickupWindow = 48 * time.Hour
)

var (
	locations = []omnikit.LocationID{warehouse, paris, lyon}
	skus      = []omnikit.SKU{hoodie, tee, beanie}
	channels  = []omnikit.ChannelID{web, marketplace}

	// Words for the story.
	place = map[omnikit.LocationID]string{warehouse: "the warehouse", paris: "the Paris store", lyon: "the Lyon store"}
	names = map[omnikit.SKU][2]string{hoodie: {"hoodie", "hoodies"}, tee: {"T-shirt", "T-shirts"}, beanie: {"beanie", "beanies"}}

	// A customer in central Paris, and one near Bordeaux (no position known).
	parisCustomer = omnikit.Address{Line1: "12 rue de Rivoli", City: "Paris", PostalCode: "75004", Country: "FR", Geo: omnikit.GeoPoint{Lat: 48.8556, Lng: 2.3590}}
	bordeauxBuyer = omnikit.Address{Line1: "3 cours de l'Intendance", City: "Bordeaux", PostalCode: "33000", Country: "FR"}
)

// stores are the inventory and orders stores the day runs on.
type stores struct {
	inv    inventory.Store
	orders orders.Store
	// desc names the store on the first line of the output.
	desc string
	// groupCommit is the ledger's batching for this store.
	groupCommit inventory.GroupCommit
	// close releases the stores and removes what the run created.
	close func() error
}

// openStores opens the stores cfg chooses.
func openStores(ctx context.Context, cfg config) (*stores, error) {
	switch {
	case cfg.Memory && cfg.Postgres != "":
		return nil, errors.New("choose one of -memory and -postgres")
	case (cfg.Memory || cfg.Postgres != "") && (cfg.DBPath != "" || cfg.Fresh):
		return nil, errors.New("-db and -fresh are for the SQLite store; drop them with -memory or -postgres")
	case cfg.Fresh && cfg.DBPath == "":
		return nil, errors.New("-fresh needs -db (the default temporary file is always fresh)")
	case cfg.Memory:
		return &stores{inv: memory.NewInventory(), orders: memory.NewOrders(), desc: "in memory (storage/memory)", close: func() error { return nil }}, nil
	case cfg.Postgres != "":
		return openPostgres(ctx, cfg.Postgres)
	}
	return openSQLite(ctx, cfg)
}

func openSQLite(ctx context.Context, cfg config) (*stores, error) {
	path, desc := cfg.DBPath, "SQLite, file "+cfg.DBPath
	removeDir := func() error { return nil }
	if path == "" {
		dir, err := os.MkdirTemp("", "clickcollect-")
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "clickcollect.db")
		desc = "SQLite, file " + path + " (temporary, removed at exit)"
		removeDir = func() error { return os.RemoveAll(dir) }
	} else if _, err := os.Stat(path); err == nil {
		if !cfg.Fresh {
			return nil, fmt.Errorf("%s already exists: the story starts from an empty database; pass -fresh to delete it first, or choose another -db", path)
		}
		// The write-ahead log and its index belong to the old database.
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// NORMAL syncs at checkpoints only: an acknowledged command survives a
	// crash of the process, which is enough for a demonstration.
	db, err := sqlite.Open(ctx, path, &sqlite.Options{Synchronous: sqlite.SynchronousNormal})
	if err != nil {
		return nil, errors.Join(err, removeDir())
	}
	return &stores{
		inv: db, orders: db.Orders(), desc: desc,
		// SQLite has one writer: one batch at a time (the default; see
		// storage/sqlite), said here for the reader.
		groupCommit: inventory.GroupCommit{Concurrency: 1},
		close:       func() error { return errors.Join(db.Close(), removeDir()) },
	}, nil
}

func openPostgres(ctx context.Context, dsn string) (*stores, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	schema := fmt.Sprintf("clickcollect_%d", time.Now().UnixNano())
	drop := func() error {
		// Clean up even when ctx was cancelled.
		_, err := pool.Exec(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		pool.Close()
		return err
	}
	db, err := postgres.Open(ctx, pool, &postgres.Options{Schema: schema})
	if err == nil {
		// Migrate creates the schema and its tables in one transaction:
		// when it fails there is nothing to drop.
		err = db.Migrate(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &stores{inv: db, orders: db.Orders(), desc: "PostgreSQL, schema " + schema + " (dropped at exit)", close: drop}, nil
}

// day is the story's state: the ledger, the OMS and the output.
type day struct {
	ctx    context.Context
	w      io.Writer
	clock  *omnikit.ManualClock
	ledger *inventory.Ledger
	oms    *orders.Service
}

func run(ctx context.Context, w io.Writer, cfg config) (err error) {
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.close()) }()
	fmt.Fprintln(w, "Store:", st.desc)

	// A manual clock and numbered orders and pickup codes keep the story
	// the same on every run.
	clock := omnikit.NewManualClock(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	ledger, err := inventory.New(ctx, st.inv, &inventory.Options{Clock: clock, GroupCommit: st.groupCommit})
	if err != nil {
		return err
	}
	orderNo, codeNo := 1000, 0
	oms, err := orders.New(ledger, st.orders, &orders.Options{
		PickupWindow: pickupWindow,
		NewOrderID:   func() orders.OrderID { orderNo++; return orders.OrderID(strconv.Itoa(orderNo)) },
		NewPickupCode: func() string {
			codeNo++
			return fmt.Sprintf("%06d", (codeNo*618_033+271_828)%1_000_000)
		},
	})
	if err != nil {
		return err
	}
	d := &day{ctx: ctx, w: w, clock: clock, ledger: ledger, oms: oms}
	for _, chapter := range []func() error{
		d.open, d.collectInStore, d.splitShipment, d.shortPick, d.expiredPickup, d.marketplaceTwice, d.close,
	} {
		if err := chapter(); err != nil {
			return err
		}
	}
	return nil
}

func (d *day) say(format string, args ...any) { fmt.Fprintf(d.w, format+"\n", args...) }

// open defines the network and receives the morning's stock.
func (d *day) open() error {
	d.say("The network opens.")
	for _, c := range []struct {
		text string
		loc  inventory.Location
	}{
		{"A warehouse near Orléans ships parcels.",
			inventory.Location{ID: warehouse, Name: "Central warehouse", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip, Geo: omnikit.GeoPoint{Lat: 47.9030, Lng: 1.9093}}},
		{"The Paris store offers click & collect and ships online orders from its shelves.",
			inventory.Location{ID: paris, Name: "Paris store", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore | inventory.AcceptsReturns, Geo: omnikit.GeoPoint{Lat: 48.8606, Lng: 2.3376}}},
		{"The Lyon store offers click & collect.",
			inventory.Location{ID: lyon, Name: "Lyon store", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.AcceptsReturns, Geo: omnikit.GeoPoint{Lat: 45.7640, Lng: 4.8357}}},
	} {
		d.say("%s", c.text)
		if err := d.ledger.DefineLocation(d.ctx, c.loc); err != nil {
			return err
		}
	}
	d.say("We sell a hoodie, a T-shirt and a beanie.")
	if err := d.ledger.DefineSKUs(d.ctx, skus...); err != nil {
		return err
	}
	for _, c := range []struct {
		text string
		ch   inventory.Channel
	}{
		{"The web shop sells the stock of all three locations.",
			inventory.Channel{ID: web, Name: "Web shop", Pool: locations}},
		{"The marketplace sells the warehouse's stock only, less 10% and 2 more units kept back.",
			inventory.Channel{ID: marketplace, Name: "Marketplace", Pool: []omnikit.LocationID{warehouse}, Rule: inventory.ChannelRule{BufferPercent: 10, BufferUnits: 2}}},
	} {
		d.say("%s", c.text)
		if err := d.ledger.DefineChannel(d.ctx, c.ch); err != nil {
			return err
		}
	}
	for _, r := range []inventory.StockRequest{
		{Location: warehouse, Reference: "delivery-1", Lines: []inventory.Line{{SKU: hoodie, Qty: 20}, {SKU: tee, Qty: 30}}},
		{Location: paris, Reference: "delivery-2", Lines: []inventory.Line{{SKU: hoodie, Qty: 4}, {SKU: beanie, Qty: 3}}},
		{Location: lyon, Reference: "delivery-3", Lines: []inventory.Line{{SKU: hoodie, Qty: 5}, {SKU: tee, Qty: 6}, {SKU: beanie, Qty: 2}}},
	} {
		var what []string
		for _, l := range r.Lines {
			what = append(what, units(l.SKU, l.Qty))
		}
		d.say("%s receives %s.", capital(place[r.Location]), list(what))
		if _, err := d.ledger.Receive(d.ctx, r); err != nil {
			return err
		}
	}
	d.say("")
	d.say("What each channel may sell at opening:")
	return report.ChannelTable(d.ctx, d.w, d.ledger, channels, skus)
}

// collectInStore: an online order is collected in Lyon.
func (d *day) collectInStore() error {
	d.clock.Advance(time.Hour)
	d.say("")
	d.say("A web customer orders 2 hoodies to collect in Lyon.")
	o, err := d.placeWeb("customer-17", orders.Delivery{Method: routing.Pickup, Store: lyon}, []orders.LineRequest{{SKU: hoodie, Qty: 2, UnitPrice: euros("49.00")}})
	if err != nil {
		return err
	}
	f := o.Fulfilments[0]
	total, err := o.Total()
	if err != nil {
		return err
	}
	a, err := d.ledger.Availability(d.ctx, hoodie, lyon)
	if err != nil {
		return err
	}
	d.say("  Order %s, %s: the Lyon store holds %s for it; %d remain on sale there.", o.ID, total, units(hoodie, a.Reserved), a.Sellable)
	if o, err = d.prepare(o.ID, f.ID); err != nil {
		return err
	}
	f = *o.Fulfilment(f.ID)
	if o, err = d.oms.ReadyForPickup(d.ctx, o.ID, f.ID); err != nil {
		return err
	}
	f = *o.Fulfilment(f.ID)
	d.say("  The parcel waits at the counter with pickup code %s, until %s.", f.PickupCode, f.PickupBy.Format("Mon 2 Jan 15:04"))
	d.clock.Advance(3 * time.Hour)
	if _, err := d.oms.Collect(d.ctx, o.ID, f.ID, "000000"); !errors.Is(err, orders.ErrPickupCode) {
		return fmt.Errorf("a wrong pickup code was not refused: %v", err)
	}
	d.say("  Someone shows the code 000000: refused, the parcel stays at the counter.")
	if o, err = d.oms.Collect(d.ctx, o.ID, f.ID, f.PickupCode); err != nil {
		return err
	}
	if a, err = d.ledger.Availability(d.ctx, hoodie, lyon); err != nil {
		return err
	}
	d.say("  The customer shows %s and takes the hoodies. Order %s is %s; Lyon has %d hoodies left, %d reserved.", f.PickupCode, o.ID, o.State, a.Sellable, a.Reserved)
	return nil
}

// placeWeb places a web order of one delivery group: the request every
// scene but the marketplace one makes.
func (d *day) placeWeb(customer string, del orders.Delivery, lines []orders.LineRequest) (orders.Order, error) {
	return d.oms.Place(d.ctx, orders.PlaceRequest{Channel: web, CustomerID: customer, Groups: []orders.GroupRequest{{Delivery: del, Lines: lines}}})
}

// prepare has a location accept, pick and pack a fulfilment.
func (d *day) prepare(id orders.OrderID, f orders.FulfilmentID) (orders.Order, error) {
	if _, err := d.oms.Accept(d.ctx, id, f); err != nil {
		return orders.Order{}, err
	}
	if _, err := d.oms.StartPicking(d.ctx, id, f); err != nil {
		return orders.Order{}, err
	}
	o, err := d.oms.Pack(d.ctx, id, f)
	if err != nil {
		return orders.Order{}, err
	}
	fo := o.Fulfilment(f)
	what := "the order"
	if fo.Method == routing.Ship {
		what = "parcel " + string(fo.ID)
	}
	d.say("  %s accepts %s, picks and packs %s.", capital(place[fo.Location]), what, fulfilmentUnits(fo))
	return o, nil
}

// shipAndDeliver prepares, ships and delivers a fulfilment.
func (d *day) shipAndDeliver(id orders.OrderID, f orders.FulfilmentID) (orders.Order, error) {
	if _, err := d.prepare(id, f); err != nil {
		return orders.Order{}, err
	}
	if _, err := d.oms.Ship(d.ctx, id, f, "TRK-"+string(id)+"-"+string(f)); err != nil {
		return orders.Order{}, err
	}
	return d.oms.Deliver(d.ctx, id, f)
}

// splitShipment: no location holds a whole order; it ships in two parcels.
func (d *day) splitShipment() error {
	d.clock.Advance(time.Hour)
	d.say("")
	d.say("A web customer in Paris orders 2 T-shirts and a beanie, delivered home.")
	o, err := d.placeWeb("customer-23", orders.Delivery{Method: routing.Ship, Address: parisCustomer}, []orders.LineRequest{
		{SKU: tee, Qty: 2, UnitPrice: euros("19.00")},
		{SKU: beanie, Qty: 1, UnitPrice: euros("15.00"), Discount: euros("3.00")},
	})
	if err != nil {
		return err
	}
	total, err := o.Total()
	if err != nil {
		return err
	}
	d.say("  Order %s, %s. Only the warehouse has T-shirts to ship and only the Paris store has beanies: the order is split.", o.ID, total)
	for _, f := range o.Fulfilments {
		d.say("  Parcel %s: %s ships %s.", f.ID, place[f.Location], fulfilmentUnits(&f))
	}
	for _, f := range o.Fulfilments {
		if o, err = d.shipAndDeliver(o.ID, f.ID); err != nil {
			return err
		}
	}
	d.say("  Both parcels are shipped and delivered. Order %s is %s.", o.ID, o.State)
	return nil
}

// shortPick: the Paris store cannot find a unit; the OMS corrects its stock
// and re-routes the unit to the warehouse.
func (d *day) shortPick() error {
	d.clock.Advance(time.Hour)
	d.say("")
	d.say("Another web customer in Paris orders a hoodie, delivered home.")
	o, err := d.placeWeb("customer-31", orders.Delivery{Method: routing.Ship, Address: parisCustomer}, []orders.LineRequest{{SKU: hoodie, Qty: 1, UnitPrice: euros("49.00")}})
	if err != nil {
		return err
	}
	f := o.Fulfilments[0]
	before, err := d.ledger.Availability(d.ctx, hoodie, f.Location)
	if err != nil {
		return err
	}
	d.say("  Order %s: %s is nearest and has %d hoodies; it reserves 1 (%d on sale, %d reserved).", o.ID, place[f.Location], before.Sellable+before.Reserved, before.Sellable, before.Reserved)
	if _, err := d.oms.Accept(d.ctx, o.ID, f.ID); err != nil {
		return err
	}
	if _, err := d.oms.StartPicking(d.ctx, o.ID, f.ID); err != nil {
		return err
	}
	if o, err = d.oms.Reject(d.ctx, o.ID, f.ID, orders.RejectRequest{Reason: "not on the shelf"}); err != nil {
		return err
	}
	after, err := d.ledger.Availability(d.ctx, hoodie, f.Location)
	if err != nil {
		return err
	}
	d.say("  %s accepts parcel %s but cannot find the hoodie on the shelf, and rejects the line.", capital(place[f.Location]), f.ID)
	d.say("  The OMS writes the missing hoodie off: %s now counts %d on sale, %d reserved.", place[f.Location], after.Sellable, after.Reserved)
	var nf *orders.Fulfilment
	for i := range o.Fulfilments {
		if o.Fulfilments[i].RerouteOf == f.ID {
			nf = &o.Fulfilments[i]
		}
	}
	if nf == nil {
		return fmt.Errorf("order %s: the rejected line was not re-routed: %+v", o.ID, o.Fulfilments)
	}
	d.say("  The hoodie is re-routed: parcel %s from %s replaces %s.", nf.ID, place[nf.Location], f.ID)
	if o, err = d.shipAndDeliver(o.ID, nf.ID); err != nil {
		return err
	}
	d.say("  It is shipped and delivered. Order %s is %s.", o.ID, o.State)
	return nil
}

// expiredPickup: nobody collects a click & collect order; its stock goes
// back on sale.
func (d *day) expiredPickup() error {
	d.clock.Advance(time.Hour)
	d.say("")
	d.say("A web customer orders 2 T-shirts to collect in Lyon.")
	o, err := d.placeWeb("customer-42", orders.Delivery{Method: routing.Pickup, Store: lyon}, []orders.LineRequest{{SKU: tee, Qty: 2, UnitPrice: euros("19.00")}})
	if err != nil {
		return err
	}
	f := o.Fulfilments[0]
	if o, err = d.prepare(o.ID, f.ID); err != nil {
		return err
	}
	if o, err = d.oms.ReadyForPickup(d.ctx, o.ID, f.ID); err != nil {
		return err
	}
	f = *o.Fulfilment(f.ID)
	a, err := d.ledger.Availability(d.ctx, tee, lyon)
	if err != nil {
		return err
	}
	d.say("  Order %s waits at the counter with code %s until %s; Lyon has %d T-shirts on sale, %d reserved.", o.ID, f.PickupCode, f.PickupBy.Format("Mon 2 Jan 15:04"), a.Sellable, a.Reserved)
	d.clock.Advance(pickupWindow + time.Minute)
	d.say("Two days pass and nobody comes.")
	n, err := d.oms.ExpirePickups(d.ctx)
	if err != nil {
		return err
	}
	if o, err = d.oms.Get(d.ctx, o.ID); err != nil {
		return err
	}
	if a, err = d.ledger.Availability(d.ctx, tee, lyon); err != nil {
		return err
	}
	d.say("  The OMS cancels %d expired pickup. Order %s is %s; the T-shirts are back on sale: Lyon has %d, %d reserved.", n, o.ID, o.State, a.Sellable, a.Reserved)
	return nil
}

// marketplaceTwice: the marketplace sends one order twice.
func (d *day) marketplaceTwice() error {
	d.clock.Advance(time.Hour)
	d.say("")
	req := orders.PlaceRequest{Channel: marketplace, ExternalID: "MKT-778-0042", Groups: []orders.GroupRequest{{
		Delivery: orders.Delivery{Method: routing.Ship, Address: bordeauxBuyer},
		Lines:    []orders.LineRequest{{SKU: hoodie, Qty: 3, UnitPrice: euros("52.00")}},
	}}}
	d.say("The marketplace sends its order %s: 3 hoodies for a buyer in Bordeaux.", req.ExternalID)
	first, err := d.oms.Place(d.ctx, req)
	if err != nil {
		return err
	}
	d.say("  It becomes order %s; %s holds the hoodies.", first.ID, place[first.Fulfilments[0].Location])
	d.clock.Advance(time.Minute)
	again, err := d.oms.Place(d.ctx, req)
	if err != nil {
		return err
	}
	if again.ID != first.ID {
		return fmt.Errorf("the marketplace order %s was imported twice: orders %s and %s", req.ExternalID, first.ID, again.ID)
	}
	a, err := d.ledger.Availability(d.ctx, hoodie, warehouse)
	if err != nil {
		return err
	}
	d.say("  A minute later it sends %s again: still order %s. The warehouse has %s reserved, not 6.", req.ExternalID, again.ID, units(hoodie, a.Reserved))
	return nil
}

// close prints the day's result.
func (d *day) close() error {
	d.say("")
	d.say("Stock per location at closing:")
	if err := report.StockTable(d.ctx, d.w, d.ledger, locations, skus, false); err != nil {
		return err
	}
	d.say("")
	d.say("What each channel may sell at closing:")
	if err := report.ChannelTable(d.ctx, d.w, d.ledger, channels, skus); err != nil {
		return err
	}
	n, err := countEvents(d.ctx, d.oms)
	if err != nil {
		return err
	}
	d.say("")
	d.say("The outbox holds %d order events, numbered 1 to %d, for notifications and the marketplace.", n, n)
	return d.ledger.Verify(d.ctx)
}

// countEvents reads the whole outbox and checks that it is numbered
// without a gap.
func countEvents(ctx context.Context, oms *orders.Service) (int64, error) {
	var n int64
	for {
		page, err := oms.Events(ctx, n, 100)
		if err != nil {
			return 0, err
		}
		if len(page) == 0 {
			return n, nil
		}
		for _, e := range page {
			if n++; e.Seq != n {
				return 0, fmt.Errorf("outbox: event %d has number %d", n, e.Seq)
			}
		}
	}
}

func euros(amount string) omnikit.Money { return omnikit.MustMoney(amount, "EUR") }

// units says "1 hoodie" or "3 hoodies".
func units(sku omnikit.SKU, n int64) string {
	if n == 1 {
		return "1 " + names[sku][0]
	}
	return strconv.FormatInt(n, 10) + " " + names[sku][1]
}

// fulfilmentUnits lists the units a fulfilment carries.
func fulfilmentUnits(f *orders.Fulfilment) string {
	var what []string
	for _, l := range f.Lines {
		if l.Qty > 0 {
			what = append(what, units(l.SKU, l.Qty))
		}
	}
	return list(what)
}

// list joins "a", "b" and "c" as "a, b and c".
func list(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
