package omnikit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"

	"github.com/shopspring/decimal"
)

// Money is an exact decimal amount in one currency. It never uses binary
// floating point. Money is an immutable value: every operation returns a
// new Money.
//
// Arithmetic keeps full precision; MulDecimal in particular may produce
// fractions of a minor unit. Round or RoundMode bring an amount back to
// the currency's minor unit, explicitly, at the point where the business
// rule says so.
//
// The zero Money has no currency: it is what an unset field holds, and
// every binary operation with a real Money reports a currency mismatch.
// Use Zero(currency) for a zero amount.
type Money struct {
	amount   decimal.Decimal
	currency Currency
}

// maxAmountLen bounds the length of an amount string accepted by
// ParseMoney and UnmarshalJSON, so that untrusted input cannot make the
// parser or later arithmetic allocate without limit.
const maxAmountLen = 100

// maxSplitParts bounds n in Split, for the same reason.
const maxSplitParts = 1_000_000

// NewMoney returns amount in currency. It returns an error matching
// ErrUnknownCurrency if currency is the zero Currency.
func NewMoney(amount decimal.Decimal, currency Currency) (Money, error) {
	if currency.IsZero() {
		return Money{}, fmt.Errorf("omnikit: money without a currency: %w", ErrUnknownCurrency)
	}
	return Money{amount: amount, currency: currency}, nil
}

// ParseMoney parses a plain decimal amount such as "12.50", "-3" or
// "+0.125" and an ISO 4217 code (see ParseCurrency). The amount may carry
// more decimals than the currency's minor unit; nothing is rounded.
//
// It returns an error matching ErrInvalidAmount for an amount that is
// not an optional sign, one or more ASCII digits and an optional point
// followed by one or more digits (no exponent, no spaces, no thousands
// separators), or that is longer than 100 bytes; and an error matching
// ErrUnknownCurrency for an unknown code.
func ParseMoney(amount, currencyCode string) (Money, error) {
	d, err := parseAmount(amount)
	if err != nil {
		return Money{}, err
	}
	c, err := ParseCurrency(currencyCode)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// MustMoney is like ParseMoney but panics on error. It is meant for tests
// and examples with literal values; never pass it untrusted input.
func MustMoney(amount, code string) Money {
	m, err := ParseMoney(amount, code)
	if err != nil {
		panic(err)
	}
	return m
}

// Zero returns a zero amount in currency.
func Zero(currency Currency) Money {
	return Money{amount: decimal.New(0, -currency.minor), currency: currency}
}

// FromMinorUnits returns units of the currency's minor unit:
// FromMinorUnits(1250, EUR) is 12.50 EUR and FromMinorUnits(1250, JPY) is
// 1250 JPY.
func FromMinorUnits(units int64, currency Currency) Money {
	return Money{amount: decimal.New(units, -currency.minor), currency: currency}
}

// parseAmount accepts [+-]?[0-9]+(\.[0-9]+)? of at most maxAmountLen bytes.
func parseAmount(s string) (decimal.Decimal, error) {
	bad := func() (decimal.Decimal, error) {
		return decimal.Decimal{}, fmt.Errorf("omnikit: invalid amount %s: %w", quoteShort(s), ErrInvalidAmount)
	}
	if s == "" || len(s) > maxAmountLen {
		return bad()
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if digits() == 0 {
		return bad()
	}
	if i < len(s) {
		if s[i] != '.' {
			return bad()
		}
		i++
		if digits() == 0 || i != len(s) {
			return bad()
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return bad()
	}
	return d, nil
}

// Amount returns the decimal amount.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the currency; the zero Currency for the zero Money.
func (m Money) Currency() Currency { return m.currency }

// IsZero reports whether the amount is zero, whatever the currency.
func (m Money) IsZero() bool { return m.amount.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.amount.IsNegative() }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.amount.IsPositive() }

// Sign returns -1, 0 or +1 as the amount is negative, zero or positive.
func (m Money) Sign() int { return m.amount.Sign() }

// MinorUnits returns the amount as a count of minor units (1250 for
// 12.50 EUR). It returns an error matching ErrInvalidAmount if the amount
// is not a whole number of minor units (12.505 EUR) or does not fit in
// an int64.
func (m Money) MinorUnits() (int64, error) {
	units, err := m.minorBig()
	if err != nil {
		return 0, err
	}
	if !units.IsInt64() {
		return 0, fmt.Errorf("omnikit: amount overflows int64 %s minor units: %w", currencyLabel(m.currency), ErrInvalidAmount)
	}
	return units.Int64(), nil
}

// maxMinorDigits bounds the size, in decimal digits of minor units, of an
// amount that MinorUnits, Split and Allocate will convert, so that a
// decimal with an enormous exponent cannot exhaust memory.
const maxMinorDigits = 1000

// minorBig returns the amount in minor units, or an error matching
// ErrInvalidAmount if it is not a whole number of them or is absurdly
// large. It works on the coefficient and exponent directly instead of
// decimal.Shift, which panics when the exponent overflows an int32.
func (m Money) minorBig() (*big.Int, error) {
	coef := m.amount.Coefficient()
	if coef.Sign() == 0 {
		return coef, nil
	}
	exp := int64(m.amount.Exponent()) + int64(m.currency.minor)
	digits := int64(len(new(big.Int).Abs(coef).Text(10)))
	switch {
	case exp >= 0:
		if digits+exp > maxMinorDigits {
			return nil, fmt.Errorf("omnikit: amount too large for minor units: %w", ErrInvalidAmount)
		}
		return coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(exp), nil)), nil
	case -exp > digits:
		// |coef| < 10^digits <= 10^-exp, so coef/10^-exp has a fraction.
		return nil, notWholeMinor(m)
	}
	q, r := new(big.Int).QuoRem(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(-exp), nil), new(big.Int))
	if r.Sign() != 0 {
		return nil, notWholeMinor(m)
	}
	return q, nil
}

