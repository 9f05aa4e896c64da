package omnikit

import (
	"errors"
	"fmt"
)

// Sentinel errors of the root package. Callers branch on them with
// errors.Is; the typed errors below carry the detail and match these
// sentinels through their Is methods.
var (
	// ErrInvalidID reports an identifier (SKU, LocationID, ChannelID) that
	// is empty, too long or badly formed. See InvalidIDError.
	ErrInvalidID = errors.New("omnikit: invalid id")

	// ErrUnknownCurrency reports a currency code that is not an active
	// ISO 4217 code with a minor unit, or a Money without a currency.
	ErrUnknownCurrency = errors.New("omnikit: unknown currency")

	// ErrCurrencyMismatch reports an operation on two Money values of
	// different currencies. See CurrencyMismatchError.
	ErrCurrencyMismatch = errors.New("omnikit: currency mismatch")

	// ErrInvalidAmount reports an amount that cannot be parsed, that is
	// not a whole number of minor units where one is required, or that
	// does not fit in an int64 of minor units.
	ErrInvalidAmount = errors.New("omnikit: invalid amount")

	// ErrInvalidGeoPoint reports a coordinate that is NaN, infinite or
	// out of range.
	ErrInvalidGeoPoint = errors.New("omnikit: invalid geo point")

	// ErrInvalidSplit reports a Split into no parts or an Allocate whose
	// ratios are empty, negative or all zero.
	ErrInvalidSplit = errors.New("omnikit: invalid split")

	// ErrInvalidAddress reports an Address that fails Validate. See
	// InvalidAddressError.
	ErrInvalidAddress = errors.New("omnikit: invalid address")
)

// InvalidIDError describes why an identifier was refused. It matches
// ErrInvalidID with errors.Is.
type InvalidIDError struct {
	// Kind names the identifier type: "sku", "location" or "channel".
	Kind string
	// Value is the refused value, unmodified.
	Value string
	// Reason says what is wrong with Value, in lower case.
	Reason string
}

// Error implements error. Long values are shortened in the message; the
// full value stays in Value.
func (e *InvalidIDError) Error() string {
	return fmt.Sprintf("omnikit: invalid %s id %s: %s", e.Kind, quoteShort(e.Value), e.Reason)
}

// Is reports whether target is ErrInvalidID.
func (e *InvalidIDError) Is(target error) bool { return target == ErrInvalidID }

// CurrencyMismatchError reports an operation that combined two Money values
// of different currencies. It matches ErrCurrencyMismatch with errors.Is.
type CurrencyMismatchError struct {
	// Op is the operation that was refused: "add", "sub", "cmp" or "less than".
	Op string
	// Left is the currency of the receiver.
	Left Currency
	// Right is the currency of the argument.
	Right Currency
}

// Error implements error.
func (e *CurrencyMismatchError) Error() string {
	return fmt.Sprintf("omnikit: currency mismatch in %s: %s and %s",
		e.Op, currencyLabel(e.Left), currencyLabel(e.Right))
}

// Is reports whether target is ErrCurrencyMismatch.
func (e *CurrencyMismatchError) Is(target error) bool { return target == ErrCurrencyMismatch }

// InvalidAddressError reports the first field of an Address that failed
// validation. It matches ErrInvalidAddress with errors.Is, and also
// ErrInvalidGeoPoint when Field is "Geo".
type InvalidAddressError struct {
	// Field is the Go name of the offending Address field, e.g. "Country".
	Field string
	// Reason says what is wrong with the field, in lower case.
	Reason string
}

// Error implements error.
func (e *InvalidAddressError) Error() string {
	return fmt.Sprintf("omnikit: invalid address: %s: %s", e.Field, e.Reason)
}

// Is reports whether target is ErrInvalidAddress, or ErrInvalidGeoPoint
// for a Geo field error.
func (e *InvalidAddressError) Is(target error) bool {
	return target == ErrInvalidAddress || (e.Field == "Geo" && target == ErrInvalidGeoPoint)
}

// maxQuoted bounds how much of untrusted input is echoed in error messages.
const maxQuoted = 64

// quoteShort quotes s for an error message, cutting it (on a rune
// boundary when the input is valid UTF-8) after maxQuoted bytes.
func quoteShort(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}

// currencyLabel names a currency in messages; the zero Currency has no code.
func currencyLabel(c Currency) string {
	if c.IsZero() {
		return "no currency"
	}
	return c.code
}
