package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/sqlite"
)

// The crash test runs a child process (this test binary again, running
// TestCrashChild) that writes keyed commands from 8 goroutines and prints
// each one's key after the ledger acknowledged it. The parent kills the
// child with SIGKILL in the middle of the run, reopens the file and checks
// that every acknowledged command is there, applied once.

const (
	crashEnvDB   = "OMNIKIT_SQLITE_CRASH_DB"
	crashEnvSync = "OMNIKIT_SQLITE_CRASH_SYNC"
	crashWorkers = 8
	crashStock   = 1_000_000
)

var crashSKUs = []omnikit.SKU{"C0", "C1", "C2"}

func crashSync(name string) *sqlite.Options {
	if name == "normal" {
		return &sqlite.Options{Synchronous: sqlite.SynchronousNormal}
	}
	return &sqlite.Options{Synchronous: sqlite.SynchronousFull}
}

func crashReserve(g, i int) inventory.ReserveRequest {
	return inventory.ReserveRequest{
		ID:             inventory.ReservationID(fmt.Sprintf("res-%d-%d", g, i)),
		Owner:          fmt.Sprintf("worker-%d", g),
		Lines:          []inventory.LocatedLine{{SKU: crashSKUs[(g+i)%len(crashSKUs)], Location: "wh", Qty: 1}},
		IdempotencyKey: fmt.Sprintf("reserve-%d-%d", g, i),
	}
}

func crashCommit(g, i int) inventory.SettleRequest {
	return inventory.SettleRequest{
		ID:             inventory.ReservationID(fmt.Sprintf("res-%d-%d", g, i)),
		Reference:      "shipment",
		IdempotencyKey: fmt.Sprintf("commit-%d-%d", g, i),
	}
}

// TestCrashChild is the child of TestCrash; run on its own it skips.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("the child process of TestCrash")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, crashSync(os.Getenv(crashEnvSync)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ack := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...) + "\n"
		mu.Lock()
		defer mu.Unlock()
		// One write per line, unbuffered: once it returns, the parent can
		// read it even if this process is killed the next instant.
		if _, err := os.Stdout.WriteString(line); err != nil {
			panic(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute) // the parent kills us long before
	var wg sync.WaitGroup
	for g := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				r, err := l.Reserve(ctx, crashReserve(g, i))
				if err != nil {
					panic(fmt.Sprintf("reserve %d-%d: %v", g, i, err))
				}
				ack("ACK reserve %s %d %d %s", crashReserve(g, i).IdempotencyKey, g, i, r.ID)
				if i%2 == 0 { // every other reservation is shipped
					e, err := l.Commit(ctx, crashCommit(g, i))
					if err != nil {
						panic(fmt.Sprintf("commit %d-%d: %v", g, i, err))
					}
					ack("ACK commit %s %d %d %d", crashCommit(g, i).IdempotencyKey, g, i, e.Seq)
				}
			}
		}()
	}
	wg.Wait()
}

type crashAck struct {
	kind string
	key  string // the command's idempotency key
	g, i int
	id   string // reservation ID for a reserve
	seq  int64  // entry for a commit
}

func TestCrash(t *testing.T) {
	for _, mode := range []string{"full", "normal"} {
		t.Run(mode, func(t *testing.T) { testCrash(t, mode) })
	}
}

