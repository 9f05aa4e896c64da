package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit/examples/internal/report"
)

var update = flag.Bool("update", false, "rewrite testdata/clickcollect.golden from the program's output on storage/memory")

const golden = "testdata/clickcollect.golden"

// story runs the program and returns its first line (which names the
// store) and the rest: the story, which must not depend on the store.
func story(t *testing.T, cfg config) (storeLine, rest string) {
	t.Helper()
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, cfg); err != nil {
		t.Fatal(err)
	}
	storeLine, rest, ok := strings.Cut(buf.String(), "\n")
	if !ok || !strings.HasPrefix(storeLine, "Store: ") {
		t.Fatalf("the first line should name the store, got %q", storeLine)
	}
	return storeLine, rest
}

// checkGolden compares a story with the golden file, which holds the
// output without its first line.
func checkGolden(t *testing.T, got string) {
	t.Helper()
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./examples/clickcollect -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestRunGolden tells the day on storage/memory and on SQLite: the stories
// must be identical, and equal to the golden file.
func TestRunGolden(t *testing.T) {
	memLine, mem := story(t, config{Memory: true})
	if memLine != "Store: in memory (storage/memory)" {
		t.Errorf("store line %q", memLine)
	}
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(mem), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkGolden(t, mem)

	path := filepath.Join(t.TempDir(), "day.db")
	sqlLine, sql := story(t, config{DBPath: path})
	if want := "Store: SQLite, file " + path; sqlLine != want {
		t.Errorf("store line %q, want %q", sqlLine, want)
	}
	if diff := cmp.Diff(mem, sql); diff != "" {
		t.Errorf("SQLite tells another story than memory (-memory +sqlite):\n%s", diff)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the -db file should be kept: %v", err)
	}
}

// TestDefaultDatabaseIsTemporary runs the default configuration: a fresh
// SQLite file that is gone after the run.
func TestDefaultDatabaseIsTemporary(t *testing.T) {
	line, rest := story(t, config{})
	checkGolden(t, rest)
	path, ok := strings.CutPrefix(line, "Store: SQLite, file ")
	path, _, ok2 := strings.Cut(path, " (temporary")
	if !ok || !ok2 {
		t.Fatalf("store line %q", line)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary directory %s survived the run (%v)", filepath.Dir(path), err)
	}
}

// TestExistingDatabase: -db refuses a file that exists, unless -fresh.
func TestExistingDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "day.db")
	story(t, config{DBPath: path})
	var buf bytes.Buffer
	err := run(context.Background(), &buf, config{DBPath: path})
	if err == nil || !strings.Contains(err.Error(), "-fresh") {
		t.Fatalf("a second run on %s: got %v, want a refusal that mentions -fresh", path, err)
	}
	if buf.Len() != 0 {
		t.Errorf("a refused run printed %q", buf.String())
	}
	_, rest := story(t, config{DBPath: path, Fresh: true})
	checkGolden(t, rest)
}

