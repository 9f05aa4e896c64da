package omnikit

import (
	"encoding/json"
	"math"
	"math/big"
	"sort"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func allCurrencies() []Currency {
	codes := make([]string, 0, len(iso4217))
	for c := range iso4217 {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	out := make([]Currency, len(codes))
	for i, c := range codes {
		out[i] = MustCurrency(c)
	}
	return out
}

var currencyGen = rapid.SampledFrom(allCurrencies())

// wholeMoneyGen draws a whole number of minor units, sometimes beyond int64.
var wholeMoneyGen = rapid.Custom(func(t *rapid.T) Money {
	c := currencyGen.Draw(t, "currency")
	units := big.NewInt(rapid.Int64().Draw(t, "units"))
	if rapid.Bool().Draw(t, "big") {
		units.Mul(units, big.NewInt(rapid.Int64().Draw(t, "factor")))
	}
	return Money{amount: decimal.NewFromBigInt(units, -c.minor), currency: c}
})

// anyMoneyGen draws any decimal amount, possibly with sub-minor digits.
var anyMoneyGen = rapid.Custom(func(t *rapid.T) Money {
	c := currencyGen.Draw(t, "currency")
	coef := rapid.Int64().Draw(t, "coef")
	exp := rapid.Int32Range(-12, 6).Draw(t, "exp")
	return Money{amount: decimal.New(coef, exp), currency: c}
})

func sumParts(t *rapid.T, c Currency, parts []Money) Money {
	sum := Zero(c)
	for _, p := range parts {
		var err error
		if sum, err = sum.Add(p); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	return sum
}

func minorOf(t *rapid.T, m Money) *big.Int {
	u, err := m.minorBig()
	if err != nil {
		t.Fatalf("part %v is not whole minor units: %v", m, err)
	}
	return u
}

func TestPropSplit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := wholeMoneyGen.Draw(t, "m")
		n := rapid.IntRange(1, 200).Draw(t, "n")
		parts, err := m.Split(n)
		if err != nil {
			t.Fatalf("Split(%d): %v", n, err)
		}
		if len(parts) != n {
			t.Fatalf("%d parts, want %d", len(parts), n)
		}
		if sum := sumParts(t, m.currency, parts); !sum.Equal(m) {
			t.Fatalf("parts sum to %v, want %v", sum, m)
		}
		first := new(big.Int).Abs(minorOf(t, parts[0]))
		last := new(big.Int).Abs(minorOf(t, parts[n-1]))
		if d := new(big.Int).Sub(first, last); d.Sign() < 0 || d.Cmp(big.NewInt(1)) > 0 {
			t.Fatalf("first %v and last %v differ by %v minor units", parts[0], parts[n-1], d)
		}
		prev := first
		for i, p := range parts {
			if p.currency != m.currency {
				t.Fatalf("part %d in %v", i, p.currency)
			}
			if p.Sign() != 0 && p.Sign() != m.Sign() {
				t.Fatalf("part %v has the wrong sign for %v", p, m)
			}
			u := new(big.Int).Abs(minorOf(t, p))
			if u.Cmp(prev) > 0 {
				t.Fatalf("part %d (%v) larger than an earlier part", i, p)
			}
			prev = u
		}
		neg, err := m.Neg().Split(n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range parts {
			if !neg[i].Equal(parts[i].Neg()) {
				t.Fatalf("Split(-m)[%d] = %v, want %v", i, neg[i], parts[i].Neg())
			}
		}
	})
}

func TestPropAllocate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := wholeMoneyGen.Draw(t, "m")
		maxRatio := rapid.SampledFrom([]int64{3, 1000, math.MaxInt64}).Draw(t, "maxRatio")
		ratios := rapid.SliceOfN(rapid.Int64Range(0, maxRatio), 1, 30).Draw(t, "ratios")
		if rapid.Bool().Draw(t, "forcePositive") || allZero(ratios) {
			ratios[rapid.IntRange(0, len(ratios)-1).Draw(t, "pos")] = rapid.Int64Range(1, maxRatio).Draw(t, "posValue")
		}
		parts, err := m.Allocate(ratios...)
		if err != nil {
			t.Fatalf("Allocate(%v): %v", ratios, err)
		}
		if len(parts) != len(ratios) {
			t.Fatalf("%d parts for %d ratios", len(parts), len(ratios))
		}
		if sum := sumParts(t, m.currency, parts); !sum.Equal(m) {
			t.Fatalf("parts sum to %v, want %v", sum, m)
		}
		// Each part is within one minor unit of its exact share, below it
		// by less than one and never above it by one or more.
		total := new(big.Int).Abs(minorOf(t, m))
		sum := new(big.Int)
		for _, r := range ratios {
			sum.Add(sum, big.NewInt(r))
		}
		for i, p := range parts {
			u := new(big.Int).Abs(minorOf(t, p))
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(total, big.NewInt(ratios[i])), sum)
			diff := new(big.Rat).Sub(new(big.Rat).SetInt(u), exact)
			if diff.Cmp(big.NewRat(-1, 1)) <= 0 || diff.Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %v, exact share %v minor units", i, p, exact.FloatString(3))
			}
			if ratios[i] == 0 && !p.IsZero() {
				t.Fatalf("zero ratio got %v", p)
			}
			if p.Sign() != 0 && p.Sign() != m.Sign() {
				t.Fatalf("part %v has the wrong sign for %v", p, m)
			}
		}
		neg, err := m.Neg().Allocate(ratios...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range parts {
			if !neg[i].Equal(parts[i].Neg()) {
				t.Fatalf("Allocate(-m)[%d] = %v, want %v", i, neg[i], parts[i].Neg())
			}
		}
	})
}

func allZero(rs []int64) bool {
	for _, r := range rs {
		if r != 0 {
			return false
		}
	}
	return true
}

// Allocating by equal weights is the same as splitting.
func TestPropAllocateEqualIsSplit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := wholeMoneyGen.Draw(t, "m")
		n := rapid.IntRange(1, 50).Draw(t, "n")
		w := rapid.Int64Range(1, 1<<40).Draw(t, "w")
		ratios := make([]int64, n)
		for i := range ratios {
			ratios[i] = w
		}
		a, err := m.Allocate(ratios...)
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.Split(n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if !a[i].Equal(s[i]) {
				t.Fatalf("part %d: Allocate %v, Split %v", i, a[i], s[i])
			}
		}
	})
}

func TestPropRound(t *testing.T) {
	modes := []RoundingMode{RoundHalfEven, RoundHalfUp, RoundDown, RoundUp, RoundFloor, RoundCeil}
	rapid.Check(t, func(t *rapid.T) {
		m := anyMoneyGen.Draw(t, "m")
		mode := rapid.SampledFrom(modes).Draw(t, "mode")
		r := m.RoundMode(mode)
		if again := r.RoundMode(mode); !again.Equal(r) {
			t.Fatalf("not idempotent: %v -> %v -> %v", m, r, again)
		}
		for _, other := range modes {
			if o := r.RoundMode(other); !o.Equal(r) {
				t.Fatalf("rounded %v moved to %v under %v", r, o, other)
			}
		}
		if _, err := r.minorBig(); err != nil {
			t.Fatalf("rounded %v is not whole: %v", r, err)
		}
		unit := decimal.New(1, -m.currency.minor)
		diff := r.amount.Sub(m.amount)
		if diff.Abs().Cmp(unit) >= 0 {
			t.Fatalf("%v rounded %v to %v: moved a whole unit", m, mode, r)
		}
		half := unit.Div(decimal.NewFromInt(2))
		switch mode {
		case RoundHalfEven, RoundHalfUp:
			if diff.Abs().Cmp(half) > 0 {
				t.Fatalf("%v rounded %v to %v: not nearest", m, mode, r)
			}
		case RoundDown:
			if r.amount.Abs().Cmp(m.amount.Abs()) > 0 {
				t.Fatalf("%v down to %v grew", m, r)
			}
		case RoundUp:
			if r.amount.Abs().Cmp(m.amount.Abs()) < 0 {
				t.Fatalf("%v up to %v shrank", m, r)
			}
		case RoundFloor:
			if diff.Sign() > 0 {
				t.Fatalf("%v floor to %v went up", m, r)
			}
		case RoundCeil:
			if diff.Sign() < 0 {
				t.Fatalf("%v ceil to %v went down", m, r)
			}
		}
		if m.Round() != m.RoundMode(RoundHalfEven) && !m.Round().Equal(m.RoundMode(RoundHalfEven)) {
			t.Fatal("Round differs from RoundMode(RoundHalfEven)")
		}
	})
}

func TestPropAddSub(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyMoneyGen.Draw(t, "a")
		b := anyMoneyGen.Draw(t, "b")
		b.currency = a.currency
		sum, err := a.Add(b)
		if err != nil {
			t.Fatal(err)
		}
		back, err := sum.Sub(b)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(a) {
			t.Fatalf("(%v + %v) - %v = %v", a, b, b, back)
		}
		ba, _ := b.Add(a)
		if !ba.Equal(sum) {
			t.Fatalf("addition not commutative: %v vs %v", sum, ba)
		}
		diff, _ := a.Sub(b)
		if neg, _ := b.Sub(a); !neg.Equal(diff.Neg()) {
			t.Fatalf("b-a = %v, want -(a-b) = %v", neg, diff.Neg())
		}
		c, err := a.Cmp(b)
		if err != nil || c != diff.Sign() {
			t.Fatalf("Cmp = %d, sign of a-b = %d", c, diff.Sign())
		}
		lt, _ := a.LessThan(b)
		if lt != (c < 0) || a.Equal(b) != (c == 0) {
			t.Fatalf("LessThan/Equal disagree with Cmp %d", c)
		}
		if !a.Mul(2).Equal(mustAdd(t, a, a)) {
			t.Fatalf("2a != a+a for %v", a)
		}
	})
}

