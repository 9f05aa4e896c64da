package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one schema migration embedded in the binary.
type Migration struct {
	Version int    // from the file name's numeric prefix: 1 for 0001_inventory.sql
	Name    string // the rest of the file name: "inventory"
	SQL     string
}

// Migrations returns the embedded migrations in the order Migrate applies
// them.
func Migrations() []Migration {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		panic(err) // the embedded files are checked by the package's tests
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration file %s is not named NNNN_name.sql", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := range out {
		if out[i].Version != i+1 {
			return nil, fmt.Errorf("postgres: migration versions are not 1..%d without gaps", len(out))
		}
	}
	return out, nil
}

// Migrate creates the store's schema if needed and applies, in order, every
// embedded migration the database lacks, recording each in the
// schema_migrations table. It runs in one transaction under a
// transaction-scoped advisory lock, so concurrent calls (several instances
// starting at once) are safe: one applies, the others wait and find
// nothing left to do. Call it at deploy or start; Open does not.
//
// Errors: ErrSchemaTooNew (*SchemaVersionError) when the database is at a
// version newer than the binary's; database errors.
func (s *Inventory) Migrate(ctx context.Context) error {
	return s.migrate(ctx, Migrations())
}

func (s *Inventory) migrate(ctx context.Context, ms []Migration) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(s.lockSalt^0x6d6967726174650a)); err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+s.qschema); err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", s.qschema); err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+s.qschema+`.schema_migrations (
		version    int         PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return translate(err)
	}
	var current int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+s.qschema+".schema_migrations").Scan(&current); err != nil {
		return translate(err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if current > latest {
		return &SchemaVersionError{Schema: s.schema, Database: current, Binary: latest}
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		// No arguments: sent with the simple protocol, which runs a file
		// of several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migration %04d_%s: %w", m.Version, m.Name, translate(err))
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.qschema+".schema_migrations (version) VALUES ($1)", m.Version); err != nil {
			return translate(err)
		}
	}
	return tx.Commit(ctx)
}

// SchemaVersion returns the newest migration applied to the store's
// schema, 0 if none.
//
// Errors: database errors.
func (s *Inventory) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", s.qschema+".schema_migrations").Scan(&exists); err != nil {
		return 0, translate(err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+s.qschema+".schema_migrations").Scan(&v); err != nil {
		return 0, translate(err)
	}
	return v, nil
}
