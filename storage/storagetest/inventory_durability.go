package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// errLostReply stands for a connection that broke after the database
// committed: the caller cannot tell whether its command was applied.
var errLostReply = errors.New("storagetest: connection reset after commit")

// errCommitFailed stands for a commit the database refused.
var errCommitFailed = errors.New("storagetest: commit failed")

// faultStore wraps a store to inject faults and count what passes through.
type faultStore struct {
	inventory.Store
	loseReply  atomic.Int32 // lose the reply of the next n successful updates
	failCommit atomic.Int32 // make the next n updates fail at commit
	block      chan struct{}
	blocked    atomic.Bool
	updates    atomic.Int64
	mu         sync.Mutex
	maxAppends int // most entries appended by one update
}

func (f *faultStore) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	f.updates.Add(1)
	if f.block != nil && f.blocked.CompareAndSwap(false, true) {
		<-f.block
	}
	appends := 0
	wrapped := func(tx inventory.Tx) error {
		appends = 0
		if err := fn(&countingTx{Tx: tx, appends: &appends}); err != nil {
			return err
		}
		if f.failCommit.Load() > 0 && f.failCommit.Add(-1) >= 0 {
			return errCommitFailed // the store rolls back, as a failed commit does
		}
		return nil
	}
	err := f.Store.Update(ctx, keys, wrapped)
	f.mu.Lock()
	f.maxAppends = max(f.maxAppends, appends)
	f.mu.Unlock()
	if err == nil && f.loseReply.Load() > 0 && f.loseReply.Add(-1) >= 0 {
		return errLostReply
	}
	return err
}

type countingTx struct {
	inventory.Tx
	appends *int
}

func (t *countingTx) Append(e *inventory.Entry, b []inventory.Balance) error {
	*t.appends++
	return t.Tx.Append(e, b)
}

func durLedger(t *testing.T, store inventory.Store, gc inventory.GroupCommit) (*inventory.Ledger, *omnikit.ManualClock) {
	t.Helper()
	ctx := context.Background()
	clk := omnikit.NewManualClock(epoch)
	l, err := inventory.New(ctx, store, &inventory.Options{Clock: clk, GroupCommit: gc})
	if err != nil {
		t.Fatalf("inventory.New: %v", err)
	}
	return l, clk
}

// durSetup defines a warehouse, a store, SKUs and a web channel, and
// receives stock of each SKU at the warehouse.
func durSetup(t *testing.T, l *inventory.Ledger, stock int64, skus ...omnikit.SKU) {
	t.Helper()
	ctx := context.Background()
	for _, loc := range []inventory.Location{
		{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip},
		{ID: "st", Type: inventory.TypeStore, Capabilities: inventory.CanPickup},
	} {
		if err := l.DefineLocation(ctx, loc); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.DefineSKUs(ctx, skus...); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "st"}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range skus {
		if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: s, Qty: stock}}}); err != nil {
			t.Fatal(err)
		}
	}
}

func durVerify(t *testing.T, l *inventory.Ledger) {
	t.Helper()
	if err := l.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func durAvail(t *testing.T, l *inventory.Ledger, sku omnikit.SKU) inventory.Availability {
	t.Helper()
	a, err := l.Availability(context.Background(), sku, "wh")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testInventoryGroupCommit checks that concurrent commands share store
// transactions and still succeed or fail one by one.
func testInventoryGroupCommit(t *testing.T, h InventoryHarness) {
	ctx := context.Background()
	f := &faultStore{Store: h.NewStore(t)}
	l, _ := durLedger(t, f, inventory.GroupCommit{Concurrency: 1})
	durSetup(t, l, 5, "HOT")
	f.block = make(chan struct{}) // the next update blocks until released
	const callers = 12
	var submitted atomic.Int32
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			submitted.Add(1)
			_, errs[i] = l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "HOT", Location: "wh", Qty: 1}}})
		}()
	}
	for submitted.Load() < callers {
		time.Sleep(time.Millisecond)
	}
	// Let the waiting commands queue behind the blocked leader; this only
	// makes batching likely, the assertions below hold whatever happens.
	time.Sleep(50 * time.Millisecond)
	before := f.updates.Load()
	close(f.block)
	wg.Wait()
	ok, short := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, inventory.ErrInsufficientStock):
			short++
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if ok != 5 || short != callers-5 {
		t.Fatalf("%d reserved and %d short, want 5 and %d: a shortage failed its neighbours or stock was oversold", ok, short, callers-5)
	}
	if a := durAvail(t, l, "HOT"); a.Sellable != 0 || a.Reserved != 5 {
		t.Fatalf("availability = %+v", a)
	}
	used := f.updates.Load() - before + 1
	f.mu.Lock()
	most := f.maxAppends
	f.mu.Unlock()
	t.Logf("%d commands in %d store transactions, at most %d entries in one", callers, used, most)
	if most < 2 {
		t.Fatalf("no store transaction carried more than one command (%d transactions for %d commands)", used, callers)
	}
	durVerify(t, l)
}

