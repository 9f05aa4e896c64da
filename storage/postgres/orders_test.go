package postgres

import (
	"context"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
)

// TestMigrateToOrders: a schema migrated before the orders store (version
// 1) gains its tables with the next Migrate and keeps its ledger.
func TestMigrateToOrders(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	schema := randomSchema()
	dropSchema(t, schema)
	pool := newPool(t, dsn, 4)
	t.Cleanup(pool.Close)
	s, err := Open(ctx, pool, &Options{Schema: schema})
	must(t, err)
	must(t, s.migrate(ctx, Migrations()[:1]))
	must(t, s.Update(ctx, nil, func(tx inventory.Tx) error { return tx.PutSKUs([]omnikit.SKU{"OLD"}) }))

	must(t, s.Migrate(ctx))
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(Migrations()) || v < 2 {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(Migrations()))
	}
	err = s.View(ctx, func(tx inventory.ReadTx) error {
		cfg, err := tx.Config()
		if err == nil && (len(cfg.SKUs) != 1 || cfg.SKUs[0] != "OLD") {
			t.Errorf("SKUs after migrating = %v", cfg.SKUs)
		}
		return err
	})
	must(t, err)
	st := s.Orders()
	if err := st.Create(ctx, orders.Order{ID: "O1", IdempotencyKey: "k", Version: 1}, []orders.Event{{Order: "O1", Type: "test.created"}}); err != nil {
		t.Fatalf("Create after migrating: %v", err)
	}
	if id, err := st.FindByKey(ctx, "k"); err != nil || id != "O1" {
		t.Fatalf("FindByKey after migrating = %q, %v", id, err)
	}
	if evs, err := st.Events(ctx, 0, 10); err != nil || len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("Events after migrating = %+v, %v", evs, err)
	}
}

// TestOrdersSchemas: two schemas in one database keep their orders and
// number their events apart.
func TestOrdersSchemas(t *testing.T) {
	ctx := context.Background()
	a, b := newTestStore(t, nil).Orders(), newTestStore(t, nil).Orders()
	must(t, a.Create(ctx, orders.Order{ID: "O1", ExternalID: "X", Version: 1}, []orders.Event{{Order: "O1"}, {Order: "O1"}}))
	must(t, b.Create(ctx, orders.Order{ID: "O1", ExternalID: "X", Version: 1}, []orders.Event{{Order: "O1"}}))
	if evs, err := b.Events(ctx, 0, 10); err != nil || len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("events of schema b = %+v, %v; want one, numbered 1", evs, err)
	}
}
