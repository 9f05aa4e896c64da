package omnikit

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Currency is an ISO 4217 currency with its minor unit: the number of
// decimal places of its smallest unit (2 for EUR cents, 0 for JPY, 3 for
// BHD fils). Obtain one from ParseCurrency; the zero Currency means "no
// currency" and is refused by NewMoney. Currency values are comparable
// with ==.
type Currency struct {
	code  string
	minor int32
}

// ParseCurrency returns the currency for an ISO 4217 alphabetic code.
// Letters are accepted in any case and normalised to upper case ("eur"
// gives EUR). Anything that is not exactly three ASCII letters naming an
// active currency in the embedded table returns an error matching
// ErrUnknownCurrency.
//
// The table holds the active codes of ISO 4217 list one that have a minor
// unit, including fund codes such as CLF and USN. Codes without one
// (precious metals XAU, XAG, XPT, XPD; XDR, XSU, XUA, the XB* bond units,
// the testing code XTS and XXX) are not money in the retail sense and are
// refused.
func ParseCurrency(code string) (Currency, error) {
	if len(code) != 3 {
		return Currency{}, unknownCurrency(code)
	}
	var b [3]byte
	for i := 0; i < 3; i++ {
		c := code[i]
		switch {
		case c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		default:
			return Currency{}, unknownCurrency(code)
		}
		b[i] = c
	}
	norm := string(b[:])
	minor, ok := iso4217[norm]
	if !ok {
		return Currency{}, unknownCurrency(code)
	}
	return Currency{code: norm, minor: minor}, nil
}

// MustCurrency is like ParseCurrency but panics on an unknown code. It is
// meant for package-level variables and tests with literal codes; never
// pass it untrusted input.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Code returns the upper-case ISO 4217 code, or "" for the zero Currency.
func (c Currency) Code() string { return c.code }

// MinorUnits returns the number of decimal places of the currency's minor
// unit (2 for EUR, 0 for JPY, 3 for KWD, 4 for CLF).
func (c Currency) MinorUnits() int32 { return c.minor }

// IsZero reports whether c is the zero Currency, which names no currency.
func (c Currency) IsZero() bool { return c.code == "" }

// String returns the ISO 4217 code, or "" for the zero Currency.
func (c Currency) String() string { return c.code }

func unknownCurrency(code string) error {
	return fmt.Errorf("omnikit: unknown currency %s: %w", quoteShort(code), ErrUnknownCurrency)
}

// iso4217 maps each active ISO 4217 code with a minor unit to that unit.
// Source: ISO 4217 list one (SIX Financial Information), 2025 edition:
// HRK (replaced by EUR in 2023), SLL and ZWL (replaced by SLE and ZWG) are
// gone; XCG (Caribbean guilder) is listed next to ANG, which it replaces
// during 2025, so that existing records still parse.
var iso4217 = map[string]int32{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2,
	"AUD": 2, "AWG": 2, "AZN": 2,
	"BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2,
	"BND": 2, "BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2,
	"BYN": 2, "BZD": 2,
	"CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0,
	"CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
	"DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2,
	"EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2,
	"FJD": 2, "FKP": 2,
	"GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2,
	"GYD": 2,
	"HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2,
	"IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0,
	"JMD": 2, "JOD": 3, "JPY": 0,
	"KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3,
	"KYD": 2, "KZT": 2,
	"LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3,
	"MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2,
	"MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2,
	"MZN": 2,
	"NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2,
	"OMR": 3,
	"PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
	"QAR": 2,
	"RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
	"SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2,
	"SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2,
	"SZL": 2,
	"THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2,
	"TWD": 2, "TZS": 2,
	"UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4,
	"UZS": 2,
	"VED": 2, "VES": 2, "VND": 0, "VUV": 0,
	"WST": 2,
	"XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
	"YER": 2,
	"ZAR": 2, "ZMW": 2, "ZWG": 2,
}

// MarshalJSON encodes the currency as its ISO 4217 code, such as "EUR";
// the zero Currency encodes as "".
func (c Currency) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.code)
}

// UnmarshalJSON decodes a code written by MarshalJSON: "" gives the zero
// Currency, null leaves c unchanged, and an unknown code is an error
// matching ErrUnknownCurrency (c is then unchanged).
func (c *Currency) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	var code string
	if err := json.Unmarshal(data, &code); err != nil {
		return fmt.Errorf("omnikit: decode currency: %v: %w", err, ErrUnknownCurrency)
	}
	if code == "" {
		*c = Currency{}
		return nil
	}
	parsed, err := ParseCurrency(code)
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}