// testInventoryFaults checks the failure paths of a store: a commit that
// fails leaves nothing behind, and a reply lost after a commit is answered
// by a retry with the same idempotency key without applying twice.
func testInventoryFaults(t *testing.T, h InventoryHarness) {
	for _, gc := range []inventory.GroupCommit{{Disabled: true}, {}} {
		name := "GroupCommit"
		if gc.Disabled {
			name = "Direct"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := &faultStore{Store: h.NewStore(t)}
			l, _ := durLedger(t, f, gc)
			durSetup(t, l, 10, "A")
			last := func() int64 {
				seq, err := l.LastSeq(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return seq
			}

			// A failed commit: an error, and nothing applied.
			seq := last()
			f.failCommit.Store(1)
			req := inventory.ReserveRequest{Owner: "order-1", Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 3}}, IdempotencyKey: "k-reserve"}
			if _, err := l.Reserve(ctx, req); !errors.Is(err, errCommitFailed) {
				t.Fatalf("reserve with a failing commit: %v", err)
			}
			if last() != seq || durAvail(t, l, "A").Reserved != 0 {
				t.Fatal("a failed commit left a write behind")
			}

			// A lost reply: an error, but applied; the retry returns the
			// first result and applies nothing more.
			f.loseReply.Store(1)
			if _, err := l.Reserve(ctx, req); !errors.Is(err, errLostReply) {
				t.Fatalf("reserve with a lost reply: %v", err)
			}
			if last() != seq+1 || durAvail(t, l, "A").Reserved != 3 {
				t.Fatal("the committed reservation is not there")
			}
			r, err := l.Reserve(ctx, req)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if last() != seq+1 || durAvail(t, l, "A").Reserved != 3 || r.Open() != 3 {
				t.Fatalf("the retry applied again: reserved %d, reservation %+v", durAvail(t, l, "A").Reserved, r)
			}

			commit := inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}, IdempotencyKey: "k-ship"}
			f.loseReply.Store(1)
			if _, err := l.Commit(ctx, commit); !errors.Is(err, errLostReply) {
				t.Fatalf("commit with a lost reply: %v", err)
			}
			e1, err := l.Commit(ctx, commit)
			if err != nil {
				t.Fatalf("commit retry: %v", err)
			}
			e2, err := l.Commit(ctx, commit)
			if err != nil || e2.Seq != e1.Seq {
				t.Fatalf("second commit retry: %v, seq %d vs %d", err, e2.Seq, e1.Seq)
			}
			if a := durAvail(t, l, "A"); a.Reserved != 1 || a.Sellable != 7 {
				t.Fatalf("after the commit retries: %+v", a)
			}
			rec := inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 4}}, IdempotencyKey: "k-asn"}
			f.loseReply.Store(1)
			if _, err := l.Receive(ctx, rec); !errors.Is(err, errLostReply) {
				t.Fatalf("receive with a lost reply: %v", err)
			}
			if _, err := l.Receive(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if a := durAvail(t, l, "A"); a.Sellable != 11 {
				t.Fatalf("receipt applied %d times", (a.Sellable-7)/4)
			}
			durVerify(t, l)
		})
	}
}

// testInventoryReconnect checks what survives closing and reopening the
// store: idempotency records, reservations and their deadlines, the feed.
func testInventoryReconnect(t *testing.T, h InventoryHarness) {
	if h.Reopen == nil {
		t.Skip("the adapter keeps nothing across a reopen (no Reopen in its harness)")
	}
	ctx := context.Background()
	store := h.NewStore(t)
	l, clk := durLedger(t, store, inventory.GroupCommit{})
	durSetup(t, l, 10, "A", "B")
	req := inventory.ReserveRequest{Owner: "cart", Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}, {SKU: "B", Location: "wh", Qty: 1}},
		ExpiresAt: clk.Now().Add(time.Hour), IdempotencyKey: "cart-7"}
	r1, err := l.Reserve(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := l.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}

	store = h.Reopen(t, store)
	l2, err := inventory.New(ctx, store, &inventory.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if got := l2.Locations(); len(got) != 2 {
		t.Fatalf("locations after reopen = %v", got)
	}
	r2, err := l2.Reserve(ctx, req)
	if err != nil {
		t.Fatalf("retry after reopen: %v", err)
	}
	if r2.ID != r1.ID || r2.Open() != 3 || !r2.ExpiresAt.Equal(r1.ExpiresAt) {
		t.Fatalf("retry after reopen = %+v, want %+v", r2, r1)
	}
	if s, _ := l2.LastSeq(ctx); s != seq {
		t.Fatalf("the retry after reopen wrote: last seq %d, was %d", s, seq)
	}
	req.Lines[0].Qty = 5
	if _, err := l2.Reserve(ctx, req); !errors.Is(err, inventory.ErrIdempotencyConflict) {
		t.Fatalf("same key, other input, after reopen: %v", err)
	}
	n, err := l2.ChannelAvailability(ctx, "web", "A")
	if err != nil || n != 8 {
		t.Fatalf("web A after reopen = %d, %v", n, err)
	}
	// The deadline survived: the reservation expires exactly then.
	clk.Set(r1.ExpiresAt.Add(-time.Nanosecond))
	if n, err := l2.ExpireDue(ctx); err != nil || n != 0 {
		t.Fatalf("expired %d before the deadline: %v", n, err)
	}
	clk.Set(r1.ExpiresAt)
	if n, err := l2.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d at the deadline: %v", n, err)
	}
	page, err := l2.Changes(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range page {
		if e.Seq != int64(i)+1 {
			t.Fatalf("feed after reopen: entry %d has seq %d", i, e.Seq)
		}
	}
	if last := page[len(page)-1]; last.Kind != inventory.KindExpire || last.Reservation != r1.ID {
		t.Fatalf("last entry = %+v", last)
	}
	durVerify(t, l2)
}

// testInventoryContention runs far more callers than a store has
// connections, on one hot SKU and on a few: nothing hangs, nothing is
// oversold, and every balance equals the sum of its entries.
func testInventoryContention(t *testing.T, h InventoryHarness) {
	t.Run("HundredsOnOneSKU", func(t *testing.T) {
		callers, stock := 300, int64(200)
		if testing.Short() {
			callers, stock = 60, 40
		}
		l, _ := durLedger(t, h.NewStore(t), inventory.GroupCommit{})
		durSetup(t, l, stock, "HOT")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var ok, short atomic.Int64
		var wg sync.WaitGroup
		errc := make(chan error, callers)
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "HOT", Location: "wh", Qty: 1}}})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, inventory.ErrInsufficientStock):
					short.Add(1)
				default:
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatalf("reserve: %v", err)
		}
		if ok.Load() != stock || short.Load() != int64(callers)-stock {
			t.Fatalf("%d reserved, %d short: want exactly the stock (%d) sold", ok.Load(), short.Load(), stock)
		}
		if a := durAvail(t, l, "HOT"); a.Sellable != 0 || a.Reserved != stock {
			t.Fatalf("availability = %+v", a)
		}
		durVerify(t, l)
	})
	t.Run("ThousandCallers", func(t *testing.T) {
		callers := 1000
		if testing.Short() {
			callers = 100
		}
		skus := []omnikit.SKU{"S0", "S1", "S2", "S3", "S4"}
		l, _ := durLedger(t, h.NewStore(t), inventory.GroupCommit{})
		durSetup(t, l, int64(callers), skus...)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		errc := make(chan error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, b := skus[i%len(skus)], skus[(i*7+3)%len(skus)]
				lines := []inventory.LocatedLine{{SKU: a, Location: "wh", Qty: 1}}
				if a != b {
					lines = append(lines, inventory.LocatedLine{SKU: b, Location: "wh", Qty: 1})
				}
				r, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: lines})
				if err != nil {
					errc <- fmt.Errorf("reserve: %w", err)
					return
				}
				if i%2 == 0 {
					_, err = l.Commit(ctx, inventory.SettleRequest{ID: r.ID})
				} else {
					_, err = l.Release(ctx, inventory.SettleRequest{ID: r.ID})
				}
				if err != nil {
					errc <- fmt.Errorf("settle: %w", err)
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		for _, s := range skus {
			if a := durAvail(t, l, s); a.Reserved != 0 || a.Sellable < 0 {
				t.Fatalf("%s: %+v", s, a)
			}
		}
		durVerify(t, l)
	})
}
