package inventory

import (
	"strings"
	"time"

	"github.com/omnikit/omnikit"
)

// Bucket is the state a unit of stock is in at a location. The first four
// buckets are network accounts; the last three are world accounts, the
// outside of the network that units come from and go to.
type Bucket uint8

// Buckets. The zero Bucket is invalid.
const (
	// Sellable units are on the shelf and free to promise.
	Sellable Bucket = iota + 1
	// Reserved units are still at the location but promised to a reservation.
	Reserved
	// Quarantine units are returned or damaged: on hand, not for sale.
	Quarantine
	// InTransit units have left one location for another. An in-transit
	// account is kept at the destination with the origin as its Peer.
	InTransit
	// Supplier is the world account units are received from.
	Supplier
	// Customer is the world account units are sold or shipped to and returned from.
	Customer
	// Shrinkage is the world account of units lost, found or written off.
	Shrinkage
)

var bucketNames = [...]string{"", "sellable", "reserved", "quarantine", "in_transit", "supplier", "customer", "shrinkage"}

// String returns the bucket's stable name, such as "sellable".
func (b Bucket) String() string {
	if int(b) < len(bucketNames) && b != 0 {
		return bucketNames[b]
	}
	return "invalid"
}

// ParseBucket returns the bucket with the given stable name.
func ParseBucket(s string) (Bucket, bool) {
	for i, n := range bucketNames {
		if i > 0 && n == s {
			return Bucket(i), true
		}
	}
	return 0, false
}

// IsWorld reports whether b is a world account (supplier, customer,
// shrinkage). World accounts may hold any balance; their sum with the network
// accounts is zero for every SKU.
func (b Bucket) IsWorld() bool { return b >= Supplier && b <= Shrinkage }

// Valid reports whether b is one of the defined buckets.
func (b Bucket) Valid() bool { return b >= Sellable && b <= Shrinkage }

// Account is one balance of the ledger: units of a SKU at a location in a
// bucket. World accounts are kept per SKU and location too, so that commands
// at different locations never contend on a shared world balance.
type Account struct {
	SKU      omnikit.SKU
	Location omnikit.LocationID
	Bucket   Bucket
	// Peer is the origin of an in-transit account (Location is the
	// destination); it is empty for every other bucket.
	Peer omnikit.LocationID
}

// Compare orders accounts by SKU, location, bucket and peer. Stores lock
// accounts in this order so that two commands can never deadlock.
func (a Account) Compare(b Account) int {
	if c := strings.Compare(string(a.SKU), string(b.SKU)); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Location), string(b.Location)); c != 0 {
		return c
	}
	if a.Bucket != b.Bucket {
		if a.Bucket < b.Bucket {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a.Peer), string(b.Peer))
}

// String formats the account as sku@location/bucket (with <-peer for in-transit).
func (a Account) String() string {
	s := string(a.SKU) + "@" + string(a.Location) + "/" + a.Bucket.String()
	if a.Peer != "" {
		s += "<-" + string(a.Peer)
	}
	return s
}

// Balance is the running total of one account.
type Balance struct {
	Account Account
	Qty     int64
}

// Posting moves Qty units of one SKU from one account to another. Qty is
// always positive; From and To name the same SKU.
type Posting struct {
	From Account
	To   Account
	Qty  int64
}

// EntryKind names the business event an entry records.
type EntryKind string

