package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnikit/omnikit/inventory"
)

// Options configure an Inventory. The zero value (or nil) uses the defaults.
type Options struct {
	// Schema is the PostgreSQL schema that holds the tables. Default:
	// "omnikit".
	Schema string
	// MaxRetries is how many times Update runs a transaction again after
	// a serialization failure, a deadlock or a lost insert race. Default:
	// 10; a negative value disables retries.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries; each wait is drawn at random (full jitter) up to
	// min(MaxBackoff, MinBackoff·2^attempt). Defaults: 1ms and 100ms.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// Inventory is a PostgreSQL inventory.Store on a pgxpool.Pool. It is safe
// for concurrent use. The caller owns the pool and closes it after the
// store's last use.
type Inventory struct {
	pool       *pgxpool.Pool
	schema     string // as given
	qschema    string // quoted for SQL text
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	lockSalt   uint64 // mixed into advisory lock keys: schemas never contend
	q          queries
}

var _ inventory.Store = (*Inventory)(nil)

// Open returns a store on the tables of opts.Schema in pool. It does not
// create or migrate them: call Migrate once at deploy or start. Open does
// not touch the database.
//
// Errors: ErrInvalidOptions.
func Open(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Inventory, error) {
	if pool == nil {
		return nil, fmt.Errorf("%w: pool is nil", ErrInvalidOptions)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = "omnikit"
	}
	if len(o.Schema) > 63 {
		return nil, fmt.Errorf("%w: schema name %q is longer than 63 bytes", ErrInvalidOptions, o.Schema)
	}
	for _, r := range o.Schema {
		if r == 0 {
			return nil, fmt.Errorf("%w: schema name contains NUL", ErrInvalidOptions)
		}
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 10
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		return nil, fmt.Errorf("%w: MaxBackoff %v is below MinBackoff %v", ErrInvalidOptions, o.MaxBackoff, o.MinBackoff)
	}
	s := &Inventory{
		pool:       pool,
		schema:     o.Schema,
		qschema:    pgx.Identifier{o.Schema}.Sanitize(),
		maxRetries: o.MaxRetries,
		minBackoff: o.MinBackoff,
		maxBackoff: o.MaxBackoff,
	}
	h := fnv.New64a()
	h.Write([]byte("omnikit/inventory\x00" + o.Schema))
	s.lockSalt = h.Sum64()
	s.q = newQueries(s.qschema)
	_ = ctx
	return s, nil
}

// Schema returns the schema the store's tables live in.
func (s *Inventory) Schema() string { return s.schema }

// Update runs fn in one READ COMMITTED transaction that first takes an
// advisory lock for each SKU of keys (in sorted key order) and loads the
// balances, safety stocks and channel sums of those SKUs and locations.
// fn's writes are buffered and sent with the COMMIT in one pipelined batch.
// After a serialization failure, a deadlock or a lost race to insert the
// same idempotency key or reservation, the transaction is rolled back and
// run again (fn too) up to Options.MaxRetries times with jittered
// exponential backoff.
//
// Errors: fn's error as it is; ErrUniqueViolation, ErrCheckViolation
// (*ConstraintError); ErrConflict (*ConflictError) when retries run out;
// context and connection errors.
func (s *Inventory) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	lockKeys, pairs, skus := s.lockPlan(keys)
	return s.retry(ctx, func() error { return s.updateOnce(ctx, lockKeys, pairs, skus, fn) })
}

// retry runs once, again after a serialization failure or a deadlock,
// with backoff, up to the configured number of retries.
func (s *Inventory) retry(ctx context.Context, once func() error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := once()
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return translate(err)
		}
		if attempt >= s.maxRetries {
			return exhausted(err, attempt+1)
		}
		if werr := s.backoff(ctx, attempt); werr != nil {
			return werr
		}
	}
}

