package orders

import (
	"slices"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// OrderID identifies an order.
type OrderID string

// FulfilmentID identifies a fulfilment order within its order ("F1", "F2"...).
type FulfilmentID string

// State is where an order is in its life.
type State string

// Order states. An order is Pending only while it is being placed; it is
// Open while some units are still to be fulfilled (or backordered), and it
// ends Completed (every unit shipped, collected, cancelled or rejected,
// and at least one unit handed over), Cancelled (no unit handed over) or
// Failed (placing did not succeed; no stock is held).
const (
	Pending   State = "pending"
	Open      State = "open"
	Completed State = "completed"
	Cancelled State = "cancelled"
	Failed    State = "failed"
)

// FulfilmentState is where a fulfilment order is in its life.
type FulfilmentState string

// Fulfilment states. The terminal states are Delivered, Collected,
// Rejected and Cancelled. See the package documentation for the legal
// transitions.
const (
	Created        FulfilmentState = "created"
	Accepted       FulfilmentState = "accepted"
	Picking        FulfilmentState = "picking"
	Packed         FulfilmentState = "packed"
	Shipped        FulfilmentState = "shipped"
	Delivered      FulfilmentState = "delivered"
	ReadyForPickup FulfilmentState = "ready_for_pickup"
	Collected      FulfilmentState = "collected"
	Rejected       FulfilmentState = "rejected"
	FCancelled     FulfilmentState = "cancelled"
)

// Terminal reports whether s is a final state.
func (s FulfilmentState) Terminal() bool {
	switch s {
	case Delivered, Collected, Rejected, FCancelled:
		return true
	}
	return false
}

// HandedOver reports whether the units of a fulfilment in state s have left
// the location (shipped, delivered or collected).
func (s FulfilmentState) HandedOver() bool {
	return s == Shipped || s == Delivered || s == Collected
}

// Delivery says how the customer receives a group of lines.
type Delivery struct {
	// Method is routing.Ship, routing.Pickup (click & collect) or
	// routing.TakeAway (a store sale, taken away now).
	Method routing.Method
	// Address is the ship-to address (Ship); its Geo, when known, lets
	// routing prefer near locations.
	Address omnikit.Address
	// Store is the pickup store (Pickup) or the selling store (TakeAway).
	Store omnikit.LocationID
}

// Line is one order line.
type Line struct {
	// ID is unique within the order.
	ID string
	// Group is the index of the line's delivery group in Order.Groups.
	Group int
	SKU   omnikit.SKU
	// Qty is the number of units ordered.
	Qty int64
	// UnitPrice is the price of one unit before discounts.
	UnitPrice omnikit.Money
	// Discount is the total discount of the line (not per unit).
	Discount omnikit.Money
	// Backordered counts the ordered units that no location holds yet;
	// they wait for stock (see Service.FulfilBackorders) or a cancellation.
	Backordered int64
	// Cancelled counts the units cancelled: by the customer (backordered
	// or in a fulfilment), by an expired pickup, or because no location
	// could fulfil them after a rejection. At every moment
	// Qty = Backordered + Cancelled + the Qty of the line in every
	// fulfilment (including the handed-over ones).
	Cancelled int64
}

// Total returns the line's amount: Qty * UnitPrice - Discount.
func (l Line) Total() (omnikit.Money, error) {
	return l.UnitPrice.Mul(l.Qty).Sub(l.Discount)
}

// FulfilmentLine is the part of an order line a fulfilment order carries.
type FulfilmentLine struct {
	// Line is the order line id.
	Line string
	SKU  omnikit.SKU
	// Qty is the number of units still to fulfil: the allocated units less
	// the rejected and cancelled ones.
	Qty int64
	// Rejected counts the units the location rejected.
	Rejected int64
	// Cancelled counts the units cancelled.
	Cancelled int64
}

// Fulfilment is a fulfilment order: the units of one delivery group that one
// location prepares and ships or hands over.
type Fulfilment struct {
	ID       FulfilmentID
	Group    int
	Location omnikit.LocationID
	Method   routing.Method
	State    FulfilmentState
	Lines    []FulfilmentLine
	// Reservation holds the fulfilment's units in the ledger.
	Reservation inventory.ReservationID
	// RerouteOf names the fulfilment whose rejected units this one serves.
	RerouteOf FulfilmentID
	// PickupCode is the code the customer shows at hand-over (Pickup),
	// set when the fulfilment is ready for pickup.
	PickupCode string
	// PickupBy is the deadline of an uncollected pickup; after it the
	// fulfilment is cancelled and its stock returns to sale.
	PickupBy time.Time
	// Tracking is the carrier's reference given when shipping.
	Tracking  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Units returns the units the fulfilment still carries.
func (f *Fulfilment) Units() int64 {
	var n int64
	for _, l := range f.Lines {
		n += l.Qty
	}
	return n
}

// Order is an order from any channel with its fulfilment orders.
type Order struct {
	ID OrderID
	// Channel is the channel of origin.
	Channel omnikit.ChannelID
	// ExternalID is the marketplace's order id; unique per channel.
	ExternalID string
	// CustomerID is the customer, if known.
	CustomerID     string
	IdempotencyKey string
	Currency       omnikit.Currency
	State          State
	Groups         []Delivery
	Lines          []Line
	Fulfilments    []Fulfilment
	// Backorder says that units no location can fulfil are backordered
	// rather than failing the order or cancelling them.
	Backorder bool
	// Attempts counts the reservation ids used so far; reservation k of the
	// order is named ReservationID(order, k).
	Attempts int
	// Reason says why the order failed or was cancelled.
	Reason string
	// Fingerprint identifies the placing request, for idempotent retries.
	Fingerprint string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version is incremented by every stored change (see Store.Save).
	Version int64
}

// Fulfilment returns a pointer to the order's fulfilment with the given id,
// or nil.
func (o *Order) Fulfilment(id FulfilmentID) *Fulfilment {
	for i := range o.Fulfilments {
		if o.Fulfilments[i].ID == id {
			return &o.Fulfilments[i]
		}
	}
	return nil
}

// Line returns a pointer to the order line with the given id, or nil.
func (o *Order) Line(id string) *Line {
	for i := range o.Lines {
		if o.Lines[i].ID == id {
			return &o.Lines[i]
		}
	}
	return nil
}

// Total returns the order's amount: the sum of its lines' totals.
func (o *Order) Total() (omnikit.Money, error) {
	sum := omnikit.Zero(o.Currency)
	for _, l := range o.Lines {
		t, err := l.Total()
		if err != nil {
			return omnikit.Money{}, err
		}
		if sum, err = sum.Add(t); err != nil {
			return omnikit.Money{}, err
		}
	}
	return sum, nil
}

// PickupDue returns the earliest pickup deadline of the fulfilments that
// are ready for pickup; ok is false when there is none. Stores index it
// (see Store.DuePickups).
func (o *Order) PickupDue() (t time.Time, ok bool) {
	for _, f := range o.Fulfilments {
		if f.State == ReadyForPickup && !f.PickupBy.IsZero() && (!ok || f.PickupBy.Before(t)) {
			t, ok = f.PickupBy, true
		}
	}
	return t, ok
}

// Clone returns a deep copy of o.
func (o Order) Clone() Order {
	o.Groups = slices.Clone(o.Groups)
	o.Lines = slices.Clone(o.Lines)
	o.Fulfilments = slices.Clone(o.Fulfilments)
	for i := range o.Fulfilments {
		o.Fulfilments[i].Lines = slices.Clone(o.Fulfilments[i].Lines)
	}
	return o
}

// EventType names what happened to an order.
type EventType string

// Event types.
const (
	EventPlaced          EventType = "order.placed"
	EventFailed          EventType = "order.failed"
	EventCompleted       EventType = "order.completed"
	EventCancelled       EventType = "order.cancelled"
	EventBackordered     EventType = "line.backordered"
	EventLineCancelled   EventType = "line.cancelled"
	EventCreated         EventType = "fulfilment.created"
	EventAccepted        EventType = "fulfilment.accepted"
	EventPicking         EventType = "fulfilment.picking"
	EventPacked          EventType = "fulfilment.packed"
	EventShipped         EventType = "fulfilment.shipped"
	EventDelivered       EventType = "fulfilment.delivered"
	EventReadyForPickup  EventType = "fulfilment.ready_for_pickup"
	EventCollected       EventType = "fulfilment.collected"
	EventRejected        EventType = "fulfilment.rejected"
	EventFCancelled      EventType = "fulfilment.cancelled"
	EventStockCorrected  EventType = "stock.corrected"
	EventRerouted        EventType = "order.rerouted"
	EventBackorderFilled EventType = "line.backorder_filled"
	EventReconciled      EventType = "order.reconciled"
)

// EventLine is a quantity of an order line named by an event.
type EventLine struct {
	Line string
	SKU  omnikit.SKU
	Qty  int64
}

// Event is one transition of an order or of one of its fulfilments. Events
// are numbered by the store, gap-free, in commit order: the outbox for
// notifications and marketplaces.
type Event struct {
	// Seq is assigned by the store: one more than the last event.
	Seq        int64
	Order      OrderID
	Type       EventType
	Fulfilment FulfilmentID `json:",omitempty"`
	// State is the fulfilment's (or, for order events, the order's) state
	// after the event.
	State    string             `json:",omitempty"`
	Location omnikit.LocationID `json:",omitempty"`
	Lines    []EventLine        `json:",omitempty"`
	Reason   string             `json:",omitempty"`
	At       time.Time
}
