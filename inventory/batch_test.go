package inventory

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/omnikit/omnikit"
	"pgregory.net/rapid"
)

func genAccount(t *rapid.T, label string) Account {
	return Account{
		SKU:      omnikit.SKU(rapid.SampledFrom([]string{"A", "B", "C"}).Draw(t, label+".sku")),
		Location: omnikit.LocationID(rapid.SampledFrom([]string{"s1", "s2"}).Draw(t, label+".loc")),
		Bucket:   Bucket(rapid.IntRange(1, 3).Draw(t, label+".bucket")),
	}
}

// TestSubset: subset agrees with a plain membership test on sorted sets.
func TestSubset(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var held, keys []Account
		for i := range rapid.IntRange(0, 8).Draw(t, "held") {
			held = append(held, genAccount(t, "h"+itoa(i)))
		}
		for i := range rapid.IntRange(0, 4).Draw(t, "keys") {
			keys = append(keys, genAccount(t, "k"+itoa(i)))
		}
		held, keys = sortKeys(held), sortKeys(keys)
		want := true
		for _, k := range keys {
			if !slices.Contains(held, k) {
				want = false
			}
		}
		if got := subset(keys, held); got != want {
			t.Fatalf("subset(%v, %v) = %v, want %v", keys, held, got, want)
		}
	})
}

// TestDefaultIDsSortInCreationOrder: a Ledger's default reservation IDs
// compare as bytes in the order they were made, across digit counts.
func TestDefaultIDsSortInCreationOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.Uint64().Draw(t, "a")
		b := rapid.Uint64().Draw(t, "b")
		ia, ib := string(appendCounter([]byte("res_x_"), a)), string(appendCounter([]byte("res_x_"), b))
		if got, want := strings.Compare(ia, ib), cmp.Compare(a, b); got != want {
			t.Fatalf("compare(%q, %q) = %d, want %d", ia, ib, got, want)
		}
	})
}

// appendCounter must write what a digit-by-digit formatting writes.
func TestAppendCounter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.Uint64().Draw(t, "c")
		if got, want := string(appendCounter([]byte("p_"), c)), fmt.Sprintf("p_%016x", c); got != want {
			t.Fatalf("appendCounter(%#x) = %q, want %q", c, got, want)
		}
	})
}