// TestBadFlags: combinations that make no sense are refused.
func TestBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{Memory: true, Postgres: "postgres://x"},
		{Memory: true, DBPath: "x.db"},
		{Postgres: "postgres://x", Fresh: true},
		{Fresh: true},
	} {
		if err := run(context.Background(), &bytes.Buffer{}, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestRunNumbers checks numbers worked out by hand from the story, so that
// regenerating the golden file cannot hide a wrong result.
func TestRunNumbers(t *testing.T) {
	_, out := story(t, config{Memory: true})
	opening := table(t, out, "What each channel may sell at opening:")
	stock := table(t, out, "Stock per location at closing:")
	closing := table(t, out, "What each channel may sell at closing:")

	// Received: warehouse 20 hoodies, 30 T-shirts; Paris 4 hoodies, 3
	// beanies; Lyon 5 hoodies, 6 T-shirts, 2 beanies.
	// Order 1001: 2 Lyon hoodies collected.
	// Order 1002: 2 warehouse T-shirts and 1 Paris beanie shipped.
	// Order 1003: 1 Paris hoodie not found (written off), 1 warehouse
	// hoodie shipped instead.
	// Order 1004: 2 Lyon T-shirts reserved, then released at expiry.
	// Order 1005 (marketplace, sent twice): 3 warehouse hoodies reserved.
	cases := []struct {
		name string
		got  string
		want int64
	}{
		{"warehouse hoodies sellable", stock["warehouse/hoodie-m"]["sellable"], 20 - 1 - 3},
		{"warehouse hoodies reserved", stock["warehouse/hoodie-m"]["reserved"], 3},
		{"warehouse T-shirts sellable", stock["warehouse/tee-s"]["sellable"], 30 - 2},
		{"warehouse beanies sellable", stock["warehouse/beanie"]["sellable"], 0},
		{"Paris hoodies sellable", stock["store-paris/hoodie-m"]["sellable"], 4 - 1},
		{"Paris hoodies reserved", stock["store-paris/hoodie-m"]["reserved"], 0},
		{"Paris beanies sellable", stock["store-paris/beanie"]["sellable"], 3 - 1},
		{"Lyon hoodies sellable", stock["store-lyon/hoodie-m"]["sellable"], 5 - 2},
		{"Lyon T-shirts sellable", stock["store-lyon/tee-s"]["sellable"], 6},
		{"Lyon T-shirts reserved", stock["store-lyon/tee-s"]["reserved"], 0},
		{"Lyon beanies sellable", stock["store-lyon/beanie"]["sellable"], 2},
		// The web shop sees the three locations, no rule.
		{"web hoodies at opening", opening["hoodie-m"]["web"], 20 + 4 + 5},
		{"web beanies at opening", opening["beanie"]["web"], 3 + 2},
		{"web hoodies at closing", closing["hoodie-m"]["web"], 16 + 3 + 3},
		{"web T-shirts at closing", closing["tee-s"]["web"], 28 + 6},
		// The marketplace sees the warehouse less 10% (rounded down) and
		// 2 more units.
		{"marketplace hoodies at opening", opening["hoodie-m"]["marketplace"], 20*90/100 - 2},
		{"marketplace T-shirts at opening", opening["tee-s"]["marketplace"], 30*90/100 - 2},
		{"marketplace hoodies at closing", closing["hoodie-m"]["marketplace"], 16*90/100 - 2},
		{"marketplace T-shirts at closing", closing["tee-s"]["marketplace"], 28*90/100 - 2},
		{"marketplace beanies at closing", closing["beanie"]["marketplace"], 0},
	}
	for _, c := range cases {
		got, err := strconv.ParseInt(c.got, 10, 64)
		if err != nil {
			t.Errorf("%s: %q is not a number", c.name, c.got)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.name, got, c.want)
		}
	}
	// One marketplace order although it was sent twice: five orders.
	if !strings.Contains(out, "still order 1005") || strings.Contains(out, "1006") {
		t.Error("the marketplace order sent twice did not yield the one order 1005")
	}
}

// TestRunPostgres tells the day on PostgreSQL when OMNIKIT_POSTGRES_URL is
// set, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, and
// checks that the schema is dropped at exit.
func TestRunPostgres(t *testing.T) {
	dsn := os.Getenv("OMNIKIT_POSTGRES_URL")
	if dsn == "" {
		t.Skip("OMNIKIT_POSTGRES_URL is not set")
	}
	line, rest := story(t, config{Postgres: dsn})
	checkGolden(t, rest)
	schema, ok := strings.CutPrefix(line, "Store: PostgreSQL, schema ")
	schema, _, ok2 := strings.Cut(schema, " ")
	if !ok || !ok2 || !strings.HasPrefix(schema, "clickcollect_") {
		t.Fatalf("store line %q", line)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("schema %s survived the run", schema)
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
