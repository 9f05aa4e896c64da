package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// testInventoryLinearizable records a concurrent history of single-SKU
// operations (reserve, release and commit of one's own reservation,
// receive, read of ATP) and checks with porcupine that it is linearizable
// against a sequential model whose state is a SKU's sellable units: every
// operation must appear to take effect at one instant between its call and
// its return.
func testInventoryLinearizable(t *testing.T, h InventoryHarness) {
	for round := range 3 {
		t.Run(fmt.Sprintf("seed%d", round), func(t *testing.T) { linRun(t, h, uint64(round)) })
	}
}

type linOp uint8

const (
	linReceive linOp = iota
	linReserve
	linRelease
	linCommit
	linRead
)

var linOpNames = [...]string{"receive", "reserve", "release", "commit", "read"}

type linInput struct {
	op  linOp
	sku omnikit.SKU
	qty int64 // units received, reserved, released or committed
}

type linOutput struct {
	ok    bool  // reserve: reserved; others: succeeded
	avail int64 // reserve refused: the ATP the shortage reported; read: the ATP read
}

func linModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			by := map[omnikit.SKU][]porcupine.Operation{}
			var keys []omnikit.SKU
			for _, op := range history {
				s := op.Input.(linInput).sku
				if _, ok := by[s]; !ok {
					keys = append(keys, s)
				}
				by[s] = append(by[s], op)
			}
			sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, by[k])
			}
			return out
		},
		Init: func() interface{} { return int64(0) },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			s, in, out := state.(int64), input.(linInput), output.(linOutput)
			switch in.op {
			case linReceive:
				return out.ok, s + in.qty
			case linReserve:
				if out.ok {
					return s >= in.qty, s - in.qty
				}
				return s < in.qty && out.avail == s, s
			case linRelease:
				return out.ok, s + in.qty
			case linCommit:
				return out.ok, s
			case linRead:
				return out.avail == s, s
			}
			return false, s
		},
		DescribeOperation: func(input, output interface{}) string {
			in, out := input.(linInput), output.(linOutput)
			switch in.op {
			case linReserve:
				if out.ok {
					return fmt.Sprintf("reserve(%s, %d) -> ok", in.sku, in.qty)
				}
				return fmt.Sprintf("reserve(%s, %d) -> short, %d available", in.sku, in.qty, out.avail)
			case linRead:
				return fmt.Sprintf("atp(%s) -> %d", in.sku, out.avail)
			}
			return fmt.Sprintf("%s(%s, %d) -> ok=%v", linOpNames[in.op], in.sku, in.qty, out.ok)
		},
		DescribeState: func(state interface{}) string { return fmt.Sprintf("sellable %d", state.(int64)) },
	}
}

