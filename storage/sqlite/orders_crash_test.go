package sqlite_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
	"github.com/omnikit/omnikit/storage/sqlite"
)

// The orders crash test runs a child process (this test binary again,
// running TestOrdersCrashChild) that places one order and is killed with
// SIGKILL by its own orders store at the worst moment: after the stock is
// reserved in the ledger and before the placed order is stored. The parent
// then reopens the file and checks that the reservation does not leak: the
// order is pending with its reservation held, and Recover releases it.

const ordersCrashEnv = "OMNIKIT_SQLITE_ORDERS_CRASH_DB"

func ordersCrashRequest() orders.PlaceRequest {
	return orders.PlaceRequest{
		Channel: "web", IdempotencyKey: "cart-1",
		Groups: []orders.GroupRequest{{
			Delivery: orders.Delivery{Method: routing.Ship, Address: omnikit.Address{Line1: "1 rue de Rivoli", City: "Paris", Country: "FR"}},
			Lines:    []orders.LineRequest{{SKU: "A", Qty: 3, UnitPrice: omnikit.MustMoney("9.90", "EUR")}},
		}},
	}
}

// killingStore kills the process when the placed order is saved.
type killingStore struct{ orders.Store }

func (k killingStore) Save(ctx context.Context, o orders.Order, events []orders.Event) error {
	if o.State == orders.Open {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	}
	return k.Store.Save(ctx, o, events)
}

// TestOrdersCrashChild is the child of TestOrdersCrash; run on its own it
// skips.
func TestOrdersCrashChild(t *testing.T) {
	path := os.Getenv(ordersCrashEnv)
	if path == "" {
		t.Skip("the child process of TestOrdersCrash")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	oms, err := orders.New(l, killingStore{s.Orders()}, &orders.Options{NewOrderID: func() orders.OrderID { return "W1" }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = oms.Place(ctx, ordersCrashRequest())
	t.Fatalf("Place returned (%v); the store should have killed the process", err)
}

func TestOrdersCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "orders.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}))
	must(l.DefineSKUs(ctx, "A"))
	must(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh"}}))
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 10}}})
	must(err)
	must(s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestOrdersCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), ordersCrashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed (%v):\n%s", err, out)
	}

	s, err = sqlite.Open(ctx, path, nil)
	must(err)
	defer s.Close()
	clk := omnikit.NewManualClock(time.Now())
	l, err = inventory.New(ctx, s, &inventory.Options{Clock: clk})
	must(err)
	oms, err := orders.New(l, s.Orders(), nil)
	must(err)
	avail := func() inventory.Availability {
		t.Helper()
		a, err := l.Availability(ctx, "A", "wh")
		must(err)
		return a
	}
	if a := avail(); a.Reserved != 3 || a.Sellable != 7 {
		t.Fatalf("after the crash: %+v, want the 3 units held by the half-placed order", a)
	}
	o, err := oms.Get(ctx, "W1")
	must(err)
	if o.State != orders.Pending {
		t.Fatalf("the half-placed order is %s", o.State)
	}
	if _, err := oms.Place(ctx, ordersCrashRequest()); !errors.Is(err, orders.ErrInProgress) {
		t.Fatalf("a retry right after the crash: %v", err)
	}
	clk.Advance(2 * time.Minute)
	n, err := oms.Recover(ctx)
	must(err)
	if n != 1 {
		t.Fatalf("Recover recovered %d orders, want 1", n)
	}
	if a := avail(); a.Reserved != 0 || a.Sellable != 10 {
		t.Fatalf("after Recover: %+v, want every unit back on sale", a)
	}
	o, err = oms.Place(ctx, ordersCrashRequest())
	must(err)
	if o.ID != "W1" || o.State != orders.Failed || o.Reason != "abandoned" {
		t.Fatalf("the retried key returns %s %s (%s)", o.ID, o.State, o.Reason)
	}
	r, err := l.Reservation(ctx, orders.ReservationID("W1", 1))
	must(err)
	if r.State != inventory.Released {
		t.Fatalf("the orphan reservation is %s", r.State)
	}
	must(l.Verify(ctx))
}