// notWholeMinor leaves the amount out of the message: formatting a decimal
// with an extreme exponent could take gigabytes.
func notWholeMinor(m Money) error {
	return fmt.Errorf("omnikit: amount is not a whole number of %s minor units (%d decimals): %w",
		currencyLabel(m.currency), m.currency.minor, ErrInvalidAmount)
}

func (m Money) mismatch(op string, o Money) error {
	if m.currency == o.currency {
		return nil
	}
	return &CurrencyMismatchError{Op: op, Left: m.currency, Right: o.currency}
}

// Add returns m + o. It returns a *CurrencyMismatchError (matching
// ErrCurrencyMismatch) if the currencies differ.
func (m Money) Add(o Money) (Money, error) {
	if err := m.mismatch("add", o); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Add(o.amount), currency: m.currency}, nil
}

// Sub returns m - o. It returns a *CurrencyMismatchError (matching
// ErrCurrencyMismatch) if the currencies differ.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.mismatch("sub", o); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Sub(o.amount), currency: m.currency}, nil
}

// Neg returns -m.
func (m Money) Neg() Money { return Money{amount: m.amount.Neg(), currency: m.currency} }

// Mul returns m multiplied by n, for example a unit price times a
// quantity. It is exact.
func (m Money) Mul(n int64) Money {
	return Money{amount: m.amount.Mul(decimal.NewFromInt(n)), currency: m.currency}
}

// MulDecimal returns m multiplied by d, exactly and unrounded: 10.00 EUR
// times 0.075 is 0.75000 EUR, and 0.99 EUR times 0.5 is 0.495 EUR. Call
// Round or RoundMode when the result must be payable.
func (m Money) MulDecimal(d decimal.Decimal) Money {
	return Money{amount: m.amount.Mul(d), currency: m.currency}
}

// Cmp compares m and o numerically and returns -1, 0 or +1 as m is less
// than, equal to or greater than o. It returns a *CurrencyMismatchError
// (matching ErrCurrencyMismatch) if the currencies differ.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.mismatch("cmp", o); err != nil {
		return 0, err
	}
	return m.amount.Cmp(o.amount), nil
}

// Equal reports whether m and o have the same currency and numerically
// equal amounts: 1.50 EUR equals 1.5 EUR, and 1.50 EUR never equals
// 1.50 USD.
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && m.amount.Equal(o.amount)
}

// LessThan reports whether m < o. It returns a *CurrencyMismatchError
// (matching ErrCurrencyMismatch) if the currencies differ.
func (m Money) LessThan(o Money) (bool, error) {
	if err := m.mismatch("less than", o); err != nil {
		return false, err
	}
	return m.amount.LessThan(o.amount), nil
}

// RoundingMode selects how RoundMode drops digits beyond the minor unit.
type RoundingMode int

