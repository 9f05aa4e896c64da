package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omnikit/omnikit/examples/internal/report"
)

var update = flag.Bool("update", false, "rewrite testdata/unifiedstock.golden from the program's output")

func TestRunGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "unifiedstock.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./examples/unifiedstock -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestRunNumbers checks numbers worked out by hand from the channel rules,
// so that regenerating the golden file cannot hide a wrong result.
func TestRunNumbers(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()

	channels := table(t, out, "What each channel may sell:")
	stock := table(t, out, "Stock per location:")
	for _, c := range []struct {
		name string
		got  string
		want int64
	}{
		// Warehouse beanies: 6 received, 1 reserved by the cart and
		// released again, so 6; less the 20% buffer rounded down: 4.
		{"marketplace beanie", channels["beanie"]["marketplace"], 4},
		// Warehouse T-shirts: 40 - 3 (web order) - 2 (cart) = 35; 80% is
		// 28, over the cap of 25.
		{"marketplace tee-s", channels["tee-s"]["marketplace"], 25},
		// Warehouse hoodies 20 - 1 (cart) = 19, 80% rounded down: 15.
		{"marketplace hoodie-m", channels["hoodie-m"]["marketplace"], 15},
		// Hoodies on the web: warehouse 19; Lyon 6 - 2 (click & collect) -
		// 2 (till) = 2, not above the threshold of 2: 0; Paris 3 - 2 = 1.
		{"web hoodie-m", channels["hoodie-m"]["web"], 20},
		// The app's threshold is 1: 19 + (2-1) + (3-1).
		{"app hoodie-m", channels["hoodie-m"]["app"], 22},
		// The Lyon till sees every sellable hoodie in Lyon, no threshold.
		{"pos-lyon hoodie-m", channels["hoodie-m"]["pos-lyon"], 2},
		{"pos-paris beanie", channels["beanie"]["pos-paris"], 0},
		// The web order committed 2 of 3 T-shirts; the cart holds 2 more.
		{"warehouse tee-s reserved", stock["warehouse/tee-s"]["reserved"], 3},
		{"lyon hoodie-m reserved", stock["store-lyon/hoodie-m"]["reserved"], 2},
		{"lyon hoodie-m sellable", stock["store-lyon/hoodie-m"]["sellable"], 2},
	} {
		got, err := strconv.ParseInt(c.got, 10, 64)
		if err != nil {
			t.Errorf("%s: %q is not a number", c.name, c.got)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.name, got, c.want)
		}
	}
}

// table parses the aligned table that follows title in out (see
// report.Parse).
func table(t *testing.T, out, title string) map[string]map[string]string {
	t.Helper()
	rows, err := report.Parse(out, title)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
