package omnikit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		in    string
		code  string // "" means error
		minor int32
	}{
		{"EUR", "EUR", 2},
		{"USD", "USD", 2},
		{"GBP", "GBP", 2},
		{"JPY", "JPY", 0},
		{"KRW", "KRW", 0},
		{"VND", "VND", 0},
		{"ISK", "ISK", 0},
		{"CLP", "CLP", 0},
		{"XOF", "XOF", 0},
		{"BHD", "BHD", 3},
		{"KWD", "KWD", 3},
		{"JOD", "JOD", 3},
		{"OMR", "OMR", 3},
		{"TND", "TND", 3},
		{"IQD", "IQD", 3},
		{"LYD", "LYD", 3},
		{"CLF", "CLF", 4},
		{"UYW", "UYW", 4},
		{"ZWG", "ZWG", 2},
		{"XCG", "XCG", 2},
		{"eur", "EUR", 2},
		{"jPy", "JPY", 0},
		{"", "", 0},
		{"EU", "", 0},
		{"EURO", "", 0},
		{" EUR", "", 0},
		{"EUR ", "", 0},
		{"E1R", "", 0},
		{"ÉUR", "", 0},
		{"\xffUR", "", 0},
		{"ABC", "", 0},
		{"HRK", "", 0}, // replaced by EUR in 2023
		{"XAU", "", 0}, // gold: no minor unit
		{"XXX", "", 0},
		{"XTS", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseCurrency(tt.in)
			if tt.code == "" {
				if !errors.Is(err, ErrUnknownCurrency) {
					t.Fatalf("ParseCurrency(%q) = %v, %v; want ErrUnknownCurrency", tt.in, c, err)
				}
				if !c.IsZero() {
					t.Errorf("currency on error = %v, want zero", c)
				}
				if !strings.HasPrefix(err.Error(), "omnikit: unknown currency ") {
					t.Errorf("message %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCurrency(%q): %v", tt.in, err)
			}
			if c.Code() != tt.code || c.String() != tt.code || c.MinorUnits() != tt.minor || c.IsZero() {
				t.Errorf("ParseCurrency(%q) = %q/%d, want %q/%d", tt.in, c.Code(), c.MinorUnits(), tt.code, tt.minor)
			}
			if c != MustCurrency(tt.code) {
				t.Errorf("not == to MustCurrency(%q)", tt.code)
			}
		})
	}
}

func TestCurrencyTable(t *testing.T) {
	if n := len(iso4217); n < 150 || n > 190 {
		t.Errorf("table has %d codes; ISO 4217 has about 170", n)
	}
	for code, minor := range iso4217 {
		if len(code) != 3 || strings.ToUpper(code) != code {
			t.Errorf("bad code %q", code)
		}
		if minor < 0 || minor > 4 {
			t.Errorf("%s: minor unit %d", code, minor)
		}
	}
}

func TestZeroCurrency(t *testing.T) {
	var c Currency
	if !c.IsZero() || c.Code() != "" || c.String() != "" || c.MinorUnits() != 0 {
		t.Errorf("zero Currency = %q/%d", c.Code(), c.MinorUnits())
	}
}

func TestMustCurrencyPanics(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("recovered %v, want ErrUnknownCurrency", r)
		}
	}()
	MustCurrency("NOPE")
}

func TestCurrencyJSON(t *testing.T) {
	type wrap struct {
		C Currency
		Z Currency
	}
	b, err := json.Marshal(wrap{C: MustCurrency("JPY")})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"C":"JPY","Z":""}` {
		t.Fatalf("encoded %s", b)
	}
	var w wrap
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if w.C != MustCurrency("JPY") || w.C.MinorUnits() != 0 || !w.Z.IsZero() {
		t.Fatalf("decoded %+v", w)
	}
	for _, bad := range []string{`{"C":"XXQ"}`, `{"C":12}`} {
		w := wrap{C: MustCurrency("EUR")}
		if err := json.Unmarshal([]byte(bad), &w); !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("%s: %v", bad, err)
		}
		if w.C != MustCurrency("EUR") {
			t.Errorf("%s changed the value to %v", bad, w.C)
		}
	}
	if err := json.Unmarshal([]byte(`{"C":null}`), &w); err != nil || w.C != MustCurrency("JPY") {
		t.Errorf("null: %v, %v", err, w.C)
	}
}