func (s *Inventory) backoff(ctx context.Context, attempt int) error {
	ceiling := s.maxBackoff
	if attempt < 30 {
		if d := s.minBackoff << attempt; d < ceiling {
			ceiling = d
		}
	}
	d := s.minBackoff/2 + rand.N(ceiling)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Inventory) updateOnce(ctx context.Context, lockKeys []int64, pairs [2][]string, skus []string, fn func(inventory.Tx) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	t := newTx(ctx, s, conn.Conn(), true)
	defer func() {
		t.closed = true
		if t.begun && !t.done {
			// The pool destroys a connection released inside a failed
			// transaction, so a rollback error needs no handling here.
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if len(lockKeys) > 0 {
		if err := t.prelude(lockKeys, pairs, skus); err != nil {
			return err
		}
	}
	if err := fn(t); err != nil {
		return err
	}
	if t.err != nil {
		return t.err // a statement failed and fn dropped its error
	}
	return t.commit()
}

// View runs fn in a REPEATABLE READ READ ONLY transaction: every read sees
// the same snapshot.
//
// Errors: fn's error as it is; context and connection errors.
func (s *Inventory) View(ctx context.Context, fn func(inventory.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	t := newTx(ctx, s, conn.Conn(), false)
	defer func() {
		t.closed = true
		if t.begun && !t.done {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(t); err != nil {
		return translate(err)
	}
	if t.err != nil {
		return translate(t.err)
	}
	if t.begun {
		t.done = true
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return translate(err)
		}
	}
	return nil
}

// lockPlan turns keys into the sorted advisory lock keys of their SKUs
// and the (SKU, location) pairs and SKUs to preload.
func (s *Inventory) lockPlan(keys []inventory.Account) (lockKeys []int64, pairs [2][]string, skus []string) {
	if len(keys) == 0 {
		return nil, pairs, nil
	}
	seenSKU := make(map[string]bool, len(keys))
	seenPair := make(map[skuLoc]bool, len(keys))
	for _, a := range keys {
		if !seenSKU[string(a.SKU)] {
			seenSKU[string(a.SKU)] = true
			skus = append(skus, string(a.SKU))
			lockKeys = append(lockKeys, s.lockKey(string(a.SKU)))
		}
		p := skuLoc{a.SKU, a.Location}
		if !seenPair[p] {
			seenPair[p] = true
			pairs[0] = append(pairs[0], string(a.SKU))
			pairs[1] = append(pairs[1], string(a.Location))
		}
	}
	slices.Sort(lockKeys) // a batch may lock hundreds
	lockKeys = slices.Compact(lockKeys)
	return lockKeys, pairs, skus
}

// lockKey is the advisory lock key of a SKU: a 64-bit FNV-1a hash salted
// with the schema. Two SKUs sharing a key only serialise each other.
func (s *Inventory) lockKey(sku string) int64 {
	h := s.lockSalt
	for i := 0; i < len(sku); i++ {
		h ^= uint64(sku[i])
		h *= 1099511628211
	}
	return int64(h)
}

// SQLSTATE codes the store acts on.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeCheckViolation       = "23514"
)

// retryable reports whether err is worth running the transaction again:
// a serialization failure, a deadlock, or a unique violation of the
// idempotency or reservation key, which means a concurrent transaction
// (holding other locks) inserted the same key first; run again, the
// ledger sees that key.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	case codeUniqueViolation:
		return pe.ConstraintName == "idempotency_pkey" || pe.ConstraintName == "reservations_pkey"
	}
	return false
}

// translate maps a database error to the package's errors by SQLSTATE and
// no rows to inventory.ErrNotFound; other errors are returned as they are.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", inventory.ErrNotFound, err)
	}
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return err
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case codeUniqueViolation, codeCheckViolation:
		return &ConstraintError{Code: pe.Code, Constraint: pe.ConstraintName, Table: pe.TableName, Err: pe}
	case codeSerializationFailure, codeDeadlockDetected:
		return &ConflictError{Attempts: 1, Err: pe}
	}
	return err
}

func exhausted(err error, attempts int) error {
	var pe *pgconn.PgError
	errors.As(err, &pe)
	if pe != nil && pe.Code == codeUniqueViolation {
		return translate(err)
	}
	return &ConflictError{Attempts: attempts, Err: err}
}
