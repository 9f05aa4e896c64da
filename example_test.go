package omnikit_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/omnikit/omnikit"
)

// Splitting an amount never loses or invents a cent: the parts sum to the
// whole and the larger parts come first.
func ExampleMoney_Split() {
	total := omnikit.MustMoney("100.00", "EUR")
	parts, err := total.Split(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range parts {
		fmt.Println(p)
	}
	// Output:
	// 33.34 EUR
	// 33.33 EUR
	// 33.33 EUR
}

// Allocate pro-rates an order discount over its lines by their value in
// minor units; the parts always sum to the discount.
func ExampleMoney_Allocate() {
	discount := omnikit.MustMoney("10.00", "EUR")
	// Lines worth 19.99, 5.00 and 75.01 EUR.
	parts, err := discount.Allocate(1999, 500, 7501)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range parts {
		fmt.Println(p)
	}
	// Output:
	// 2.00 EUR
	// 0.50 EUR
	// 7.50 EUR
}

// Amounts in different currencies cannot be combined; the error says which.
func ExampleCurrencyMismatchError() {
	eur := omnikit.MustMoney("10.00", "EUR")
	usd := omnikit.MustMoney("10.00", "USD")
	_, err := eur.Add(usd)

	fmt.Println(errors.Is(err, omnikit.ErrCurrencyMismatch))
	var mismatch *omnikit.CurrencyMismatchError
	if errors.As(err, &mismatch) {
		fmt.Println(mismatch.Op, mismatch.Left, mismatch.Right)
	}
	fmt.Println(err)
	// Output:
	// true
	// add EUR USD
	// omnikit: currency mismatch in add: EUR and USD
}

// Arithmetic is exact and rounding is explicit; Round is half-even.
func ExampleMoney_Round() {
	price := omnikit.MustMoney("2.50", "EUR")
	fee := price.MulDecimal(decimal.RequireFromString("0.05")) // 5%
	fmt.Println(fee)
	fmt.Println(fee.Round())
	fmt.Println(fee.RoundMode(omnikit.RoundHalfUp))
	fmt.Println(fee.RoundMode(omnikit.RoundDown))
	// Output:
	// 0.125 EUR
	// 0.12 EUR
	// 0.13 EUR
	// 0.12 EUR
}

// Money encodes its amount as a string so that no JSON decoder turns it
// into a float.
func ExampleMoney_MarshalJSON() {
	b, _ := omnikit.MustMoney("12.5", "EUR").MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// {"amount":"12.50","currency":"EUR"}
}

// Great-circle distance between two stores.
func ExampleGeoPoint_DistanceKm() {
	paris, _ := omnikit.NewGeoPoint(48.8566, 2.3522)
	london, _ := omnikit.NewGeoPoint(51.5074, -0.1278)
	fmt.Printf("%.0f km\n", paris.DistanceKm(london))
	// Output:
	// 344 km
}

// A ManualClock makes time-dependent code deterministic in tests.
func ExampleManualClock() {
	clock := omnikit.NewManualClock(time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
	deadline := clock.Now().Add(15 * time.Minute) // e.g. a cart reservation

	clock.Advance(10 * time.Minute)
	fmt.Println(clock.Now().Format(time.Kitchen), clock.Now().Before(deadline))

	clock.Advance(5 * time.Minute)
	fmt.Println(clock.Now().Format(time.Kitchen), clock.Now().Before(deadline))
	// Output:
	// 9:10AM true
	// 9:15AM false
}

// Identifiers are validated before use.
func ExampleSKU_Validate() {
	fmt.Println(omnikit.SKU("TSHIRT-RED-M").Validate())
	err := omnikit.SKU(" TSHIRT").Validate()
	fmt.Println(errors.Is(err, omnikit.ErrInvalidID))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// omnikit: invalid sku id " TSHIRT": leading or trailing white space
}
