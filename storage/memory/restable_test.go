package memory

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// TestResTableModel checks the reservation table against a map, over IDs
// of the dense shape with the table's prefix (counters at, near and far
// beyond the end of dense), of that shape with other prefixes, of nearly
// that shape, and of any other; with the real hash and with one that makes
// most IDs collide, so that spill is used too.
func TestResTableModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tab := newResTable(newNames())
		if rapid.Bool().Draw(t, "colliding hash") {
			tab.hash = func(s string) uint64 { return uint64(len(s) % 3) }
		}
		model := map[inventory.ReservationID]inventory.Reservation{}
		// history keeps each ID's earlier places and values, for setRef.
		type version struct {
			ref uint64
			r   inventory.Reservation
		}
		history := map[inventory.ReservationID][]version{}
		var ids []inventory.ReservationID

		genID := rapid.Custom(func(t *rapid.T) inventory.ReservationID {
			if len(ids) > 0 && rapid.IntRange(0, 2).Draw(t, "reuse") == 0 {
				return rapid.SampledFrom(ids).Draw(t, "old")
			}
			counter := func() uint64 {
				switch rapid.IntRange(0, 3).Draw(t, "counter kind") {
				case 0:
					return rapid.Uint64Range(0, 20).Draw(t, "small")
				case 1:
					return rapid.Uint64Range(denseSize-3, denseSize+3).Draw(t, "edge")
				case 2:
					return rapid.Uint64Range(denseReach, 3*denseReach).Draw(t, "beyond")
				}
				return rapid.Uint64().Draw(t, "any")
			}
			switch rapid.IntRange(0, 4).Draw(t, "shape") {
			case 0, 1:
				return inventory.ReservationID(fmt.Sprintf("res_a_%016x", counter()))
			case 2:
				return inventory.ReservationID(fmt.Sprintf("res_b_%016x", counter()))
			case 3:
				return inventory.ReservationID(fmt.Sprintf("res_a_%016X", counter()|0xa)) // upper case: not the shape
			}
			return inventory.ReservationID(rapid.StringMatching(`[a-z_0-9]{1,20}`).Draw(t, "other"))
		})
		genRes := func(t *rapid.T, id inventory.ReservationID) inventory.Reservation {
			owner := rapid.SampledFrom([]string{"", "cart-1"}).Draw(t, "owner")
			if rapid.IntRange(0, 9).Draw(t, "large") == 0 {
				// More than the room kept for encoding in place, at
				// times more than a chunk.
				owner = strings.Repeat("o", rapid.IntRange(inPlaceRoom-100, 2*arenaSize).Draw(t, "size"))
			}
			r := inventory.Reservation{ID: id, Owner: owner,
				State: rapid.SampledFrom([]inventory.ReservationState{inventory.Active, inventory.Committed}).Draw(t, "state")}
			for i := range rapid.IntRange(0, 2).Draw(t, "lines") {
				r.Lines = append(r.Lines, inventory.ReservationLine{
					SKU:      omnikit.SKU(rapid.SampledFrom([]string{"A", "B"}).Draw(t, "sku")),
					Location: "wh", Qty: int64(i + 1)})
			}
			return r
		}

		t.Repeat(map[string]func(*rapid.T){
			"put": func(t *rapid.T) {
				id := genID.Draw(t, "id")
				r := genRes(t, id)
				_, p, found := tab.find(id)
				_, inModel := model[id]
				if found != inModel {
					t.Fatalf("find(%q) found=%v, model has it: %v", id, found, inModel)
				}
				ref := tab.putAt(&r, p, nil)
				if !inModel {
					ids = append(ids, id)
				}
				model[id] = r
				history[id] = append(history[id], version{ref, r})
			},
			"remove": func(t *rapid.T) {
				id := genID.Draw(t, "id")
				tab.remove(id)
				delete(model, id)
				delete(history, id)
			},
			"restore": func(t *rapid.T) {
				// What a rollback does: point a stored ID back at an
				// earlier record.
				id := genID.Draw(t, "id")
				h := history[id]
				if len(h) < 2 {
					t.Skip("no earlier record")
				}
				prev := h[len(h)-2]
				tab.setRef(id, prev.ref)
				model[id] = prev.r
				history[id] = h[:len(h)-1]
			},
			"get": func(t *rapid.T) {
				id := genID.Draw(t, "id")
				got, ok := tab.get(id)
				want, inModel := model[id]
				if ok != inModel {
					t.Fatalf("get(%q) ok=%v, model has it: %v", id, ok, inModel)
				}
				if ok {
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("get(%q) (-model +table):\n%s", id, diff)
					}
				}
			},
			"": func(t *rapid.T) {
				var got []inventory.ReservationID
				if err := tab.each(func(r inventory.Reservation) error {
					got = append(got, r.ID)
					if diff := cmp.Diff(model[r.ID], r); diff != "" {
						return fmt.Errorf("each gave %q (-model +table):\n%s", r.ID, diff)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				want := make([]inventory.ReservationID, 0, len(model))
				for id := range model {
					want = append(want, id)
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("each gave %d IDs %v, model holds %d: %v", len(got), got, len(want), want)
				}
			},
		})
	})
}

// TestDenseShape checks which IDs have the shape of a Ledger's own.
func TestDenseShape(t *testing.T) {
	for _, c := range []struct {
		id     inventory.ReservationID
		prefix string
		c      uint64
		ok     bool
	}{
		{"res_x1_00000000000000ff", "res_x1_", 255, true},
		{"_0000000000000001", "_", 1, true},
		{"res_x1_00000000000000FF", "", 0, false},
		{"res_x1-00000000000000ff", "", 0, false},
		{"res_x1_0000000000000ff", "", 0, false},
		{"00000000000000ff", "", 0, false},
		{"res_x1_ffffffffffffffff", "res_x1_", 1<<64 - 1, true},
	} {
		prefix, n, ok := denseShape(c.id)
		if prefix != c.prefix || n != c.c || ok != c.ok {
			t.Errorf("denseShape(%q) = %q, %d, %v; want %q, %d, %v", c.id, prefix, n, ok, c.prefix, c.c, c.ok)
		}
	}
}

// hexWord must agree with a digit-by-digit reading of 8 lowercase
// hexadecimal digits, on any 8 bytes.
func TestHexWord(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Digits, and at times one or more bytes that are not: mostly
		// those next to the digits' ranges, where a wrong bound shows.
		b := rapid.SliceOfN(rapid.SampledFrom([]byte("0123456789abcdef")), 8, 8).Draw(t, "digits")
		for range rapid.IntRange(0, 2).Draw(t, "bad") {
			i := rapid.IntRange(0, 7).Draw(t, "at")
			b[i] = rapid.OneOf(
				rapid.SampledFrom([]byte("/:@`gAFG_\x00\x7f\x80\xb0\xb9\xe1\xe6\xff")),
				rapid.Byte(),
			).Draw(t, "byte")
		}
		var want uint32
		wantOK := true
		for _, c := range b {
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			default:
				wantOK = false
			}
			want = want<<4 | uint32(d)
		}
		if !wantOK {
			want = 0
		}
		if got, ok := hexWord(string(b)); got != want || ok != wantOK {
			t.Fatalf("hexWord(%q) = %#x, %v; want %#x, %v", b, got, ok, want, wantOK)
		}
	})
}
