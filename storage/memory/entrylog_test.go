package memory

import (
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
		var log entryLog
		var model []inventory.Entry
		var marks []mark
		var lens []int
		t.Repeat(map[string]func(*rapid.T){
			"append": func(t *rapid.T) {
				n := rapid.IntRange(0, 3).Draw(t, "postings")
				ref := strconv.Itoa(len(model))
				if rapid.IntRange(0, 9).Draw(t, "large") == 0 {
					// A long reference makes a large entry cheaply.
					ref += strings.Repeat("r", rapid.IntRange(inPlaceRoom-100, 2*arenaSize).Draw(t, "size"))
				}
				e := inventory.Entry{Kind: inventory.KindReceive, At: time.Unix(int64(len(model)), 0).UTC(),
					Reference: ref}
				for i := range n {
					sku := omnikit.SKU("SKU-" + strconv.Itoa(i))
					e.Postings = append(e.Postings, inventory.Posting{
						From: inventory.Account{SKU: sku, Location: "wh", Bucket: inventory.Supplier},
						To:   inventory.Account{SKU: sku, Location: "wh", Bucket: inventory.Sellable}, Qty: int64(i + 1)})
				}
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
