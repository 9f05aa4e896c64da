package routing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Method is how the customer receives a group of lines.
type Method uint8

// Delivery methods.
const (
	// Ship sends the lines to an address.
	Ship Method = iota + 1
	// Pickup is click & collect: the customer collects at a pickup store,
	// which holds the stock itself or, with Delivery.AllowTransfer,
	// receives it by transfer from other locations.
	Pickup
	// TakeAway is a sale at the selling store, taken away now.
	TakeAway
)

// String returns "ship", "pickup", "take_away" or "invalid".
func (m Method) String() string {
	switch m {
	case Ship:
		return "ship"
	case Pickup:
		return "pickup"
	case TakeAway:
		return "take_away"
	}
	return "invalid"
}

// Delivery says where a group of lines goes.
type Delivery struct {
	// Method is the delivery method; required.
	Method Method
	// Destination is the ship-to position (Ship). The zero point means
	// unknown: distances are then 0 and radius filters pass.
	Destination omnikit.GeoPoint
	// Store is the pickup store (Pickup) or the selling store (TakeAway).
	Store omnikit.LocationID
	// Market is the destination's market code, for MarketRanker.
	Market string
	// AllowTransfer (Pickup only) lets locations other than the pickup
	// store supply units, transferred to the pickup store before
	// collection. Their allocations carry Allocation.TransferTo; plans
	// prefer the pickup store's own stock (fewer transfers), and
	// distances are measured from each source to the pickup store.
	AllowTransfer bool
	// TransferLead is the default transfer lead time to the pickup store,
	// for sources whose Site.TransferLead is 0; never negative.
	TransferLead time.Duration
}

// Line is one order line.
type Line struct {
	// ID identifies the line within the request; when empty it defaults to
	// "L1", "L2", ... by position. Ids must be unique.
	ID string
	// SKU is the product; a SKU unknown to the network simply has 0 stock.
	SKU omnikit.SKU
	// Qty is the number of units, > 0.
	Qty int64
	// Tags are free-form labels of the line's SKU (such as "hazmat",
	// "bulky"), for the SKUTagged condition.
	Tags []string
}

// Rejection records units a location refused (it could not find them), for
// re-routing: the location is excluded and the reason is recorded.
type Rejection struct {
	// Location is the location that rejected the units.
	Location omnikit.LocationID
	// Lines are the rejected quantities.
	Lines []inventory.Line
}

// Request is one routing call: the lines of one delivery group.
type Request struct {
	// Channel is the sales channel.
	Channel omnikit.ChannelID
	// Lines are the order lines; at least one.
	Lines []Line
	// Delivery is where the lines go.
	Delivery Delivery
	// Now is the decision time, passed in (never read from a clock).
	Now time.Time
	// ReadyBy is when the order must be ready (prepared, or transferred
	// to the pickup store), for ReadyByFilter; zero means no deadline.
	// A non-zero ReadyBy needs a non-zero Now.
	ReadyBy time.Time
	// Value is the order value, for OrderValueAtLeast and OrderValueBelow;
	// the zero Money means unknown (such conditions then do not match).
	Value omnikit.Money
	// Locations restricts the scope to these locations; empty means every
	// location of the network (or the store, for Pickup and TakeAway).
	// With Delivery.AllowTransfer the scope is every location (or these
	// locations) plus the pickup store.
	Locations []omnikit.LocationID
	// Exclude removes locations from consideration (reason
	// "excluded.request").
	Exclude []omnikit.LocationID
	// Rejections excludes the rejecting locations (reason
	// "excluded.rerouted", measured value = rejected units).
	Rejections []Rejection
}

// Order is several delivery groups routed together: groups are routed in
// order and each consumes the stock that earlier groups allocated.
type Order struct {
	// Groups are the delivery groups.
	Groups []Request
}

// canonical is a validated request in canonical order.
type canonical struct {
	req      *Request
	lines    []Line // sorted by ID
	skus     []omnikit.SKU
	lineSKU  []int          // index into skus per line
	scope    []int          // site indexes in scope, sorted; may be Network.all: never modify
	exclude  map[int]Reason // nil when nothing is excluded
	store    int            // pickup or selling store site index, -1 for Ship
	transfer bool
}