func testCrash(t *testing.T, mode string) {
	ctx := context.Background()
	killAfter := 1000
	if testing.Short() {
		killAfter = 200
	}
	path := filepath.Join(t.TempDir(), "crash.db")

	// Set up, then close: the child opens the file alone.
	s, err := sqlite.Open(ctx, path, crashSync(mode))
	if err != nil {
		t.Fatal(err)
	}
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineSKUs(ctx, crashSKUs...); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh"}, Rule: inventory.ChannelRule{BufferPercent: 10}}); err != nil {
		t.Fatal(err)
	}
	for _, sku := range crashSKUs {
		if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: sku, Qty: crashStock}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvSync+"="+mode)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var acks []crashAck
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 6 || f[0] != "ACK" {
			continue
		}
		a := crashAck{kind: f[1], key: f[2]}
		a.g, _ = strconv.Atoi(f[3])
		a.i, _ = strconv.Atoi(f[4])
		if a.kind == "reserve" {
			a.id = f[5]
		} else {
			a.seq, _ = strconv.ParseInt(f[5], 10, 64)
		}
		acks = append(acks, a)
		if len(acks) == killAfter && !killed {
			// Mid-run: the workers have commands in flight. The acks
			// already written stay readable in the pipe.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("kill: %v", err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("the child ended after %d acknowledgements, before it was killed: %v\n%s", len(acks), werr, stderr.String())
	}
	t.Logf("synchronous %s: killed the child after %d acknowledgements (%d read in all)", mode, killAfter, len(acks))

	// Reopen and check.
	s, err = sqlite.Open(ctx, path, crashSync(mode))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err = inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(ctx); err != nil {
		t.Fatalf("Verify after the crash: %v", err)
	}
	before := crashState(t, s)
	for _, b := range before.balances {
		if b.Qty < 0 && !b.Account.Bucket.IsWorld() {
			t.Errorf("negative balance after the crash: %v = %d", b.Account, b.Qty)
		}
	}
	keys := map[string]int64{}
	for _, e := range before.entries {
		if e.IdempotencyKey == "" {
			continue
		}
		if seq, dup := keys[e.IdempotencyKey]; dup {
			t.Errorf("command %q applied twice: entries %d and %d", e.IdempotencyKey, seq, e.Seq)
		}
		keys[e.IdempotencyKey] = e.Seq
	}
	for _, a := range acks {
		switch a.kind {
		case "reserve":
			req := crashReserve(a.g, a.i)
			if req.IdempotencyKey != a.key {
				t.Fatalf("ack %+v does not match its request", a)
			}
			if _, ok := keys[req.IdempotencyKey]; !ok {
				t.Errorf("acknowledged %s is not in the ledger", req.IdempotencyKey)
				continue
			}
			r, err := l.Reserve(ctx, req)
			if err != nil || string(r.ID) != a.id {
				t.Errorf("retry of acknowledged %s = %v, %v; want reservation %s", req.IdempotencyKey, r.ID, err, a.id)
			}
		case "commit":
			req := crashCommit(a.g, a.i)
			if req.IdempotencyKey != a.key {
				t.Fatalf("ack %+v does not match its request", a)
			}
			if seq, ok := keys[req.IdempotencyKey]; !ok || seq != a.seq {
				t.Errorf("acknowledged %s (entry %d) is in the ledger as entry %d (found %v)", req.IdempotencyKey, a.seq, seq, ok)
				continue
			}
			e, err := l.Commit(ctx, req)
			if err != nil || e.Seq != a.seq {
				t.Errorf("retry of acknowledged %s = entry %d, %v; want entry %d", req.IdempotencyKey, e.Seq, err, a.seq)
			}
		}
	}
	after := crashState(t, s)
	if after.last != before.last {
		t.Errorf("the retries appended entries: last seq %d, was %d", after.last, before.last)
	}
	if len(after.balances) != len(before.balances) {
		t.Errorf("the retries changed the balances: %d accounts, were %d", len(after.balances), len(before.balances))
	}
	for a, q := range before.byAccount {
		if after.byAccount[a] != q {
			t.Errorf("the retries changed %v: %d, was %d", a, after.byAccount[a], q)
		}
	}
	if t.Failed() {
		t.Logf("child stderr:\n%s", stderr.String())
	}
}

type crashSnapshot struct {
	last      int64
	entries   []inventory.Entry
	balances  []inventory.Balance
	byAccount map[inventory.Account]int64
}

func crashState(t *testing.T, s *sqlite.Inventory) crashSnapshot {
	t.Helper()
	snap := crashSnapshot{byAccount: map[inventory.Account]int64{}}
	err := s.View(context.Background(), func(tx inventory.ReadTx) error {
		var err error
		if snap.last, err = tx.LastSeq(); err != nil {
			return err
		}
		for after := int64(0); ; {
			page, err := tx.Entries(after, 1000)
			if err != nil {
				return err
			}
			for _, e := range page {
				if e.Seq != after+1 {
					return fmt.Errorf("entry %d follows %d: a gap", e.Seq, after)
				}
				after = e.Seq
			}
			snap.entries = append(snap.entries, page...)
			if len(page) < 1000 {
				break
			}
		}
		if n := int64(len(snap.entries)); n != snap.last {
			return fmt.Errorf("%d entries, last seq %d", n, snap.last)
		}
		return tx.Balances(func(b inventory.Balance) error {
			snap.balances = append(snap.balances, b)
			snap.byAccount[b.Account] = b.Qty
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
