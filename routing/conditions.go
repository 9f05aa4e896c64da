package routing

import (
	"errors"
	"slices"

	"github.com/omnikit/omnikit"
)

// validator is implemented by built-in plug-ins whose settings New checks.
type validator interface{ validate() error }

var (
	errNegativePrep = errors.New("negative preparation time")
	errNoCurrency   = errors.New("money threshold without a currency")
	errNoTags       = errors.New("no tags")
	errNilCondition = errors.New("nil condition")
	errBadMax       = errors.New("maximum must be positive")
)

// OrderValueAtLeast matches requests whose Request.Value is at least Min.
// The comparison is exact decimal (never float); a Value in another
// currency, or an unknown (zero) Value, does not match.
type OrderValueAtLeast struct {
	// Min is the threshold; it must have a currency.
	Min omnikit.Money
}

// Name returns "order_value.at_least".
func (OrderValueAtLeast) Name() string { return "order_value.at_least" }

// Match implements Condition.
func (o OrderValueAtLeast) Match(r *Request) bool {
	c, err := r.Value.Cmp(o.Min)
	return err == nil && !o.Min.Currency().IsZero() && c >= 0
}

func (o OrderValueAtLeast) validate() error {
	if o.Min.Currency().IsZero() {
		return errNoCurrency
	}
	return nil
}

// OrderValueBelow matches requests whose Request.Value is below Max. A
// Value in another currency, or an unknown (zero) Value, does not match.
type OrderValueBelow struct {
	// Max is the threshold (exclusive); it must have a currency.
	Max omnikit.Money
}

// Name returns "order_value.below".
func (OrderValueBelow) Name() string { return "order_value.below" }

// Match implements Condition.
func (o OrderValueBelow) Match(r *Request) bool {
	c, err := r.Value.Cmp(o.Max)
	return err == nil && !o.Max.Currency().IsZero() && c < 0
}

func (o OrderValueBelow) validate() error {
	if o.Max.Currency().IsZero() {
		return errNoCurrency
	}
	return nil
}

// SKUTagged matches requests with at least one line carrying at least one
// of the tags (Line.Tags, compared exactly). Combine with Not for "no line
// is tagged".
type SKUTagged []string

// Name returns "sku_tagged".
func (SKUTagged) Name() string { return "sku_tagged" }

// Match implements Condition.
func (t SKUTagged) Match(r *Request) bool {
	for _, l := range r.Lines {
		for _, tag := range l.Tags {
			if slices.Contains(t, tag) {
				return true
			}
		}
	}
	return false
}

func (t SKUTagged) validate() error {
	if len(t) == 0 {
		return errNoTags
	}
	return nil
}

// Not matches when its condition does not. A panic in the inner condition
// still counts as "does not match" for the whole strategy.
type Not struct {
	// C is the negated condition.
	C Condition
}

// Name returns "not(" + the inner name + ")".
func (n Not) Name() string { return "not(" + n.C.Name() + ")" }

// Match implements Condition.
func (n Not) Match(r *Request) bool { return !n.C.Match(r) }

func (n Not) validate() error {
	if n.C == nil {
		return errNilCondition
	}
	if v, ok := n.C.(validator); ok {
		return v.validate()
	}
	return nil
}
