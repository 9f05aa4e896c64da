package omnikit

import (
	"errors"
	"strings"
	"testing"
)

func TestSentinelMessages(t *testing.T) {
	all := []error{ErrInvalidID, ErrUnknownCurrency, ErrCurrencyMismatch, ErrInvalidAmount,
		ErrInvalidGeoPoint, ErrInvalidSplit, ErrInvalidAddress}
	for i, e := range all {
		msg := e.Error()
		if !strings.HasPrefix(msg, "omnikit: ") || msg != strings.ToLower(msg) {
			t.Errorf("sentinel %q: want lower case with prefix", msg)
		}
		for j, o := range all {
			if i != j && errors.Is(e, o) {
				t.Errorf("%v matches %v", e, o)
			}
		}
	}
}

func TestCurrencyMismatchError(t *testing.T) {
	e := &CurrencyMismatchError{Op: "add", Left: MustCurrency("EUR"), Right: MustCurrency("USD")}
	if got, want := e.Error(), "omnikit: currency mismatch in add: EUR and USD"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrCurrencyMismatch) || errors.Is(e, ErrUnknownCurrency) {
		t.Error("Is matches the wrong sentinels")
	}
	z := &CurrencyMismatchError{Op: "sub", Right: MustCurrency("JPY")}
	if got, want := z.Error(), "omnikit: currency mismatch in sub: no currency and JPY"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInvalidAddressErrorIs(t *testing.T) {
	e := &InvalidAddressError{Field: "City", Reason: "required"}
	if got, want := e.Error(), "omnikit: invalid address: City: required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrInvalidAddress) || errors.Is(e, ErrInvalidGeoPoint) {
		t.Error("City error: wrong sentinel matches")
	}
	g := &InvalidAddressError{Field: "Geo", Reason: "bad"}
	if !errors.Is(g, ErrInvalidAddress) || !errors.Is(g, ErrInvalidGeoPoint) {
		t.Error("Geo error should match both sentinels")
	}
}

func TestQuoteShort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{strings.Repeat("a", maxQuoted), `"` + strings.Repeat("a", maxQuoted) + `"`},
		{strings.Repeat("a", maxQuoted+1), `"` + strings.Repeat("a", maxQuoted) + `"...`},
		// 'é' is two bytes; a cut at byte 64 would split the 33rd one.
		{"a" + strings.Repeat("é", 40), `"a` + strings.Repeat("é", 31) + `"...`},
	}
	for _, tt := range tests {
		if got := quoteShort(tt.in); got != tt.want {
			t.Errorf("quoteShort(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
