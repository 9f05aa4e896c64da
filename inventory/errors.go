package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/omnikit/omnikit"
)

// Sentinel errors. Typed errors below carry the detail and match these with
// errors.Is.
var (
	// ErrInvalidInput: a request is malformed (see *ValidationError).
	ErrInvalidInput = errors.New("inventory: invalid input")
	// ErrUnknownLocation: a request names a location that is not defined.
	ErrUnknownLocation = errors.New("inventory: unknown location")
	// ErrUnknownSKU: a request names a SKU that is not defined.
	ErrUnknownSKU = errors.New("inventory: unknown sku")
	// ErrUnknownChannel: a request names a channel that is not defined.
	ErrUnknownChannel = errors.New("inventory: unknown channel")
	// ErrInsufficientStock: an authorizing write would drive a bucket
	// below zero (see *ShortageError).
	ErrInsufficientStock = errors.New("inventory: insufficient stock")
	// ErrNotFound: no record with that identity exists. Stores return it
	// for missing reservations, idempotency records and entries.
	ErrNotFound = errors.New("inventory: not found")
	// ErrReservationExists: a Reserve names an ID that is already taken.
	ErrReservationExists = errors.New("inventory: reservation already exists")
	// ErrReservationEnded: the reservation is no longer active (see
	// *ReservationEndedError).
	ErrReservationEnded = errors.New("inventory: reservation has ended")
	// ErrReservationExpired: the reservation reached its deadline; it is
	// also matched by ErrReservationEnded.
	ErrReservationExpired = errors.New("inventory: reservation expired")
	// ErrExceedsReserved: a commit or release asks for more units than the
	// reservation holds open (see *ExceedsReservedError).
	ErrExceedsReserved = errors.New("inventory: exceeds reserved quantity")
	// ErrIdempotencyConflict: an idempotency key was reused with another input.
	ErrIdempotencyConflict = errors.New("inventory: idempotency key reused with different input")
)

// ValidationError says which field of a request is wrong and why.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "inventory: invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// UnknownError names the location, SKU or channel that is not defined.
type UnknownError struct {
	Kind string // "location", "sku" or "channel"
	ID   string
}

// Error implements error.
func (e *UnknownError) Error() string { return "inventory: unknown " + e.Kind + " " + quote(e.ID) }

// Is matches ErrUnknownLocation, ErrUnknownSKU or ErrUnknownChannel by Kind.
func (e *UnknownError) Is(target error) bool {
	switch e.Kind {
	case "location":
		return target == ErrUnknownLocation
	case "sku":
		return target == ErrUnknownSKU
	case "channel":
		return target == ErrUnknownChannel
	}
	return false
}

// Shortage is one line that an authorizing write could not cover.
type Shortage struct {
	SKU      omnikit.SKU
	Location omnikit.LocationID
	Bucket   Bucket
	// Requested is the sum of every line of the command on this SKU and location.
	Requested int64
	// Available is what the bucket could give (ATP for reservations).
	Available int64
}

// ShortageError names every short line of a command. It matches
// ErrInsufficientStock.
type ShortageError struct {
	Lines []Shortage
}

// Error implements error.
func (e *ShortageError) Error() string {
	var b strings.Builder
	b.WriteString("inventory: insufficient stock:")
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s@%s %s requested %d available %d", l.SKU, l.Location, l.Bucket, l.Requested, l.Available)
	}
	return b.String()
}

// Is reports whether target is ErrInsufficientStock.
func (e *ShortageError) Is(target error) bool { return target == ErrInsufficientStock }

// ReservationEndedError says that a reservation is no longer active and how
// it ended. It matches ErrReservationEnded, and ErrReservationExpired when
// the reservation expired.
type ReservationEndedError struct {
	ID    ReservationID
	State ReservationState
}

// Error implements error.
func (e *ReservationEndedError) Error() string {
	return fmt.Sprintf("inventory: reservation %s has ended (%s)", quote(string(e.ID)), e.State)
}

// Is matches ErrReservationEnded, and ErrReservationExpired for an expired reservation.
func (e *ReservationEndedError) Is(target error) bool {
	return target == ErrReservationEnded || (target == ErrReservationExpired && e.State == Expired)
}

// ExceedsReservedError says that a commit or release asked for more than a
// reservation line holds open.
type ExceedsReservedError struct {
	ID        ReservationID
	SKU       omnikit.SKU
	Location  omnikit.LocationID
	Requested int64
	Open      int64
}

// Error implements error.
func (e *ExceedsReservedError) Error() string {
	return fmt.Sprintf("inventory: reservation %s: %s@%s requested %d but %d open", quote(string(e.ID)), e.SKU, e.Location, e.Requested, e.Open)
}

// Is reports whether target is ErrExceedsReserved.
func (e *ExceedsReservedError) Is(target error) bool { return target == ErrExceedsReserved }

// IdempotencyConflictError names the reused key.
type IdempotencyConflictError struct {
	Key string
}

// Error implements error.
func (e *IdempotencyConflictError) Error() string {
	return "inventory: idempotency key " + quote(e.Key) + " reused with different input"
}

// Is reports whether target is ErrIdempotencyConflict.
func (e *IdempotencyConflictError) Is(target error) bool { return target == ErrIdempotencyConflict }

func quote(s string) string { return fmt.Sprintf("%q", s) }
