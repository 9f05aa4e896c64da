package report

import (
	"strings"
	"testing"
)

func TestPrintParse(t *testing.T) {
	var b strings.Builder
	b.WriteString("Stock:\n")
	if err := Print(&b, []string{"location", "sku", "sellable"}, [][]string{{"wh", "mug", "12"}, {"paris", "mug", "3"}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("line %q ends in a space", line)
		}
	}
	rows, err := Parse(out, "Stock:")
	if err != nil {
		t.Fatal(err)
	}
	if rows["wh/mug"]["sellable"] != "12" || rows["paris/mug"]["sellable"] != "3" || len(rows) != 2 {
		t.Fatalf("parsed %v from\n%s", rows, out)
	}
	if _, err := Parse(out, "Nothing:"); err == nil {
		t.Fatal("parsed a missing table")
	}
	if _, err := Parse("T:\na b\n1 2 3\n", "T:"); err == nil {
		t.Fatal("parsed a ragged row")
	}
}
