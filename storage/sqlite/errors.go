package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/omnikit/omnikit/inventory"
)

var (
	// ErrClosed is returned by every method of an Inventory, and of its
	// Orders, after Close.
	ErrClosed = errors.New("sqlite: store is closed")
	// ErrBusy matches an error caused by the database being locked by
	// another connection or process (SQLITE_BUSY, SQLITE_LOCKED) after
	// Update's retries and the busy timeout ran out.
	ErrBusy = errors.New("sqlite: database is busy")
	// ErrConstraint matches an error caused by a violated constraint of the
	// schema (SQLITE_CONSTRAINT and its extended codes): the last line of
	// defence behind the ledger's own checks, so it means a bug or a
	// damaged database, never bad input.
	ErrConstraint = errors.New("sqlite: constraint violated")
)

// errTxClosed is returned by a transaction used after its Update or View
// returned.
var errTxClosed = errors.New("sqlite: transaction used after it ended")

// errSeqConflict means the cached last sequence number was stale: another
// process appended entries. Update retries with a fresh one.
var errSeqConflict = errors.New("sqlite: entry sequence taken by another writer")

// resultCode returns the SQLite result code (extended where SQLite gives
// one) of err, or 0 if err does not come from SQLite.
func resultCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// retryable reports whether a transaction that failed with err may succeed
// if run again: the database was locked, or the sequence cache was stale.
func retryable(err error) bool {
	if errors.Is(err, errSeqConflict) {
		return true
	}
	switch resultCode(err) & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// translate wraps an error of database/sql or the driver for the caller:
// no rows becomes inventory.ErrNotFound, and SQLite result codes become
// ErrBusy and ErrConstraint, decided by code, never by message. The
// original error stays in the chain.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, inventory.ErrNotFound)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	switch resultCode(err) & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("sqlite: %s: %w: %w", op, ErrBusy, err)
	case sqlite3.SQLITE_CONSTRAINT:
		return fmt.Errorf("sqlite: %s: %w: %w", op, ErrConstraint, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