func (r *Request) canonicalize(n *Network) (*canonical, error) {
	if len(r.Lines) == 0 {
		return nil, &RequestError{Field: "Lines", Reason: "no lines"}
	}
	c := &canonical{req: r, lines: make([]Line, len(r.Lines)), store: -1}
	if !r.ReadyBy.IsZero() && r.Now.IsZero() {
		return nil, &RequestError{Field: "ReadyBy", Reason: "a ready-by time needs Now"}
	}
	for i, l := range r.Lines {
		if l.ID == "" {
			l.ID = fmt.Sprintf("L%d", i+1)
		}
		if l.Qty <= 0 {
			return nil, &RequestError{Field: fmt.Sprintf("Lines[%d].Qty", i), Reason: fmt.Sprintf("quantity %d is not positive", l.Qty)}
		}
		if err := l.SKU.Validate(); err != nil {
			return nil, &RequestError{Field: fmt.Sprintf("Lines[%d].SKU", i), Reason: err.Error()}
		}
		c.lines[i] = l
	}
	slices.SortFunc(c.lines, func(a, b Line) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(c.lines); i++ {
		if c.lines[i].ID == c.lines[i-1].ID {
			return nil, &RequestError{Field: "Lines", Reason: fmt.Sprintf("duplicate line id %q", c.lines[i].ID)}
		}
	}
	c.skus = make([]omnikit.SKU, 0, len(c.lines))
	for _, l := range c.lines {
		c.skus = append(c.skus, l.SKU)
	}
	slices.Sort(c.skus)
	c.skus = slices.Compact(c.skus)
	c.lineSKU = make([]int, 0, len(c.lines))
	for _, l := range c.lines {
		j, _ := slices.BinarySearch(c.skus, l.SKU)
		c.lineSKU = append(c.lineSKU, j)
	}
	d := r.Delivery
	switch d.Method {
	case Ship:
		if err := d.Destination.Validate(); err != nil {
			return nil, &RequestError{Field: "Delivery.Destination", Reason: err.Error()}
		}
	case Pickup, TakeAway:
		j, ok := n.byID[d.Store]
		if !ok {
			return nil, &RequestError{Field: "Delivery.Store", Reason: fmt.Sprintf("unknown store %q", d.Store)}
		}
		c.store = j
	default:
		return nil, &RequestError{Field: "Delivery.Method", Reason: "invalid delivery method"}
	}
	if d.AllowTransfer && d.Method != Pickup {
		return nil, &RequestError{Field: "Delivery.AllowTransfer", Reason: "transfers need the Pickup method"}
	}
	if d.TransferLead < 0 {
		return nil, &RequestError{Field: "Delivery.TransferLead", Reason: "negative lead time"}
	}
	c.transfer = d.AllowTransfer
	// Scope.
	switch {
	case d.Method != Ship && !c.transfer:
		c.scope = []int{c.store}
	case len(r.Locations) > 0:
		for i, id := range r.Locations {
			j, ok := n.byID[id]
			if !ok {
				return nil, &RequestError{Field: fmt.Sprintf("Locations[%d]", i), Reason: fmt.Sprintf("unknown location %q", id)}
			}
			c.scope = append(c.scope, j)
		}
		if c.transfer {
			c.scope = append(c.scope, c.store)
		}
		slices.Sort(c.scope)
		c.scope = slices.Compact(c.scope)
	default:
		c.scope = n.all // shared and read only
	}
	if len(r.Exclude)+len(r.Rejections) > 0 {
		c.exclude = map[int]Reason{}
	}
	for _, id := range r.Exclude {
		if j, ok := n.byID[id]; ok {
			c.exclude[j] = Reason{Code: CodeExcludedRequest, Rule: "scope"}
		}
	}
	for i, rj := range r.Rejections {
		j, ok := n.byID[rj.Location]
		if !ok {
			return nil, &RequestError{Field: fmt.Sprintf("Rejections[%d].Location", i), Reason: fmt.Sprintf("unknown location %q", rj.Location)}
		}
		var units int64
		for _, l := range rj.Lines {
			if l.Qty <= 0 {
				return nil, &RequestError{Field: fmt.Sprintf("Rejections[%d].Lines", i), Reason: "quantity is not positive"}
			}
			units += l.Qty
		}
		prev := c.exclude[j]
		if prev.Code == CodeExcludedRerouted {
			units += prev.Measured
		}
		c.exclude[j] = Reason{Code: CodeExcludedRerouted, Rule: "reroute", Measured: units, Unit: "units"}
	}
	return c, nil
}
