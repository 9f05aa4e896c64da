package postgres

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors; the typed errors below match them with errors.Is.
var (
	// ErrInvalidOptions: Open was given options it cannot use.
	ErrInvalidOptions = errors.New("postgres: invalid options")
	// ErrUniqueViolation: a write broke a primary key or unique constraint
	// (SQLSTATE 23505).
	ErrUniqueViolation = errors.New("postgres: unique violation")
	// ErrCheckViolation: a write broke a CHECK constraint (SQLSTATE 23514),
	// the store's last line of defence, such as a reserved balance below zero.
	ErrCheckViolation = errors.New("postgres: check violation")
	// ErrConflict: a transaction kept failing with serialization failures
	// or deadlocks (SQLSTATE 40001, 40P01) until the retries ran out.
	ErrConflict = errors.New("postgres: transaction conflict")
	// ErrSchemaTooNew: the database was migrated by a newer release than
	// this binary knows.
	ErrSchemaTooNew = errors.New("postgres: database schema is newer than this binary")
	// ErrTxClosed: a transaction was used after its Update or View returned.
	ErrTxClosed = errors.New("postgres: transaction used after it ended")
	// ErrReadOnly: a write was attempted in a View.
	ErrReadOnly = errors.New("postgres: write in a read-only transaction")
	// ErrCorrupt: a stored value could not be decoded.
	ErrCorrupt = errors.New("postgres: corrupt stored value")
)

// ConstraintError is a unique or check violation. It matches
// ErrUniqueViolation or ErrCheckViolation and unwraps to the
// *pgconn.PgError.
type ConstraintError struct {
	Code       string // SQLSTATE: 23505 or 23514
	Constraint string // the constraint's name, such as balances_held_nonnegative
	Table      string
	Err        error
}

// Error implements error.
func (e *ConstraintError) Error() string {
	kind := "constraint violation"
	switch e.Code {
	case codeUniqueViolation:
		kind = "unique violation"
	case codeCheckViolation:
		kind = "check violation"
	}
	return fmt.Sprintf("postgres: %s of %s on %s: %v", kind, e.Constraint, e.Table, e.Err)
}

// Is matches the sentinel of the error's SQLSTATE.
func (e *ConstraintError) Is(target error) bool {
	switch target {
	case ErrUniqueViolation:
		return e.Code == codeUniqueViolation
	case ErrCheckViolation:
		return e.Code == codeCheckViolation
	}
	return false
}

// Unwrap returns the driver's error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// ConflictError is a transaction given up after Attempts runs that each
// failed with a serialization failure or a deadlock. It matches ErrConflict.
type ConflictError struct {
	Attempts int
	Err      error
}

// Error implements error.
func (e *ConflictError) Error() string {
	return "postgres: transaction conflict after " + strconv.Itoa(e.Attempts) + " attempts: " + e.Err.Error()
}

// Is matches ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the last attempt's error.
func (e *ConflictError) Unwrap() error { return e.Err }

// SchemaVersionError is a database at a schema version this binary does
// not know. It matches ErrSchemaTooNew.
type SchemaVersionError struct {
	Schema   string
	Database int // the newest version applied to the database
	Binary   int // the newest version embedded in this binary
}

// Error implements error.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("postgres: schema %q is at version %d, this binary knows up to %d", e.Schema, e.Database, e.Binary)
}

// Is matches ErrSchemaTooNew.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaTooNew }
