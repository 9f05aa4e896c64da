package omnikit

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var (
	eur = MustCurrency("EUR")
	usd = MustCurrency("USD")
	jpy = MustCurrency("JPY")
	kwd = MustCurrency("KWD")
	clf = MustCurrency("CLF")
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// strs formats parts for comparison.
func strs(ms []Money) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

func TestNewMoney(t *testing.T) {
	m, err := NewMoney(dec("12.5"), eur)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Amount().Equal(dec("12.5")) || m.Currency() != eur {
		t.Errorf("got %v", m)
	}
	if _, err := NewMoney(dec("1"), Currency{}); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("zero currency: err = %v, want ErrUnknownCurrency", err)
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount, code string
		want         string // String() of the result
		err          error
	}{
		{"12.50", "EUR", "12.50 EUR", nil},
		{"12.5", "eur", "12.50 EUR", nil},
		{"12", "EUR", "12.00 EUR", nil},
		{"-3", "EUR", "-3.00 EUR", nil},
		{"+3", "EUR", "3.00 EUR", nil},
		{"0.125", "EUR", "0.125 EUR", nil},
		{"0.1250", "EUR", "0.125 EUR", nil},
		{"1000", "JPY", "1000 JPY", nil},
		{"1000.0", "JPY", "1000 JPY", nil},
		{"1.5", "JPY", "1.5 JPY", nil},
		{"1.234", "KWD", "1.234 KWD", nil},
		{"007.10", "USD", "7.10 USD", nil},
		{"-0", "EUR", "0.00 EUR", nil},
		{"123456789012345678901234567890.12", "EUR", "123456789012345678901234567890.12 EUR", nil},
		{"", "EUR", "", ErrInvalidAmount},
		{"abc", "EUR", "", ErrInvalidAmount},
		{"1e3", "EUR", "", ErrInvalidAmount},
		{"1E3", "EUR", "", ErrInvalidAmount},
		{".5", "EUR", "", ErrInvalidAmount},
		{"5.", "EUR", "", ErrInvalidAmount},
		{"1.2.3", "EUR", "", ErrInvalidAmount},
		{"1,50", "EUR", "", ErrInvalidAmount},
		{"1 000", "EUR", "", ErrInvalidAmount},
		{" 1", "EUR", "", ErrInvalidAmount},
		{"1 ", "EUR", "", ErrInvalidAmount},
		{"-", "EUR", "", ErrInvalidAmount},
		{"+-1", "EUR", "", ErrInvalidAmount},
		{"--1", "EUR", "", ErrInvalidAmount},
		{"1.-5", "EUR", "", ErrInvalidAmount},
		{"\u22121", "EUR", "", ErrInvalidAmount}, // unicode minus
		{"NaN", "EUR", "", ErrInvalidAmount},
		{"Inf", "EUR", "", ErrInvalidAmount},
		{"0x10", "EUR", "", ErrInvalidAmount},
		{"١٢", "EUR", "", ErrInvalidAmount}, // Arabic-Indic digits
		{strings.Repeat("9", maxAmountLen), "EUR", strings.Repeat("9", maxAmountLen) + ".00 EUR", nil},
		{strings.Repeat("9", maxAmountLen+1), "EUR", "", ErrInvalidAmount},
		{"1", "", "", ErrUnknownCurrency},
		{"1", "EURO", "", ErrUnknownCurrency},
		{"1", "ABC", "", ErrUnknownCurrency},
		{"bad", "ABC", "", ErrInvalidAmount}, // amount is checked first
	}
	for _, tt := range tests {
		t.Run(tt.amount+"_"+tt.code, func(t *testing.T) {
			m, err := ParseMoney(tt.amount, tt.code)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "omnikit: ") {
					t.Errorf("message %q lacks prefix", err)
				}
				if m != (Money{}) {
					t.Errorf("money on error = %v, want zero", m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMustMoneyPanics(t *testing.T) {
	if got := MustMoney("1.5", "EUR").String(); got != "1.50 EUR" {
		t.Errorf("MustMoney = %q", got)
	}
	for _, in := range [][2]string{{"x", "EUR"}, {"1", "XYZ"}} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("MustMoney(%q, %q) did not panic", in[0], in[1])
				}
			}()
			MustMoney(in[0], in[1])
		}()
	}
}

func TestZeroAndFromMinorUnits(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Zero(eur), "0.00 EUR"},
		{Zero(jpy), "0 JPY"},
		{Zero(kwd), "0.000 KWD"},
		{FromMinorUnits(1250, eur), "12.50 EUR"},
		{FromMinorUnits(-5, eur), "-0.05 EUR"},
		{FromMinorUnits(1250, jpy), "1250 JPY"},
		{FromMinorUnits(1, kwd), "0.001 KWD"},
		{FromMinorUnits(12345, clf), "1.2345 CLF"},
		{FromMinorUnits(math.MaxInt64, eur), "92233720368547758.07 EUR"},
		{FromMinorUnits(math.MinInt64, eur), "-92233720368547758.08 EUR"},
		{Money{}, "0"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if !Zero(eur).IsZero() || Zero(eur).Currency() != eur {
		t.Error("Zero(eur) is not a zero EUR amount")
	}
}

func TestPredicates(t *testing.T) {
	tests := []struct {
		m              Money
		zero, neg, pos bool
		sign           int
	}{
		{MustMoney("1.00", "EUR"), false, false, true, 1},
		{MustMoney("-0.01", "EUR"), false, true, false, -1},
		{MustMoney("0.00", "EUR"), true, false, false, 0},
		{MustMoney("-0", "EUR"), true, false, false, 0},
		{Money{}, true, false, false, 0},
	}
	for _, tt := range tests {
		if tt.m.IsZero() != tt.zero || tt.m.IsNegative() != tt.neg || tt.m.IsPositive() != tt.pos || tt.m.Sign() != tt.sign {
			t.Errorf("%v: zero %v neg %v pos %v sign %d", tt.m, tt.m.IsZero(), tt.m.IsNegative(), tt.m.IsPositive(), tt.m.Sign())
		}
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		m    Money
		want int64
		err  bool
	}{
		{MustMoney("12.50", "EUR"), 1250, false},
		{MustMoney("12.5", "EUR"), 1250, false},
		{MustMoney("-0.01", "EUR"), -1, false},
		{MustMoney("0", "EUR"), 0, false},
		{MustMoney("1000", "JPY"), 1000, false},
		{MustMoney("1.234", "KWD"), 1234, false},
		{MustMoney("12.500000", "EUR"), 1250, false},
		{MustMoney("92233720368547758.07", "EUR"), math.MaxInt64, false},
		{MustMoney("-92233720368547758.08", "EUR"), math.MinInt64, false},
		{Money{}, 0, false},
		{MustMoney("12.505", "EUR"), 0, true},
		{MustMoney("0.5", "JPY"), 0, true},
		{MustMoney("92233720368547758.08", "EUR"), 0, true},
		{MustMoney("-92233720368547758.09", "EUR"), 0, true},
		{MustMoney("0."+strings.Repeat("0", 60)+"1", "EUR"), 0, true},
		{Money{amount: decimal.New(1, math.MaxInt32), currency: eur}, 0, true},
		{Money{amount: decimal.New(1, math.MinInt32), currency: eur}, 0, true},
		{Money{amount: decimal.New(5, 1000), currency: jpy}, 0, true},
	}
	for _, tt := range tests {
		got, err := tt.m.MinorUnits()
		if tt.err {
			if !errors.Is(err, ErrInvalidAmount) {
				t.Errorf("%v: err = %v, want ErrInvalidAmount", tt.m.Amount(), err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v: MinorUnits() = %d, %v; want %d", tt.m, got, err, tt.want)
		}
	}
}

func TestAddSubCmp(t *testing.T) {
	a, b := MustMoney("10.25", "EUR"), MustMoney("0.755", "EUR")
	sum, err := a.Add(b)
	if err != nil || sum.String() != "11.005 EUR" {
		t.Errorf("Add = %v, %v", sum, err)
	}
	diff, err := a.Sub(b)
	if err != nil || diff.String() != "9.495 EUR" {
		t.Errorf("Sub = %v, %v", diff, err)
	}
	tests := []struct {
		a, b Money
		cmp  int
	}{
		{MustMoney("1.5", "EUR"), MustMoney("1.50", "EUR"), 0},
		{MustMoney("1.49", "EUR"), MustMoney("1.5", "EUR"), -1},
		{MustMoney("-1", "EUR"), MustMoney("-2", "EUR"), 1},
		{Zero(eur), MustMoney("-0.00", "EUR"), 0},
	}
	for _, tt := range tests {
		c, err := tt.a.Cmp(tt.b)
		if err != nil || c != tt.cmp {
			t.Errorf("%v Cmp %v = %d, %v; want %d", tt.a, tt.b, c, err, tt.cmp)
		}
		lt, err := tt.a.LessThan(tt.b)
		if err != nil || lt != (tt.cmp < 0) {
			t.Errorf("%v LessThan %v = %v, %v", tt.a, tt.b, lt, err)
		}
		if tt.a.Equal(tt.b) != (tt.cmp == 0) {
			t.Errorf("%v Equal %v = %v", tt.a, tt.b, tt.a.Equal(tt.b))
		}
	}
}

func TestCurrencyMismatch(t *testing.T) {
	e, u := MustMoney("1", "EUR"), MustMoney("1", "USD")
	check := func(op string, err error, left, right Currency) {
		t.Helper()
		if !errors.Is(err, ErrCurrencyMismatch) {
			t.Fatalf("%s: err = %v, want ErrCurrencyMismatch", op, err)
		}
		var me *CurrencyMismatchError
		if !errors.As(err, &me) {
			t.Fatalf("%s: err %T is not *CurrencyMismatchError", op, err)
		}
		if me.Op != op || me.Left != left || me.Right != right {
			t.Errorf("got %+v, want op %q %v/%v", *me, op, left, right)
		}
	}
	m, err := e.Add(u)
	check("add", err, eur, usd)
	if m != (Money{}) {
		t.Errorf("Add returned %v on error", m)
	}
	_, err = u.Sub(e)
	check("sub", err, usd, eur)
	c, err := e.Cmp(u)
	check("cmp", err, eur, usd)
	if c != 0 {
		t.Errorf("Cmp returned %d on error", c)
	}
	lt, err := e.LessThan(u)
	check("less than", err, eur, usd)
	if lt {
		t.Error("LessThan returned true on error")
	}
	_, err = Money{}.Add(e)
	check("add", err, Currency{}, eur)
	if e.Equal(u) || e.Equal(Money{amount: dec("1")}) {
		t.Error("Equal across currencies")
	}
}

func TestNegMul(t *testing.T) {
	tests := []struct {
		got  Money
		want string
	}{
		{MustMoney("1.25", "EUR").Neg(), "-1.25 EUR"},
		{MustMoney("-1.25", "EUR").Neg(), "1.25 EUR"},
		{Zero(eur).Neg(), "0.00 EUR"},
		{MustMoney("1.25", "EUR").Mul(3), "3.75 EUR"},
		{MustMoney("1.25", "EUR").Mul(-2), "-2.50 EUR"},
		{MustMoney("1.25", "EUR").Mul(0), "0.00 EUR"},
		{MustMoney("0.01", "EUR").Mul(math.MaxInt64), "92233720368547758.07 EUR"},
		{MustMoney("2", "EUR").Mul(math.MaxInt64), "18446744073709551614.00 EUR"},
		{MustMoney("10.00", "EUR").MulDecimal(dec("0.075")), "0.75 EUR"},
		{MustMoney("0.99", "EUR").MulDecimal(dec("0.5")), "0.495 EUR"},
		{MustMoney("100", "JPY").MulDecimal(dec("0.333")), "33.3 JPY"},
		{MustMoney("1", "EUR").MulDecimal(dec("-1")), "-1.00 EUR"},
	}
	for _, tt := range tests {
		if s := tt.got.String(); s != tt.want {
			t.Errorf("got %q, want %q", s, tt.want)
		}
	}
	if c := MustMoney("1", "USD").Mul(2).Currency(); c != usd {
		t.Errorf("Mul changed currency to %v", c)
	}
}

func TestRoundMode(t *testing.T) {
	modes := []RoundingMode{RoundHalfEven, RoundHalfUp, RoundDown, RoundUp, RoundFloor, RoundCeil}
	tests := []struct {
		amount, code string
		want         [6]string // in the order of modes
	}{
		{"2.345", "EUR", [6]string{"2.34", "2.35", "2.34", "2.35", "2.34", "2.35"}},
		{"2.355", "EUR", [6]string{"2.36", "2.36", "2.35", "2.36", "2.35", "2.36"}},
		{"-2.345", "EUR", [6]string{"-2.34", "-2.35", "-2.34", "-2.35", "-2.35", "-2.34"}},
		{"-2.355", "EUR", [6]string{"-2.36", "-2.36", "-2.35", "-2.36", "-2.36", "-2.35"}},
		{"2.3451", "EUR", [6]string{"2.35", "2.35", "2.34", "2.35", "2.34", "2.35"}},
		{"2.3449", "EUR", [6]string{"2.34", "2.34", "2.34", "2.35", "2.34", "2.35"}},
		{"0.005", "EUR", [6]string{"0.00", "0.01", "0.00", "0.01", "0.00", "0.01"}},
		{"-0.005", "EUR", [6]string{"0.00", "-0.01", "0.00", "-0.01", "-0.01", "0.00"}},
		{"2.34", "EUR", [6]string{"2.34", "2.34", "2.34", "2.34", "2.34", "2.34"}},
		{"2", "EUR", [6]string{"2.00", "2.00", "2.00", "2.00", "2.00", "2.00"}},
		{"2.5", "JPY", [6]string{"2", "3", "2", "3", "2", "3"}},
		{"3.5", "JPY", [6]string{"4", "4", "3", "4", "3", "4"}},
		{"-2.5", "JPY", [6]string{"-2", "-3", "-2", "-3", "-3", "-2"}},
		{"1.0005", "KWD", [6]string{"1.000", "1.001", "1.000", "1.001", "1.000", "1.001"}},
		{"1.00015", "CLF", [6]string{"1.0002", "1.0002", "1.0001", "1.0002", "1.0001", "1.0002"}},
	}
	for _, tt := range tests {
		m := MustMoney(tt.amount, tt.code)
		for i, mode := range modes {
			r := m.RoundMode(mode)
			if got, want := r.String(), tt.want[i]+" "+tt.code; got != want {
				t.Errorf("%s %s RoundMode(%v) = %q, want %q", tt.amount, tt.code, mode, got, want)
			}
			if r.Currency() != m.Currency() {
				t.Errorf("rounding changed currency")
			}
			if _, err := r.MinorUnits(); err != nil {
				t.Errorf("rounded %v is not whole minor units: %v", r, err)
			}
		}
		if got, want := m.Round(), m.RoundMode(RoundHalfEven); !got.Equal(want) {
			t.Errorf("Round() = %v, want %v", got, want)
		}
	}
	if got := MustMoney("2.345", "EUR").RoundMode(RoundingMode(99)).String(); got != "2.34 EUR" {
		t.Errorf("unknown mode: %q, want half-even", got)
	}
}

func TestRoundingModeString(t *testing.T) {
	want := map[RoundingMode]string{
		RoundHalfEven: "half-even", RoundHalfUp: "half-up", RoundDown: "down",
		RoundUp: "up", RoundFloor: "floor", RoundCeil: "ceil", RoundingMode(-1): "RoundingMode(-1)",
	}
	for m, w := range want {
		if m.String() != w {
			t.Errorf("%d.String() = %q, want %q", int(m), m.String(), w)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		amount, code string
		n            int
		want         []string
	}{
		{"100.00", "EUR", 3, []string{"33.34 EUR", "33.33 EUR", "33.33 EUR"}},
		{"100.00", "EUR", 1, []string{"100.00 EUR"}},
		{"0.05", "EUR", 3, []string{"0.02 EUR", "0.02 EUR", "0.01 EUR"}},
		{"0.02", "EUR", 4, []string{"0.01 EUR", "0.01 EUR", "0.00 EUR", "0.00 EUR"}},
		{"0", "EUR", 2, []string{"0.00 EUR", "0.00 EUR"}},
		{"-100.00", "EUR", 3, []string{"-33.34 EUR", "-33.33 EUR", "-33.33 EUR"}},
		{"-0.01", "EUR", 2, []string{"-0.01 EUR", "0.00 EUR"}},
		{"1000", "JPY", 3, []string{"334 JPY", "333 JPY", "333 JPY"}},
		{"1.000", "KWD", 3, []string{"0.334 KWD", "0.333 KWD", "0.333 KWD"}},
		{"12.5", "EUR", 2, []string{"6.25 EUR", "6.25 EUR"}},
		{"184467440737095516.17", "EUR", 2, []string{"92233720368547758.09 EUR", "92233720368547758.08 EUR"}},
	}
	for _, tt := range tests {
		parts, err := MustMoney(tt.amount, tt.code).Split(tt.n)
		if err != nil {
			t.Errorf("Split(%s %s, %d): %v", tt.amount, tt.code, tt.n, err)
			continue
		}
		if diff := cmp.Diff(tt.want, strs(parts)); diff != "" {
			t.Errorf("Split(%s %s, %d) (-want +got):\n%s", tt.amount, tt.code, tt.n, diff)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	m := MustMoney("10.00", "EUR")
	for _, n := range []int{0, -1, math.MinInt, maxSplitParts + 1, math.MaxInt} {
		if parts, err := m.Split(n); !errors.Is(err, ErrInvalidSplit) || parts != nil {
			t.Errorf("Split(%d) = %v, %v; want ErrInvalidSplit", n, parts, err)
		}
	}
	if parts, err := MustMoney("10.005", "EUR").Split(2); !errors.Is(err, ErrInvalidAmount) || parts != nil {
		t.Errorf("Split of sub-minor amount = %v, %v; want ErrInvalidAmount", parts, err)
	}
	if parts, err := m.Split(maxSplitParts); err != nil || len(parts) != maxSplitParts {
		t.Errorf("Split(max) = %d parts, %v", len(parts), err)
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		amount, code string
		ratios       []int64
		want         []string
	}{
		{"100.00", "EUR", []int64{1, 1, 1}, []string{"33.34 EUR", "33.33 EUR", "33.33 EUR"}},
		{"100.00", "EUR", []int64{1, 2}, []string{"33.33 EUR", "66.67 EUR"}},
		{"100.00", "EUR", []int64{70, 20, 10}, []string{"70.00 EUR", "20.00 EUR", "10.00 EUR"}},
		{"0.05", "EUR", []int64{3, 7}, []string{"0.02 EUR", "0.03 EUR"}}, // 1.5, 3.5: tie to index 0
		{"0.10", "EUR", []int64{1, 0, 1}, []string{"0.05 EUR", "0.00 EUR", "0.05 EUR"}},
		{"0.01", "EUR", []int64{0, 1, 1}, []string{"0.00 EUR", "0.01 EUR", "0.00 EUR"}},
		{"0.01", "EUR", []int64{5}, []string{"0.01 EUR"}},
		{"10.00", "EUR", []int64{0, 0, 3}, []string{"0.00 EUR", "0.00 EUR", "10.00 EUR"}},
		// 10 by 1,1,1,1,1,1,1: 1.428..., three units left over go to 0, 1, 2.
		{"0.10", "EUR", []int64{1, 1, 1, 1, 1, 1, 1}, []string{"0.02 EUR", "0.02 EUR", "0.02 EUR", "0.01 EUR", "0.01 EUR", "0.01 EUR", "0.01 EUR"}},
		// Largest remainder wins over the earlier index: 100 by 1,3,3 = 14.28, 42.85, 42.85.
		{"1.00", "EUR", []int64{1, 3, 3}, []string{"0.14 EUR", "0.43 EUR", "0.43 EUR"}},
		// 100 by 2,1 = 66.6 and 33.3: the unit goes to the larger remainder (index 0).
		{"1.00", "EUR", []int64{2, 1}, []string{"0.67 EUR", "0.33 EUR"}},
		{"-100.00", "EUR", []int64{1, 2}, []string{"-33.33 EUR", "-66.67 EUR"}},
		{"-0.05", "EUR", []int64{3, 7}, []string{"-0.02 EUR", "-0.03 EUR"}},
		{"0", "EUR", []int64{1, 1}, []string{"0.00 EUR", "0.00 EUR"}},
		{"1000", "JPY", []int64{1, 1, 1}, []string{"334 JPY", "333 JPY", "333 JPY"}},
		{"1.00", "EUR", []int64{math.MaxInt64, math.MaxInt64}, []string{"0.50 EUR", "0.50 EUR"}},
		{"0.03", "EUR", []int64{math.MaxInt64, math.MaxInt64, 1}, []string{"0.02 EUR", "0.01 EUR", "0.00 EUR"}},
	}
	for _, tt := range tests {
		parts, err := MustMoney(tt.amount, tt.code).Allocate(tt.ratios...)
		if err != nil {
			t.Errorf("Allocate(%s %s, %v): %v", tt.amount, tt.code, tt.ratios, err)
			continue
		}
		if diff := cmp.Diff(tt.want, strs(parts)); diff != "" {
			t.Errorf("Allocate(%s %s, %v) (-want +got):\n%s", tt.amount, tt.code, tt.ratios, diff)
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	m := MustMoney("10.00", "EUR")
	for _, ratios := range [][]int64{nil, {}, {0}, {0, 0}, {-1, 2}, {1, -1}, {math.MinInt64}} {
		if parts, err := m.Allocate(ratios...); !errors.Is(err, ErrInvalidSplit) || parts != nil {
			t.Errorf("Allocate(%v) = %v, %v; want ErrInvalidSplit", ratios, parts, err)
		}
	}
	if _, err := MustMoney("10.001", "EUR").Allocate(1, 1); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("Allocate of sub-minor amount: err = %v, want ErrInvalidAmount", err)
	}
	// Ratios are checked before the amount.
	if _, err := MustMoney("10.001", "EUR").Allocate(); !errors.Is(err, ErrInvalidSplit) {
		t.Errorf("err = %v, want ErrInvalidSplit", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{MustMoney("12.5", "EUR"), "12.50 EUR"},
		{MustMoney("1000", "JPY"), "1000 JPY"},
		{MustMoney("-0.5", "EUR"), "-0.50 EUR"},
		{MustMoney("0.00500", "EUR"), "0.005 EUR"},
		{MustMoney("1.10000", "JPY"), "1.1 JPY"},
		{MustMoney("-12.3456", "EUR"), "-12.3456 EUR"},
		{Money{amount: decimal.New(15, 3), currency: eur}, "15000.00 EUR"},
		{Money{amount: decimal.New(0, -7), currency: eur}, "0.00 EUR"},
		{Money{amount: decimal.New(1, -30), currency: eur}, "0.000000000000000000000000000001 EUR"},
		{Money{amount: dec("3.25")}, "3.25"}, // no currency: no code, exact digits
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestStringIgnoresDecimalGlobals(t *testing.T) {
	old := decimal.UseScientificNotation
	decimal.UseScientificNotation = true
	defer func() { decimal.UseScientificNotation = old }()
	if got := (Money{amount: decimal.New(15, 3), currency: jpy}).String(); got != "15000 JPY" {
		t.Errorf("String() = %q with scientific notation on", got)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{MustMoney("12.5", "EUR"), `{"amount":"12.50","currency":"EUR"}`},
		{MustMoney("1000", "JPY"), `{"amount":"1000","currency":"JPY"}`},
		{MustMoney("-0.125", "EUR"), `{"amount":"-0.125","currency":"EUR"}`},
		{Money{}, `null`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.m)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.m, b, err, tt.want)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("Unmarshal(%s): %v", b, err)
		}
		if !back.Equal(tt.m) {
			t.Errorf("round trip %v -> %s -> %v", tt.m, b, back)
		}
	}
	// Inside a struct, by value and by pointer.
	type line struct {
		Price Money  `json:"price"`
		Tax   *Money `json:"tax,omitempty"`
	}
	tax := MustMoney("0.20", "EUR")
	b, err := json.Marshal(line{Price: MustMoney("1", "EUR"), Tax: &tax})
	if err != nil || string(b) != `{"price":{"amount":"1.00","currency":"EUR"},"tax":{"amount":"0.20","currency":"EUR"}}` {
		t.Errorf("Marshal struct = %s, %v", b, err)
	}
	var l line
	if err := json.Unmarshal(b, &l); err != nil || !l.Price.Equal(MustMoney("1", "EUR")) || l.Tax == nil || !l.Tax.Equal(tax) {
		t.Errorf("Unmarshal struct = %+v, %v", l, err)
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{`{"amount":"12.50","currency":"EUR","extra":1}`, nil},
		{` null `, nil},
		{`{"amount":"12.50"}`, ErrUnknownCurrency},
		{`{"currency":"EUR"}`, ErrInvalidAmount},
		{`{"amount":null,"currency":"EUR"}`, ErrInvalidAmount},
		{`{"amount":"12.50","currency":null}`, ErrUnknownCurrency},
		{`{"amount":12.5,"currency":"EUR"}`, ErrInvalidAmount},
		{`{"amount":"1e3","currency":"EUR"}`, ErrInvalidAmount},
		{`{"amount":"x","currency":"EUR"}`, ErrInvalidAmount},
		{`{"amount":"1","currency":"XYZ"}`, ErrUnknownCurrency},
		{`{"amount":"1","currency":""}`, ErrUnknownCurrency},
		{`{"amount":"1","currency":5}`, ErrUnknownCurrency},
		{`"12.50 EUR"`, ErrInvalidAmount},
		{`[]`, ErrInvalidAmount},
		{`{`, ErrInvalidAmount},
	}
	for _, tt := range tests {
		orig := MustMoney("7", "USD")
		m := orig
		err := m.UnmarshalJSON([]byte(tt.in))
		if tt.err == nil {
			if err != nil {
				t.Errorf("Unmarshal(%s): %v", tt.in, err)
			}
			continue
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("Unmarshal(%s) err = %v, want %v", tt.in, err, tt.err)
		}
		if !m.Equal(orig) {
			t.Errorf("Unmarshal(%s) changed m to %v on error", tt.in, m)
		}
	}
	// Through encoding/json the error is still matchable.
	var m Money
	if err := json.Unmarshal([]byte(`{"amount":"1","currency":"XYZ"}`), &m); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("json.Unmarshal err = %v", err)
	}
}