func mustAdd(t *rapid.T, a, b Money) Money {
	s, err := a.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPropMinorUnitsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := currencyGen.Draw(t, "currency")
		u := rapid.Int64().Draw(t, "units")
		m := FromMinorUnits(u, c)
		got, err := m.MinorUnits()
		if err != nil || got != u {
			t.Fatalf("MinorUnits(FromMinorUnits(%d)) = %d, %v", u, got, err)
		}
	})
}

func TestPropStringAndJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := anyMoneyGen.Draw(t, "m")
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !back.Equal(m) {
			t.Fatalf("%v -> %s -> %v", m, b, back)
		}
		s := m.amountString()
		p, err := ParseMoney(s, m.currency.code)
		if err != nil || !p.Equal(m) {
			t.Fatalf("ParseMoney(%q) = %v, %v; want %v", s, p, err, m)
		}
		if _, err := m.minorBig(); err == nil {
			// Whole minor units print with exactly the minor decimals.
			want := int(m.currency.minor)
			dot := -1
			for i := range s {
				if s[i] == '.' {
					dot = i
				}
			}
			got := 0
			if dot >= 0 {
				got = len(s) - dot - 1
			}
			if got != want {
				t.Fatalf("%q has %d decimals, want %d", s, got, want)
			}
		}
	})
}

func TestPropDistance(t *testing.T) {
	pointGen := rapid.Custom(func(t *rapid.T) GeoPoint {
		return GeoPoint{
			Lat: rapid.Float64Range(-90, 90).Draw(t, "lat"),
			Lng: rapid.Float64Range(-180, 180).Draw(t, "lng"),
		}
	})
	const eps = 1e-6 // km
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := pointGen.Draw(t, "a"), pointGen.Draw(t, "b"), pointGen.Draw(t, "c")
		ab, ba := a.DistanceKm(b), b.DistanceKm(a)
		if math.IsNaN(ab) || ab < 0 || ab > math.Pi*EarthRadiusKm+eps {
			t.Fatalf("d(a,b) = %v", ab)
		}
		if math.Abs(ab-ba) > eps {
			t.Fatalf("asymmetric: %v vs %v", ab, ba)
		}
		if d := a.DistanceKm(a); d > eps {
			t.Fatalf("d(a,a) = %v", d)
		}
		if ac, cb := a.DistanceKm(c), c.DistanceKm(b); ab > ac+cb+eps {
			t.Fatalf("triangle: d(a,b)=%v > d(a,c)+d(c,b)=%v", ab, ac+cb)
		}
		if m := a.DistanceMeters(b); m < 0 || math.Abs(float64(m)-ab*1000) > 0.5+1e-6 {
			t.Fatalf("DistanceMeters = %d for %v km", m, ab)
		}
	})
}

// Arbitrary input never panics, and what is accepted is well formed.
func TestPropNoPanicOnInput(t *testing.T) {
	strGen := rapid.OneOf(
		rapid.String(),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 200), func(b []byte) string { return string(b) }),
		rapid.StringMatching(`[+-]?[0-9]{0,30}(\.[0-9]{0,30})?`),
		rapid.StringMatching(`[A-Za-z]{3}`),
	)
	rapid.Check(t, func(t *rapid.T) {
		s := strGen.Draw(t, "s")
		code := strGen.Draw(t, "code")
		if m, err := ParseMoney(s, code); err == nil {
			if m.currency.IsZero() {
				t.Fatalf("ParseMoney(%q, %q) has no currency", s, code)
			}
			_ = m.String()
			_, _ = m.Split(3)
			_, _ = m.Allocate(1, 2)
			_, _ = m.MinorUnits()
		}
		if c, err := ParseCurrency(s); err == nil && (len(c.Code()) != 3 || c.IsZero()) {
			t.Fatalf("ParseCurrency(%q) = %v", s, c)
		}
		for _, err := range []error{SKU(s).Validate(), LocationID(s).Validate(), ChannelID(s).Validate()} {
			if err != nil {
				_ = err.Error()
			}
		}
		a := Address{Line1: s, City: code, Country: s, Geo: GeoPoint{Lat: float64(len(s)), Lng: float64(len(code))}}
		_ = a.Validate()
		var m Money
		_ = m.UnmarshalJSON([]byte(s))
		_ = m.UnmarshalJSON([]byte(`{"amount":` + s + `,"currency":` + code + `}`))
		_ = json.Unmarshal([]byte(`{"amount":"`+s+`","currency":"`+code+`"}`), &m)
	})
}
