package orders

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Typed errors below carry the detail and match these with
// errors.Is. Errors of the inventory and routing packages (an unknown SKU,
// location or channel) are returned as they are and match their own
// sentinels.
var (
	// ErrInvalidOrder: a request is malformed (see *ValidationError).
	ErrInvalidOrder = errors.New("orders: invalid order")
	// ErrNotFound: no order or fulfilment with that id exists.
	ErrNotFound = errors.New("orders: not found")
	// ErrDuplicate: a Store already holds an order with that id, key or
	// external id (see *DuplicateError).
	ErrDuplicate = errors.New("orders: duplicate order")
	// ErrConflict: a Store.Save lost a race with another writer.
	ErrConflict = errors.New("orders: concurrent update")
	// ErrIllegalTransition: the fulfilment or order is not in a state that
	// allows the operation (see *TransitionError).
	ErrIllegalTransition = errors.New("orders: illegal transition")
	// ErrUnfulfillable: no plan could hold the ordered stock (see
	// *UnfulfillableError).
	ErrUnfulfillable = errors.New("orders: unfulfillable")
	// ErrPickupCode: the pickup code shown does not match.
	ErrPickupCode = errors.New("orders: wrong pickup code")
	// ErrIdempotencyConflict: an idempotency key or external id was reused
	// with another order.
	ErrIdempotencyConflict = errors.New("orders: idempotency key reused with different input")
	// ErrInProgress: another call is placing the same order right now.
	ErrInProgress = errors.New("orders: placement in progress")
)

// ValidationError says which field of a request is wrong and why.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "orders: invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidOrder.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidOrder }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// DuplicateError names the order that already exists.
type DuplicateError struct {
	Existing OrderID
}

// Error implements error.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("orders: duplicate order (existing %q)", e.Existing)
}

// Is reports whether target is ErrDuplicate.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// TransitionError says that an operation is not allowed in a state.
type TransitionError struct {
	Order      OrderID
	Fulfilment FulfilmentID
	// From is the current state; Op is the operation refused.
	From string
	Op   string
}

// Error implements error.
func (e *TransitionError) Error() string {
	if e.Fulfilment == "" {
		return fmt.Sprintf("orders: cannot %s order %s in state %s", e.Op, e.Order, e.From)
	}
	return fmt.Sprintf("orders: cannot %s fulfilment %s/%s in state %s", e.Op, e.Order, e.Fulfilment, e.From)
}

// Is reports whether target is ErrIllegalTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// Shortfall is a quantity of an order line no location could hold.
type Shortfall struct {
	Line string
	Qty  int64
	// Code is the routing reason code, such as "stock.short".
	Code string
}

// UnfulfillableError names every line that could not be held.
type UnfulfillableError struct {
	Lines []Shortfall
	// Attempts is the number of routing and reserving rounds tried.
	Attempts int
}

// Error implements error.
func (e *UnfulfillableError) Error() string {
	parts := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		parts[i] = fmt.Sprintf("%s short %d (%s)", l.Line, l.Qty, l.Code)
	}
	return fmt.Sprintf("orders: unfulfillable after %d attempt(s): %s", e.Attempts, strings.Join(parts, ", "))
}

// Is reports whether target is ErrUnfulfillable.
func (e *UnfulfillableError) Is(target error) bool { return target == ErrUnfulfillable }
