package omnikit

import (
	"errors"
	"strings"
	"testing"
)

func TestIDValidate(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		reason string // "" means valid
	}{
		{"simple", "SKU-123", ""},
		{"unicode", "café-crème/42", ""},
		{"inner space", "red shirt M", ""},
		{"exactly max", strings.Repeat("a", MaxIDLength), ""},
		{"max multibyte", strings.Repeat("é", MaxIDLength/2), ""},
		{"empty", "", "empty"},
		{"too long", strings.Repeat("a", MaxIDLength+1), "longer than 128 bytes"},
		{"too long multibyte", strings.Repeat("é", MaxIDLength/2+1), "longer than 128 bytes"},
		{"invalid utf8", "abc\xff", "not valid utf-8"},
		{"nul", "a\x00b", "contains a control character"},
		{"newline inside", "a\nb", "contains a control character"},
		{"tab at end", "ab\t", "contains a control character"},
		{"del", "a\x7fb", "contains a control character"},
		{"c1 control", "a\u0085b", "contains a control character"},
		{"leading space", " ab", "leading or trailing white space"},
		{"trailing space", "ab ", "leading or trailing white space"},
		{"trailing nbsp", "ab\u00a0", "leading or trailing white space"},
		{"leading ideographic space", "\u3000ab", "leading or trailing white space"},
		{"only space", " ", "leading or trailing white space"},
	}
	kinds := []struct {
		kind     string
		validate func(string) error
		str      func(string) string
	}{
		{"sku", func(s string) error { return SKU(s).Validate() }, func(s string) string { return SKU(s).String() }},
		{"location", func(s string) error { return LocationID(s).Validate() }, func(s string) string { return LocationID(s).String() }},
		{"channel", func(s string) error { return ChannelID(s).Validate() }, func(s string) string { return ChannelID(s).String() }},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.kind+"/"+tt.name, func(t *testing.T) {
				if got := k.str(tt.value); got != tt.value {
					t.Errorf("String() = %q, want %q", got, tt.value)
				}
				err := k.validate(tt.value)
				if tt.reason == "" {
					if err != nil {
						t.Fatalf("Validate(%q) = %v, want nil", tt.value, err)
					}
					return
				}
				if !errors.Is(err, ErrInvalidID) {
					t.Fatalf("Validate(%q) = %v, want ErrInvalidID", tt.value, err)
				}
				var ie *InvalidIDError
				if !errors.As(err, &ie) {
					t.Fatalf("Validate(%q) = %T, want *InvalidIDError", tt.value, err)
				}
				if ie.Kind != k.kind || ie.Value != tt.value || ie.Reason != tt.reason {
					t.Errorf("got %+v, want kind %q value %q reason %q", *ie, k.kind, tt.value, tt.reason)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "omnikit: invalid "+k.kind+" id ") || !strings.HasSuffix(msg, ": "+tt.reason) {
					t.Errorf("message %q: want prefix and reason", msg)
				}
			})
		}
	}
}

func TestInvalidIDErrorMessage(t *testing.T) {
	err := SKU("").Validate()
	if got, want := err.Error(), `omnikit: invalid sku id "": empty`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	long := strings.Repeat("x", 500)
	msg := SKU(long).Validate().Error()
	if strings.Contains(msg, long) || !strings.Contains(msg, `"...: `) {
		t.Errorf("long value not shortened in %q", msg)
	}
	if errors.Is(err, ErrInvalidAmount) {
		t.Error("InvalidIDError matches ErrInvalidAmount")
	}
}
