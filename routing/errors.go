package routing

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package matches one of them
// with errors.Is; the typed errors below carry the details (errors.As).
var (
	// ErrInvalidRequest marks a malformed Request (no lines, qty <= 0,
	// duplicate line ids, invalid coordinates, unknown store).
	ErrInvalidRequest = errors.New("routing: invalid request")
	// ErrInvalidNetwork marks a malformed network snapshot (duplicate
	// location ids, NaN coordinates, negative stock).
	ErrInvalidNetwork = errors.New("routing: invalid network")
	// ErrInvalidConfig marks an engine configuration that cannot be used.
	ErrInvalidConfig = errors.New("routing: invalid configuration")
	// ErrInvalidPlan marks a plan returned by a Solver that breaks the
	// rules (more than available, a non-candidate location, a broken
	// split policy).
	ErrInvalidPlan = errors.New("routing: invalid plan")
	// ErrPluginPanic marks a Solver plug-in that panicked. Filters and
	// rankers that panic do not fail the call: they reject their location
	// with reason code CodePluginPanic.
	ErrPluginPanic = errors.New("routing: plug-in panicked")
)

// RequestError describes a bad Request. It matches ErrInvalidRequest.
type RequestError struct {
	// Field names the offending field, such as "Lines[2].Qty".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *RequestError) Error() string {
	return fmt.Sprintf("routing: invalid request: %s: %s", e.Field, e.Reason)
}

// Is reports whether target is ErrInvalidRequest.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// NetworkError describes a bad location in a network snapshot. It matches
// ErrInvalidNetwork.
type NetworkError struct {
	// Location is the offending location id (may be empty).
	Location string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("routing: invalid network: location %q: %s", e.Location, e.Reason)
}

// Is reports whether target is ErrInvalidNetwork.
func (e *NetworkError) Is(target error) bool { return target == ErrInvalidNetwork }

// ConfigError describes a bad engine configuration. It matches
// ErrInvalidConfig.
type ConfigError struct {
	// Strategy names the strategy at fault, if any.
	Strategy string
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("routing: invalid configuration: strategy %q: %s", e.Strategy, e.Reason)
}

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// PlanError describes a plan that a Solver returned and the engine refused.
// It matches ErrInvalidPlan.
type PlanError struct {
	// Solver is the solver's name.
	Solver string
	// Reason says which rule the plan breaks.
	Reason string
}

// Error implements error.
func (e *PlanError) Error() string {
	return fmt.Sprintf("routing: solver %q returned an invalid plan: %s", e.Solver, e.Reason)
}

// Is reports whether target is ErrInvalidPlan.
func (e *PlanError) Is(target error) bool { return target == ErrInvalidPlan }

// PanicError records a recovered panic of a Solver plug-in. It matches
// ErrPluginPanic.
type PanicError struct {
	// Plugin is the plug-in's name.
	Plugin string
	// Value is the value passed to panic.
	Value any
}

// Error implements error.
func (e *PanicError) Error() string {
	return fmt.Sprintf("routing: plug-in %q panicked: %v", e.Plugin, e.Value)
}

// Is reports whether target is ErrPluginPanic.
func (e *PanicError) Is(target error) bool { return target == ErrPluginPanic }
