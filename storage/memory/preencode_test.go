package memory

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// TestPreencodeMatchesEncoding checks what a command encodes before its
// transaction against what the transaction would encode: with every pair
// numbered, the same bytes (the body after the place of the ID); with one
// not numbered, a refusal (ok false) and nothing appended or numbered; and
// an entry or a reservation stored with the bytes made before reads back
// as itself.
func TestPreencodeMatchesEncoding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := NewInventory()
		n := s.entries.names
		// Number some pairs, as earlier transactions would have.
		for _, sku := range []omnikit.SKU{"A", "B", "SKU-3"} {
			for _, loc := range []omnikit.LocationID{"wh", "s1"} {
				if rapid.Bool().Draw(t, "numbered "+string(sku)+"@"+string(loc)) {
					n.pair(sku, loc)
				}
			}
		}
		if rapid.Bool().Draw(t, "prefix set") {
			n.setIDPrefix("res_a_")
		}
		numbered := func(sku omnikit.SKU, loc omnikit.LocationID) bool {
			_, ok := n.pairs.idx[skuLoc{sku, loc}]
			return ok
		}
		pairs := len(n.pairs.keys)

		e := genEntry(t, 0)
		r := inventory.Reservation{
			ID:        inventory.ReservationID(rapid.SampledFrom([]string{"res_a_00000000000000ff", "res_b_0000000000000001", "cart-7"}).Draw(t, "id")),
			Owner:     rapid.SampledFrom([]string{"", "cart-9"}).Draw(t, "owner"),
			State:     rapid.SampledFrom([]inventory.ReservationState{inventory.Active, inventory.Committed, inventory.Expired}).Draw(t, "state"),
			CreatedAt: time.Unix(rapid.Int64Range(-1<<40, 1<<40).Draw(t, "created"), 5).UTC(),
		}
		if rapid.Bool().Draw(t, "entry of the reservation") {
			e.Reservation = r.ID // as Reserve's: one ID, read once
		}
		if rapid.Bool().Draw(t, "expires") {
			r.ExpiresAt = r.CreatedAt.Add(time.Hour)
		}
		want := true
		for _, p := range e.Postings {
			want = want && numbered(p.From.SKU, p.From.Location) && numbered(p.To.SKU, p.To.Location)
		}
		for range rapid.IntRange(1, 3).Draw(t, "lines") {
			ln := inventory.ReservationLine{SKU: rapid.SampledFrom([]omnikit.SKU{"A", "B", "SKU-3"}).Draw(t, "sku"),
				Location: rapid.SampledFrom([]omnikit.LocationID{"wh", "s1"}).Draw(t, "loc"),
				Qty:      rapid.Int64Range(1, inventory.MaxQty).Draw(t, "qty")}
			ln.Committed = rapid.Int64Range(0, ln.Qty).Draw(t, "committed")
			r.Lines = append(r.Lines, ln)
			want = want && numbered(ln.SKU, ln.Location)
		}

		// Each is appended after a byte "x", to check that a refusal
		// appends nothing.
		head, body, ok := s.Preencode([]byte("x"), []byte("x"), &e, &r)
		if !ok && (string(head) != "x" || string(body) != "x") {
			t.Fatalf("refused but appended %x and %x", head[1:], body[1:])
		}
		if ok != want {
			t.Fatalf("ok = %v, want %v", ok, want)
		}
		if len(n.pairs.keys) != pairs {
			t.Fatal("Preencode numbered a pair")
		}
		if ok {
			// What the transaction would encode: the head, and the body
			// after the ID's counter+1 when the ID has the dense prefix,
			// else 0 (see preencodeBody).
			head, body = head[1:], body[1:]
			inLock, _ := n.appendEntryHead(nil, &e, false, shapeOf(e.Reservation, n.idPrefix))
			if !bytes.Equal(head, inLock) {
				t.Fatalf("head encoded before the transaction %x, in it %x", head, inLock)
			}
			var hint uint64
			if n.idPrefix == "res_a_" && r.ID == "res_a_00000000000000ff" {
				hint = 0xff + 1
			}
			inLock, _ = n.appendBody(binary.LittleEndian.AppendUint64(nil, hint), &r, false)
			if !bytes.Equal(body, inLock) {
				t.Fatalf("body encoded before the transaction %x, in it %x", body, inLock)
			}
		} else {
			head, body = nil, nil
		}

		// The prefix may be set by another transaction between the
		// encoding and this one: an ID encoded as a string must still
		// read back as itself.
		if n.idPrefix == "" && rapid.Bool().Draw(t, "prefix set later") {
			n.setIDPrefix("res_a_")
		}

		// Store both through a transaction, with the bytes made before
		// when there are any, and read them back.
		var tx inventory.PreencodedTx
		err := s.Update(t.Context(), nil, func(itx inventory.Tx) error {
			tx = itx.(inventory.PreencodedTx)
			if head != nil {
				if err := tx.AppendPreencoded(&e, head, nil); err != nil {
					return err
				}
			} else if err := itx.Append(&e, nil); err != nil {
				return err
			}
			if body != nil {
				return tx.PutPreencodedReservation(&r, body)
			}
			return itx.PutReservation(r)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(t.Context(), func(rtx inventory.ReadTx) error {
			got, err := rtx.Entry(e.Seq)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(e, got); diff != "" {
				t.Fatalf("entry read back (-stored +read):\n%s", diff)
			}
			gotR, err := rtx.Reservation(r.ID)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(r, gotR); diff != "" {
				t.Fatalf("reservation read back (-stored +read):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// countingStore counts the records a Ledger has encoded before their
// transaction, those its transactions stored from those bytes, and the
// reservations it made through ReserveDirect with those bytes.
type countingStore struct {
	*Inventory
	entries, reservations int
	appended, put         int
	direct                int
}

func (c *countingStore) ReserveDirect(ctx context.Context, op *inventory.ReserveOp) error {
	if op.Head != nil && op.Body != nil {
		c.direct++
	}
	return c.Inventory.ReserveDirect(ctx, op)
}

func (c *countingStore) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	return c.Inventory.Update(ctx, keys, func(tx inventory.Tx) error {
		return fn(countingTx{memTx: tx.(*memTx), c: c})
	})
}

// countingTx is a transaction of a countingStore.
type countingTx struct {
	*memTx
	c *countingStore
}

func (t countingTx) AppendPreencoded(e *inventory.Entry, head []byte, balances []inventory.Balance) error {
	t.c.appended++
	return t.memTx.AppendPreencoded(e, head, balances)
}

func (t countingTx) PutPreencodedReservation(r *inventory.Reservation, body []byte) error {
	t.c.put++
	return t.memTx.PutPreencodedReservation(r, body)
}

func (c *countingStore) Preencode(head, body []byte, e *inventory.Entry, r *inventory.Reservation) ([]byte, []byte, bool) {
	head, body, ok := c.Inventory.Preencode(head, body, e, r)
	if ok {
		c.entries++
		c.reservations++
	}
	return head, body, ok
}

// TestLedgerPreencodes checks that a Ledger's Reserve on the memory store
// has its entry and reservation encoded before the transaction, that the
// transaction stores those bytes (through ReserveDirect, or, on a store
// that hides it, through the Tx), keyed or not, and that what is stored
// so reads back as the reservation Reserve returned.
func TestLedgerPreencodes(t *testing.T) {
	for _, direct := range []bool{true, false} {
		ctx := t.Context()
		s := &countingStore{Inventory: NewInventory()}
		var store inventory.Store = s
		if !direct {
			store = genericStore{s}
		}
		l, err := inventory.New(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineSKUs(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 5}}}); err != nil {
			t.Fatal(err)
		}
		for i, key := range []string{"", "key-1"} {
			r, err := l.Reserve(ctx, inventory.ReserveRequest{Owner: "cart-1", IdempotencyKey: key,
				Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			if s.entries != i+1 || s.reservations != i+1 {
				t.Fatalf("direct %v, key %q: encoded before the transaction: %d entries, %d reservations; want %d each", direct, key, s.entries, s.reservations, i+1)
			}
			want := [3]int{i + 1, 0, 0} // through ReserveDirect; entries and reservations through the Tx
			if !direct {
				want = [3]int{0, i + 1, i + 1}
			}
			if got := [3]int{s.direct, s.appended, s.put}; got != want {
				t.Fatalf("direct %v, key %q: %d reservations through ReserveDirect with the bytes, %d entries and %d reservations through the Tx; want %v",
					direct, key, got[0], got[1], got[2], want)
			}
			got, err := l.Reservation(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, got); diff != "" {
				t.Fatalf("reservation read back (-returned +read):\n%s", diff)
			}
			if _, err := l.Commit(ctx, inventory.SettleRequest{ID: r.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