func linRun(t *testing.T, h InventoryHarness, seed uint64) {
	ctx := context.Background()
	workers, ops := 8, 40
	if testing.Short() {
		workers, ops = 6, 25
	}
	skus := []omnikit.SKU{"L1", "L2", "L3"}
	const loc = omnikit.LocationID("wh")
	l, _ := newLedger(t, h)
	if err := l.DefineLocation(ctx, inventory.Location{ID: loc, Type: inventory.TypeWarehouse}); err != nil {
		t.Fatalf("DefineLocation: %v", err)
	}
	if err := l.DefineSKUs(ctx, skus...); err != nil {
		t.Fatalf("DefineSKUs: %v", err)
	}

	// The logical clock orders calls and returns: an operation that
	// returned before another was called has a smaller Return than the
	// other's Call.
	var clock atomic.Int64
	var mu sync.Mutex
	var history []porcupine.Operation
	record := func(client int, in linInput, call int64, out linOutput) {
		ret := clock.Add(1)
		mu.Lock()
		history = append(history, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
		mu.Unlock()
	}
	receive := func(client int, sku omnikit.SKU, q int64) error {
		call := clock.Add(1)
		_, err := l.Receive(ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: q}}})
		if err != nil {
			return fmt.Errorf("receive %d %s: %v", q, sku, err)
		}
		record(client, linInput{op: linReceive, sku: sku, qty: q}, call, linOutput{ok: true})
		return nil
	}
	for _, s := range skus {
		if err := receive(workers, s, 3); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			type held struct {
				id  inventory.ReservationID
				sku omnikit.SKU
				qty int64
			}
			var mine []held
			for range ops {
				sku := skus[rng.IntN(len(skus))]
				switch c := rng.IntN(10); {
				case c < 4: // reserve
					q := int64(1 + rng.IntN(3))
					call := clock.Add(1)
					r, err := l.Reserve(ctx, inventory.ReserveRequest{Owner: fmt.Sprintf("lin-%d", g), Lines: []inventory.LocatedLine{{SKU: sku, Location: loc, Qty: q}}})
					var se *inventory.ShortageError
					switch {
					case err == nil:
						record(g, linInput{op: linReserve, sku: sku, qty: q}, call, linOutput{ok: true})
						mine = append(mine, held{r.ID, sku, q})
					case errors.As(err, &se) && len(se.Lines) == 1:
						record(g, linInput{op: linReserve, sku: sku, qty: q}, call, linOutput{avail: se.Lines[0].Available})
					default:
						t.Errorf("reserve %d %s: %v", q, sku, err)
						return
					}
				case c < 7 && len(mine) > 0: // settle one of mine, on its own SKU
					i := rng.IntN(len(mine))
					hd := mine[i]
					mine = append(mine[:i], mine[i+1:]...)
					op := linRelease
					if rng.IntN(3) == 0 {
						op = linCommit
					}
					call := clock.Add(1)
					var err error
					if op == linRelease {
						_, err = l.Release(ctx, inventory.SettleRequest{ID: hd.id})
					} else {
						_, err = l.Commit(ctx, inventory.SettleRequest{ID: hd.id})
					}
					if err != nil {
						t.Errorf("%s of %s: %v", linOpNames[op], hd.id, err)
						return
					}
					record(g, linInput{op: op, sku: hd.sku, qty: hd.qty}, call, linOutput{ok: true})
				case c < 8:
					if err := receive(g, sku, int64(1+rng.IntN(2))); err != nil {
						t.Error(err)
						return
					}
				default:
					call := clock.Add(1)
					a, err := l.Availability(ctx, sku, loc)
					if err != nil {
						t.Errorf("availability of %s: %v", sku, err)
						return
					}
					record(g, linInput{op: linRead, sku: sku}, call, linOutput{avail: a.ATP})
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	model := linModel()
	res, info := porcupine.CheckOperationsVerbose(model, history, 10*time.Second)
	if res != porcupine.Ok {
		t.Errorf("porcupine: the history of %d operations is %s, want %s (linearizable)", len(history), res, porcupine.Ok)
		linDump(t, model, history, info)
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// linDump logs the history in call order, and the longest linearizable
// prefixes porcupine found, to show where it went wrong.
func linDump(t *testing.T, model porcupine.Model, history []porcupine.Operation, info porcupine.LinearizationInfo) {
	t.Helper()
	sorted := append([]porcupine.Operation(nil), history...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Call < sorted[j].Call })
	var b strings.Builder
	for _, op := range sorted {
		fmt.Fprintf(&b, "  [%4d,%4d] client %d: %s\n", op.Call, op.Return, op.ClientId, model.DescribeOperation(op.Input, op.Output))
	}
	t.Logf("history in call order:\n%s", b.String())
	for p, lins := range info.PartialLinearizationsOperations() {
		longest := []porcupine.Operation(nil)
		for _, lin := range lins {
			if len(lin) > len(longest) {
				longest = lin
			}
		}
		if len(longest) == 0 {
			continue
		}
		b.Reset()
		state := model.Init()
		for _, op := range longest {
			_, state = model.Step(state, op.Input, op.Output)
			fmt.Fprintf(&b, "  %s => %s\n", model.DescribeOperation(op.Input, op.Output), model.DescribeState(state))
		}
		t.Logf("partition %d: longest linearizable prefix (%d ops):\n%s", p, len(longest), b.String())
	}
}