// Entry kinds.
const (
	KindReceive     EntryKind = "receive"      // supplier -> sellable
	KindCount       EntryKind = "count"        // shrinkage <-> sellable, from a stock count
	KindAdjust      EntryKind = "adjust"       // shrinkage <-> sellable, found or lost units
	KindReserve     EntryKind = "reserve"      // sellable -> reserved
	KindRelease     EntryKind = "release"      // reserved -> sellable
	KindExpire      EntryKind = "expire"       // reserved -> sellable, at the deadline
	KindCommit      EntryKind = "commit"       // reserved -> customer (shipped or handed over)
	KindSale        EntryKind = "sale"         // sellable -> customer (till sale)
	KindTransferOut EntryKind = "transfer_out" // sellable(A) -> in_transit(B<-A)
	KindTransferIn  EntryKind = "transfer_in"  // in_transit(B<-A) -> sellable(B)
	KindReturn      EntryKind = "return"       // customer -> quarantine or sellable
	KindRestock     EntryKind = "restock"      // quarantine -> sellable
	KindWriteOff    EntryKind = "write_off"    // quarantine -> shrinkage
	KindSafetyStock EntryKind = "safety_stock" // no postings: a safety stock changed channel availability
	KindRebuild     EntryKind = "rebuild"      // no postings: channel availability recomputed after a configuration change
)

// Entry is one immutable event of the ledger: postings that move units
// between accounts, numbered by a monotonic sequence that is also the change
// feed's cursor.
type Entry struct {
	// Seq is assigned by the store when the entry is appended; it starts at 1
	// and has no gaps.
	Seq  int64
	Kind EntryKind
	// At is when the ledger read its clock for the command. Reserve
	// reads it before it waits for its transaction, so entries of
	// concurrent commands can be a little out of order in At; Seq is
	// their order.
	At time.Time
	// Reservation is set on reserve, release, expire and commit entries.
	Reservation ReservationID
	// Reference is the caller's reference (order, count sheet, transfer).
	Reference      string
	IdempotencyKey string
	Postings       []Posting
	// Availability lists the channel availabilities this entry changed,
	// with their new values: what a marketplace feed needs to publish.
	Availability []ChannelLevel
	// Flagged lists the network accounts that this recording write drove
	// below zero: discrepancies to reconcile.
	Flagged []Account
}

// ChannelLevel is the availability of one SKU on one channel.
type ChannelLevel struct {
	Channel   omnikit.ChannelID
	SKU       omnikit.SKU
	Available int64
}

// LocationType says what a location is.
type LocationType string

// Location types.
const (
	TypeStore       LocationType = "store"
	TypeWarehouse   LocationType = "warehouse"
	TypeDarkStore   LocationType = "dark_store"
	TypeMarketplace LocationType = "marketplace" // stock held by a marketplace (fulfilled by it)
)

// Valid reports whether t is a defined location type.
func (t LocationType) Valid() bool {
	switch t {
	case TypeStore, TypeWarehouse, TypeDarkStore, TypeMarketplace:
		return true
	}
	return false
}

// Capabilities is a set of things a location can do.
type Capabilities uint8

// Capabilities.
const (
	CanShip          Capabilities = 1 << iota // ships parcels to customers
	CanPickup                                 // hands over click & collect orders
	CanShipFromStore                          // a store that ships online orders
	AcceptsReturns                            // takes customer returns
)

// Has reports whether every capability in c2 is in c.
func (c Capabilities) Has(c2 Capabilities) bool { return c&c2 == c2 }

// Location is a place that holds stock: a store, a warehouse, a dark store or
// a marketplace's fulfilment stock.
type Location struct {
	ID           omnikit.LocationID
	Name         string
	Type         LocationType
	Geo          omnikit.GeoPoint
	Capabilities Capabilities
}

// Channel is a sales channel (web, app, a marketplace, a store's till) with
// the pool of locations whose stock it may sell, shaped by its Rule.
type Channel struct {
	ID   omnikit.ChannelID
	Name string
	// Pool lists the locations whose available-to-promise stock the channel sees.
	Pool []omnikit.LocationID
	Rule ChannelRule
}

// ChannelRule shapes what a channel sees of its pool's stock.
//
// For each SKU: every pool location contributes its ATP, except a store,
// which contributes only the units above StoreThreshold (so that the last
// units stay on the shelf for walk-in customers). The sum is then reduced by
// BufferPercent (rounding the shown units down, so the buffer never
// shrinks below the percentage) and by BufferUnits, never below zero, and
// capped at Cap when Cap > 0.
type ChannelRule struct {
	// BufferPercent withholds this percentage (0..100) of the pool's units.
	BufferPercent int64
	// BufferUnits withholds a fixed number of units.
	BufferUnits int64
	// Cap limits what the channel sees; 0 means no cap.
	Cap int64
	// StoreThreshold: a store location contributes max(0, ATP-StoreThreshold).
	StoreThreshold int64
}

