package routing_test

import (
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func TestConditionsOrderValueAndTags(t *testing.T) {
	eur := func(s string) omnikit.Money { return omnikit.MustMoney(s, "EUR") }
	at := routing.OrderValueAtLeast{Min: eur("100")}
	below := routing.OrderValueBelow{Max: eur("100")}
	for _, tc := range []struct {
		value       omnikit.Money
		atLeast, lt bool
	}{
		{eur("100.00"), true, false},
		{eur("99.99"), false, true},
		{eur("100.001"), true, false},
		{omnikit.MustMoney("500", "USD"), false, false}, // currency mismatch: no match, no panic
		{omnikit.Money{}, false, false},                 // unknown value
	} {
		r := &routing.Request{Value: tc.value}
		if at.Match(r) != tc.atLeast || below.Match(r) != tc.lt {
			t.Errorf("%v: at least %v, below %v", tc.value, at.Match(r), below.Match(r))
		}
	}
	r := &routing.Request{Lines: []routing.Line{{SKU: "A", Qty: 1}, {SKU: "B", Qty: 1, Tags: []string{"bulky", "hazmat"}}}}
	if !(routing.SKUTagged{"hazmat"}).Match(r) || (routing.SKUTagged{"cold"}).Match(r) {
		t.Error("SKUTagged")
	}
	if (routing.Not{C: routing.SKUTagged{"hazmat"}}).Match(r) || !(routing.Not{C: routing.SKUTagged{"cold"}}).Match(r) {
		t.Error("Not")
	}
	for name, c := range map[string]routing.Condition{
		"no currency":  routing.OrderValueAtLeast{},
		"no currency2": routing.OrderValueBelow{},
		"no tags":      routing.SKUTagged{},
		"nil not":      routing.Not{},
		"bad not":      routing.Not{C: routing.SKUTagged{}},
		"nil":          nil,
	} {
		if _, err := routing.New(routing.Strategy{Name: "x", When: []routing.Condition{c}}); !errors.Is(err, routing.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Big orders must ship whole from one location; hazmat lines go to the
// warehouse strategy; the rest use the default.
func TestGoldenStrategyByValueAndTag(t *testing.T) {
	n := mustNet(t,
		site("ST", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 1, "B": 1}),
		site("WH", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"A": 5}),
		site("WH2", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"A": 5, "B": 5}),
	)
	hazmat := routing.DefaultStrategy()
	hazmat.Name = "hazmat"
	hazmat.When = []routing.Condition{routing.SKUTagged{"hazmat"}}
	hazmat.Filters = append(hazmat.Filters, routing.TypeFilter{Allow: []inventory.LocationType{inventory.TypeWarehouse}})
	big := routing.DefaultStrategy()
	big.Name = "big"
	big.When = []routing.Condition{routing.OrderValueAtLeast{Min: omnikit.MustMoney("200", "EUR")}}
	big.Policy.MaxShipments = 1
	e := mustEngine(t, hazmat, big, routing.DefaultStrategy())
	r := shipReq(paris, ln("1", "A", 2), ln("2", "B", 1))
	r.Value = omnikit.MustMoney("250", "EUR")
	if d := route(t, e, n, r); d.Strategy != "big" || !slices.Equal(locs(d), []omnikit.LocationID{"WH2"}) {
		t.Fatalf("big: %s %v", d.Strategy, locs(d))
	}
	r.Value = omnikit.MustMoney("250", "GBP") // another currency: not "big"
	if d := route(t, e, n, r); d.Strategy != "default" {
		t.Fatalf("gbp: %s", d.Strategy)
	}
	r.Lines[1].Tags = []string{"hazmat"}
	if d := route(t, e, n, r); d.Strategy != "hazmat" || d.WhyNot("ST").Code != routing.CodeTypeExcluded {
		t.Fatalf("hazmat: %s %v", d.Strategy, d.WhyNot("ST"))
	}
}

// TestPropertyValueConditions: the conditions agree with integer
// comparison of minor units in one currency and never match across
// currencies; exactly one of AtLeast/Below matches a same-currency value.
func TestPropertyValueConditions(t *testing.T) {
	codes := []string{"EUR", "USD", "JPY"}
	rapid.Check(t, func(t *rapid.T) {
		vc := omnikit.MustCurrency(rapid.SampledFrom(codes).Draw(t, "vc"))
		tc := omnikit.MustCurrency(rapid.SampledFrom(codes).Draw(t, "tc"))
		v := rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "v")
		th := rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "th")
		r := &routing.Request{Value: omnikit.FromMinorUnits(v, vc)}
		at := routing.OrderValueAtLeast{Min: omnikit.FromMinorUnits(th, tc)}.Match(r)
		lt := routing.OrderValueBelow{Max: omnikit.FromMinorUnits(th, tc)}.Match(r)
		if vc != tc {
			if at || lt {
				t.Fatalf("matched across currencies")
			}
			return
		}
		if at != (v >= th) || lt != (v < th) {
			t.Fatalf("v %d th %d: at %v lt %v", v, th, at, lt)
		}
	})
}
