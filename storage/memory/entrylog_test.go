package memory

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// TestEntryLogModel appends entries of every size (a few bytes, more than
// the room a chunk keeps for encoding in place, more than a chunk) and
// rolls back to marks, checking every entry against a slice.
func TestEntryLogModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		log := entryLog{names: newNames()}
		log.names.setIDPrefix("res_a_")
		var model []inventory.Entry
		var marks []mark
		var lens []int
		t.Repeat(map[string]func(*rapid.T){
			"append": func(t *rapid.T) {
				e := genEntry(t, len(model))
				log.append(&e)
				e.Seq = int64(len(model)) + 1
				model = append(model, e)
			},
			"mark": func(t *rapid.T) {
				marks = append(marks, log.mark())
				lens = append(lens, len(model))
			},
			"rollback": func(t *rapid.T) {
				if len(marks) == 0 {
					t.Skip("no mark")
				}
				i := len(marks) - 1
				log.rollback(marks[i])
				model = model[:lens[i]]
				marks, lens = marks[:i], lens[:i]
			},
			"": func(t *rapid.T) {
				if log.len() != len(model) {
					t.Fatalf("log holds %d entries, model %d", log.len(), len(model))
				}
				if len(model) == 0 {
					return
				}
				i := rapid.IntRange(0, len(model)-1).Draw(t, "entry")
				if diff := cmp.Diff(model[i], log.at(i)); diff != "" {
					t.Fatalf("entry %d (-model +log):\n%s", i+1, diff)
				}
			},
		})
	})
}

// genEntry draws an entry with every field set at times: kinds the log
// numbers and one it does not, the zero time and times far from now,
// reservation IDs held by counter and as strings, in-transit accounts,
// levels and flagged accounts; one entry in ten is large (a long
// reference), more than the room a chunk keeps for encoding in place and
// at times more than a chunk.
func genEntry(t *rapid.T, i int) inventory.Entry {
	kinds := append(entryKinds[:], "kind_the_log_does_not_number")
	e := inventory.Entry{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Reference: strconv.Itoa(i),
		IdempotencyKey: rapid.SampledFrom([]string{"", "key-" + strconv.Itoa(i)}).Draw(t, "key")}
	switch rapid.IntRange(0, 2).Draw(t, "at") {
	case 1:
		e.At = time.Unix(rapid.Int64Range(-1<<40, 1<<40).Draw(t, "sec"), rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")).UTC()
	case 2:
		e.At = time.Unix(int64(i), 0).UTC()
	}
	e.Reservation = inventory.ReservationID(rapid.SampledFrom([]string{"",
		"res_a_" + fmt.Sprintf("%016x", rapid.Uint64().Draw(t, "counter")), "res_b_0000000000000001", "cart-7"}).Draw(t, "reservation"))
	if rapid.IntRange(0, 9).Draw(t, "large") == 0 {
		e.Reference += strings.Repeat("r", rapid.IntRange(inPlaceRoom-100, 2*arenaSize).Draw(t, "size"))
	}
	account := func(t *rapid.T) inventory.Account {
		a := inventory.Account{SKU: omnikit.SKU(rapid.SampledFrom([]string{"A", "B", "SKU-3"}).Draw(t, "sku")),
			Location: omnikit.LocationID(rapid.SampledFrom([]string{"wh", "s1"}).Draw(t, "loc")),
			Bucket:   inventory.Bucket(rapid.IntRange(1, int(inventory.Shrinkage)).Draw(t, "bucket"))}
		if a.Bucket == inventory.InTransit {
			a.Peer = "s2"
		}
		return a
	}
	for range rapid.IntRange(0, 3).Draw(t, "postings") {
		e.Postings = append(e.Postings, inventory.Posting{From: account(t), To: account(t), Qty: rapid.Int64Range(1, inventory.MaxQty).Draw(t, "qty")})
	}
	for range rapid.IntRange(0, 2).Draw(t, "levels") {
		e.Availability = append(e.Availability, inventory.ChannelLevel{
			Channel: omnikit.ChannelID(rapid.SampledFrom([]string{"web", "app"}).Draw(t, "channel")),
			SKU:     omnikit.SKU(rapid.SampledFrom([]string{"A", "B"}).Draw(t, "level sku")), Available: rapid.Int64Range(0, inventory.MaxQty).Draw(t, "available")})
	}
	for range rapid.IntRange(0, 1).Draw(t, "flagged") {
		e.Flagged = append(e.Flagged, account(t))
	}
	return e
}

// TestKindNum checks the encoding's kind numbers against entryKinds,
// which decodes them.
func TestKindNum(t *testing.T) {
	for i, k := range entryKinds {
		if got := kindNum(k); got != i+1 {
			t.Errorf("kindNum(%q) = %d, want %d", k, got, i+1)
		}
	}
	if got := kindNum("custom"); got != 0 {
		t.Errorf("kindNum of an unlisted kind = %d, want 0", got)
	}
}