// Line is a quantity of a SKU.
type Line struct {
	SKU omnikit.SKU
	Qty int64
}

// LocatedLine is a quantity of a SKU at a location.
type LocatedLine struct {
	SKU      omnikit.SKU
	Location omnikit.LocationID
	Qty      int64
}

// ReservationID identifies a reservation.
type ReservationID string

// ReservationState is where a reservation is in its life. It starts Active
// and ends exactly once.
type ReservationState string

// Reservation states.
const (
	Active    ReservationState = "active"
	Committed ReservationState = "committed" // every unit committed
	Released  ReservationState = "released"  // ended by a release (some units may have been committed before)
	Expired   ReservationState = "expired"   // ended by its deadline
)

// Reservation is a multi-line hold on stock, like a pending two-phase
// transfer: it reserves at once and later ends, exactly once, as committed,
// released or expired. It may be committed or released in parts first.
type Reservation struct {
	ID    ReservationID
	Owner string // cart, order or transfer reference
	State ReservationState
	Lines []ReservationLine
	// ExpiresAt is the deadline; the zero time means it never expires.
	ExpiresAt time.Time
	CreatedAt time.Time
	// EndedAt is when the reservation left the Active state.
	EndedAt time.Time
}

// ReservationLine is the hold on one SKU at one location. Qty is what was
// reserved; Committed and Released count what has left the hold since.
type ReservationLine struct {
	SKU       omnikit.SKU
	Location  omnikit.LocationID
	Qty       int64
	Committed int64
	Released  int64
}

// Open returns the units still held by the line.
func (l ReservationLine) Open() int64 { return l.Qty - l.Committed - l.Released }

// Open returns the units still held by the reservation.
func (r Reservation) Open() int64 {
	var n int64
	for _, l := range r.Lines {
		n += l.Open()
	}
	return n
}

// Clone returns a deep copy of r.
func (r Reservation) Clone() Reservation {
	r.Lines = append([]ReservationLine(nil), r.Lines...)
	return r
}

// Clone returns a deep copy of e.
func (e Entry) Clone() Entry {
	e.Postings = append([]Posting(nil), e.Postings...)
	if e.Availability != nil {
		e.Availability = append([]ChannelLevel(nil), e.Availability...)
	}
	if e.Flagged != nil {
		e.Flagged = append([]Account(nil), e.Flagged...)
	}
	return e
}

// Availability is the stock of one SKU at one location.
type Availability struct {
	SKU        omnikit.SKU
	Location   omnikit.LocationID
	Sellable   int64
	Reserved   int64
	Quarantine int64
	// Inbound is the stock in transit to this location.
	Inbound     int64
	SafetyStock int64
	// ATP (available to promise) is Sellable - SafetyStock, never below zero.
	ATP int64
}

// IdempotencyRecord remembers the result of a command that carried an
// idempotency key.
type IdempotencyRecord struct {
	Key string
	// Fingerprint identifies the command's input; a retry with another
	// fingerprint is a conflict.
	Fingerprint string
	// Seq is the entry the command appended.
	Seq int64
	// Reservation is the reservation a Reserve command created.
	Reservation ReservationID
}

// SafetyStock is the number of units of a SKU held back at a location from
// every promise.
type SafetyStock struct {
	SKU      omnikit.SKU
	Location omnikit.LocationID
	Qty      int64
}

// ChannelRaw is the maintained, unshaped sum of the contributions of a
// channel's pool locations for one SKU.
type ChannelRaw struct {
	Channel omnikit.ChannelID
	SKU     omnikit.SKU
	Raw     int64
}

// Config is the ledger's configuration as a store holds it.
type Config struct {
	Locations []Location
	Channels  []Channel
	SKUs      []omnikit.SKU
}
