package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/postgres"
)

// The migrations embedded in the binary, in the order Migrate applies them.
func Example_migrations() {
	for _, m := range postgres.Migrations() {
		fmt.Printf("%04d %s\n", m.Version, m.Name)
	}
	// Output:
	// 0001 inventory
	// 0002 orders
	// 0003 fillfactor
}

// Opening a ledger on PostgreSQL: one pool per process, Migrate at start,
// then the ledger on the store. (Not run by go test: it needs a server.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("OMNIKIT_POSTGRES_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := postgres.Open(ctx, pool, &postgres.Options{Schema: "omnikit"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	ledger, err := inventory.New(ctx, store, nil)
	if err != nil {
		log.Fatal(err)
	}
	a, err := ledger.Availability(ctx, "SKU-1", "wh")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.ATP)
}
