package omnikit

import (
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest identifier, in bytes, that Validate accepts.
const MaxIDLength = 128

// SKU identifies a stock keeping unit: one sellable variant of a product.
// SKUs are opaque and compared byte for byte: "abc" and "ABC" differ.
type SKU string

// LocationID identifies a place that holds or handles stock: a store, a
// warehouse, a dark store, a supplier's drop-ship site.
type LocationID string

// ChannelID identifies a sales channel: a web shop, an app, a store's
// point of sale, a marketplace.
type ChannelID string

// Validate reports whether s is a well-formed SKU. It returns an
// *InvalidIDError matching ErrInvalidID when s is empty, longer than
// MaxIDLength bytes, not valid UTF-8, contains a control character, or
// starts or ends with white space.
func (s SKU) Validate() error { return validateID("sku", string(s)) }

// String returns the SKU as a plain string.
func (s SKU) String() string { return string(s) }

// Validate reports whether l is a well-formed location id, with the same
// rules and errors as SKU.Validate.
func (l LocationID) Validate() error { return validateID("location", string(l)) }

// String returns the location id as a plain string.
func (l LocationID) String() string { return string(l) }

// Validate reports whether c is a well-formed channel id, with the same
// rules and errors as SKU.Validate.
func (c ChannelID) Validate() error { return validateID("channel", string(c)) }

// String returns the channel id as a plain string.
func (c ChannelID) String() string { return string(c) }

// validateID holds the rules shared by every identifier type.
func validateID(kind, v string) error {
	fail := func(reason string) error {
		return &InvalidIDError{Kind: kind, Value: v, Reason: reason}
	}
	switch {
	case v == "":
		return fail("empty")
	case len(v) > MaxIDLength:
		return fail("longer than 128 bytes")
	case !utf8.ValidString(v):
		return fail("not valid utf-8")
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fail("contains a control character")
		}
	}
	first, _ := utf8.DecodeRuneInString(v)
	last, _ := utf8.DecodeLastRuneInString(v)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fail("leading or trailing white space")
	}
	return nil
}
