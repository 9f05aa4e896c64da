package postgres

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// The crash test runs keyed commands in a child process, kills it with
// SIGKILL in full flight and checks that every command the child saw
// acknowledged survived exactly once.

const (
	crashSchemaEnv = "OMNIKIT_CRASH_CHILD_SCHEMA"
	crashWorkers   = 8
	crashAcks      = 400 // the parent kills the child after this many acks
)

func crashReserveReq(key string) inventory.ReserveRequest {
	return inventory.ReserveRequest{ID: inventory.ReservationID("r-" + key), Owner: "crash",
		Lines:          []inventory.LocatedLine{{SKU: "CRASH", Location: "wh", Qty: 1}},
		IdempotencyKey: "reserve-" + key}
}

func crashCommitReq(key string) inventory.SettleRequest {
	return inventory.SettleRequest{ID: inventory.ReservationID("r-" + key), Reference: "crash", IdempotencyKey: "commit-" + key}
}

// TestCrashChild is the child: it runs only when the parent sets
// OMNIKIT_CRASH_CHILD_SCHEMA, and runs until it is killed.
func TestCrashChild(t *testing.T) {
	schema := os.Getenv(crashSchemaEnv)
	if schema == "" {
		t.Skip("the child of TestCrash; runs only under it")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, pool, &Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	ack := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(w, format+"\n", args...)
		w.Flush() // acknowledged only once the parent can read it
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				r, err := l.Reserve(ctx, crashReserveReq(key))
				if err != nil {
					ack("error reserve %s %v", key, err)
					return
				}
				ack("reserve %s %s", key, r.ID)
				if i%2 == 0 {
					e, err := l.Commit(ctx, crashCommitReq(key))
					if err != nil {
						ack("error commit %s %v", key, err)
						return
					}
					ack("commit %s %d", key, e.Seq)
				}
			}
		}()
	}
	wg.Wait()
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashSchemaEnv) != "" {
		t.Skip("inside the child")
	}
	ctx := context.Background()
	s := newTestStore(t, nil)
	l, err := inventory.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineSKUs(ctx, "CRASH"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "CRASH", Qty: 1_000_000_000}}}); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashSchemaEnv+"="+s.Schema())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	reserved := map[string]string{} // key -> reservation ID
	committed := map[string]int64{} // key -> entry Seq
	acks, killed := 0, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "reserve":
			reserved[f[1]] = f[2]
		case len(f) == 3 && f[0] == "commit":
			seq, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				t.Fatalf("child: %q", sc.Text())
			}
			committed[f[1]] = seq
		case len(f) > 0 && f[0] == "error":
			t.Errorf("child: %s", sc.Text())
		default:
			continue
		}
		acks++
		if acks == crashAcks && !killed {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !killed || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v after %d acks, want it killed after %d", err, acks, crashAcks)
	}
	t.Logf("killed the child after %d acks: %d reservations, %d commits", acks, len(reserved), len(committed))

	// Reopen on a new pool, as a restarted process would.
	s2 := reopen(t, s)
	l2, err := inventory.New(ctx, s2, nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := l2.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for after := int64(0); ; {
		page, err := l2.Changes(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if e.IdempotencyKey != "" {
				seen[e.IdempotencyKey]++
			}
			after = e.Seq
		}
		if len(page) < 1000 {
			break
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("key %s applied %d times", k, n)
		}
	}
	for key, id := range reserved {
		if seen["reserve-"+key] != 1 {
			t.Errorf("acknowledged reservation %s is not in the ledger", key)
		}
		r, err := l2.Reserve(ctx, crashReserveReq(key))
		if err != nil || string(r.ID) != id {
			t.Errorf("retry of reservation %s: %+v, %v; want %s", key, r.ID, err, id)
		}
	}
	for key, seq := range committed {
		if seen["commit-"+key] != 1 {
			t.Errorf("acknowledged commit %s is not in the ledger", key)
		}
		e, err := l2.Commit(ctx, crashCommitReq(key))
		if err != nil || e.Seq != seq {
			t.Errorf("retry of commit %s: seq %d, %v; want %d", key, e.Seq, err, seq)
		}
	}
	if after, err := l2.LastSeq(ctx); err != nil || after != before {
		t.Errorf("the retries appended entries: last seq %d -> %d (%v)", before, after, err)
	}
	if err := l2.Verify(ctx); err != nil {
		t.Errorf("Verify after the crash: %v", err)
	}
}