// Rounding modes, with what each does to 2.345, 2.355 and -2.345 at two
// decimals.
const (
	// RoundHalfEven rounds to the nearest value, ties to the even digit
	// (banker's rounding): 2.34, 2.36, -2.34. It is the default of Round
	// because it does not bias sums of many roundings.
	RoundHalfEven RoundingMode = iota
	// RoundHalfUp rounds to the nearest value, ties away from zero:
	// 2.35, 2.36, -2.35.
	RoundHalfUp
	// RoundDown truncates toward zero: 2.34, 2.35, -2.34.
	RoundDown
	// RoundUp rounds away from zero: 2.35, 2.36, -2.35.
	RoundUp
	// RoundFloor rounds toward negative infinity: 2.34, 2.35, -2.35.
	RoundFloor
	// RoundCeil rounds toward positive infinity: 2.35, 2.36, -2.34.
	RoundCeil
)

// String returns the mode's name, such as "half-even".
func (r RoundingMode) String() string {
	switch r {
	case RoundHalfEven:
		return "half-even"
	case RoundHalfUp:
		return "half-up"
	case RoundDown:
		return "down"
	case RoundUp:
		return "up"
	case RoundFloor:
		return "floor"
	case RoundCeil:
		return "ceil"
	}
	return fmt.Sprintf("RoundingMode(%d)", int(r))
}

// Round rounds m to its currency's minor unit with half-even (banker's)
// rounding: 0.125 EUR becomes 0.12 EUR and 0.135 EUR becomes 0.14 EUR.
func (m Money) Round() Money { return m.RoundMode(RoundHalfEven) }

// RoundMode rounds m to its currency's minor unit with the given mode. An
// unknown mode rounds half-even, like Round.
func (m Money) RoundMode(mode RoundingMode) Money {
	p := m.currency.minor
	var d decimal.Decimal
	switch mode {
	case RoundHalfUp:
		d = m.amount.Round(p)
	case RoundDown:
		d = m.amount.RoundDown(p)
	case RoundUp:
		d = m.amount.RoundUp(p)
	case RoundFloor:
		d = m.amount.RoundFloor(p)
	case RoundCeil:
		d = m.amount.RoundCeil(p)
	default:
		d = m.amount.RoundBank(p)
	}
	return Money{amount: d, currency: m.currency}
}

// Split divides m into n parts of whole minor units that sum exactly to m
// and differ by at most one minor unit, the larger parts first: 100.00
// EUR into 3 is 33.34, 33.33, 33.33. A negative amount splits as the
// mirror image of its absolute value (-33.34, -33.33, -33.33), so that
// Split(-m) is Split(m) negated.
//
// It returns an error matching ErrInvalidSplit if n < 1 or n exceeds one
// million, and an error matching ErrInvalidAmount if m is not a whole
// number of minor units (round it first).
func (m Money) Split(n int) ([]Money, error) {
	if n < 1 || n > maxSplitParts {
		return nil, fmt.Errorf("omnikit: split into %d parts: %w", n, ErrInvalidSplit)
	}
	total, err := m.minorBig()
	if err != nil {
		return nil, err
	}
	neg := total.Sign() < 0
	total.Abs(total)
	q, r := new(big.Int).QuoRem(total, big.NewInt(int64(n)), new(big.Int))
	extra := int(r.Int64()) // r < n, so it fits
	qPlus := new(big.Int).Add(q, big.NewInt(1))
	parts := make([]Money, n)
	for i := range parts {
		u := q
		if i < extra {
			u = qPlus
		}
		parts[i] = m.fromMinorBig(u, neg)
	}
	return parts, nil
}

// Allocate divides m in proportion to non-negative integer weights, in
// whole minor units that sum exactly to m. Each part first gets the floor
// of its exact share; the minor units left over go one each to the parts
// with the largest fractional remainders, ties to the earlier index. A
// zero weight always gets zero. A negative amount is allocated as the
// mirror image of its absolute value. Allocating 100.00 EUR by 1, 1, 1
// gives 33.34, 33.33, 33.33; by 1, 2 it gives 33.33, 66.67.
//
// It returns an error matching ErrInvalidSplit if there are no weights,
// a weight is negative or all weights are zero, and an error matching
// ErrInvalidAmount if m is not a whole number of minor units.
func (m Money) Allocate(ratios ...int64) ([]Money, error) {
	if len(ratios) == 0 {
		return nil, fmt.Errorf("omnikit: allocate without ratios: %w", ErrInvalidSplit)
	}
	sum := new(big.Int)
	for i, r := range ratios {
		if r < 0 {
			return nil, fmt.Errorf("omnikit: allocate: ratio %d is negative (%d): %w", i, r, ErrInvalidSplit)
		}
		sum.Add(sum, big.NewInt(r))
	}
	if sum.Sign() == 0 {
		return nil, fmt.Errorf("omnikit: allocate: all ratios are zero: %w", ErrInvalidSplit)
	}
	total, err := m.minorBig()
	if err != nil {
		return nil, err
	}
	neg := total.Sign() < 0
	total.Abs(total)

	shares := make([]*big.Int, len(ratios))
	rems := make([]*big.Int, len(ratios))
	left := new(big.Int).Set(total)
	for i, r := range ratios {
		num := new(big.Int).Mul(total, big.NewInt(r))
		shares[i], rems[i] = num.QuoRem(num, sum, new(big.Int))
		left.Sub(left, shares[i])
	}
	// left < number of non-zero remainders <= len(ratios), so it fits.
	order := make([]int, len(ratios))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		if c := rems[order[a]].Cmp(rems[order[b]]); c != 0 {
			return c > 0
		}
		return order[a] < order[b]
	})
	one := big.NewInt(1)
	for k := int64(0); k < left.Int64(); k++ {
		shares[order[k]].Add(shares[order[k]], one)
	}
	parts := make([]Money, len(ratios))
	for i, s := range shares {
		parts[i] = m.fromMinorBig(s, neg)
	}
	return parts, nil
}

// fromMinorBig returns units (negated if neg) minor units of m's currency.
func (m Money) fromMinorBig(units *big.Int, neg bool) Money {
	v := new(big.Int).Set(units)
	if neg {
		v.Neg(v)
	}
	return Money{amount: decimal.NewFromBigInt(v, -m.currency.minor), currency: m.currency}
}

// String formats m as its amount, a space and its currency code: "12.50
// EUR", "1000 JPY", "-0.125 KWD". The amount shows exactly the currency's
// minor-unit decimals when that is exact, and otherwise as many decimals
// as it needs ("0.495 EUR"); it never uses an exponent. The zero Money
// formats as "0".
func (m Money) String() string {
	s := m.amountString()
	if m.currency.IsZero() {
		return s
	}
	return s + " " + m.currency.code
}

// amountString formats the amount with at least the minor-unit decimals
// and no more than it needs beyond them.
func (m Money) amountString() string {
	minor := m.currency.minor
	if m.amount.Exponent() >= -minor {
		return m.amount.StringFixed(minor)
	}
	coef := m.amount.Coefficient()
	exp := m.amount.Exponent()
	ten := big.NewInt(10)
	q, r := new(big.Int), new(big.Int)
	for exp < -minor && coef.Sign() != 0 {
		q.QuoRem(coef, ten, r)
		if r.Sign() != 0 {
			break
		}
		coef.Set(q)
		exp++
	}
	if coef.Sign() == 0 {
		exp = -minor
	}
	return m.amount.StringFixed(-exp)
}

type moneyJSON struct {
	Amount   *json.RawMessage `json:"amount"`
	Currency *json.RawMessage `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.50","currency":"EUR"}, the
// amount as a string formatted as in String so that no decoder turns it
// into a float. The zero Money, which has no currency, encodes as null.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{m.amountString(), m.currency.code})
}

// UnmarshalJSON decodes the form written by MarshalJSON. Both fields are
// required; the amount must be a JSON string in the syntax ParseMoney
// accepts (a JSON number is refused, since it may have passed through a
// float). null leaves m unchanged, as encoding/json does for other types.
// Errors match ErrInvalidAmount or ErrUnknownCurrency; on error m is
// unchanged.
func (m *Money) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	var raw moneyJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("omnikit: decode money: %v: %w", err, ErrInvalidAmount)
	}
	if raw.Amount == nil {
		return fmt.Errorf("omnikit: decode money: missing amount: %w", ErrInvalidAmount)
	}
	if raw.Currency == nil {
		return fmt.Errorf("omnikit: decode money: missing currency: %w", ErrUnknownCurrency)
	}
	var amount string
	if err := json.Unmarshal(*raw.Amount, &amount); err != nil {
		return fmt.Errorf("omnikit: decode money: amount must be a string: %w", ErrInvalidAmount)
	}
	var code string
	if err := json.Unmarshal(*raw.Currency, &code); err != nil {
		return fmt.Errorf("omnikit: decode money: currency must be a string: %w", ErrUnknownCurrency)
	}
	parsed, err := ParseMoney(amount, code)
	if err != nil {
		return err
	}
	*m = parsed
	return nil
}
