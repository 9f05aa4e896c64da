package routing

import (
	"fmt"
	"slices"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Stable reason codes. They are never reworded; user plug-ins should
// namespace their own (for example "acme.cold_chain.no_freezer").
const (
	CodeUsed             = "used"               // the location ships part of the plan
	CodeNotNeeded        = "not_needed"         // eligible, with stock, but the plan did not need it
	CodeStockNone        = "stock.none"         // no unit of any ordered SKU
	CodeCapabilityMiss   = "capability.missing" // lacks the capability the delivery method needs
	CodeCapacityFull     = "capacity.full"      // workload has reached capacity
	CodeRadiusExceeded   = "radius.exceeded"    // farther than the radius limit
	CodeTypeExcluded     = "type.excluded"      // location type not allowed
	CodeExcludedRerouted = "excluded.rerouted"  // rejected units earlier; excluded on re-route
	CodeExcludedRequest  = "excluded.request"   // excluded by the request
	CodeOutOfScope       = "scope.out"          // not a candidate of this request
	CodePluginPanic      = "plugin.panic"       // a filter or ranker panicked on this location
	CodeRankerInvalid    = "ranker.invalid"     // reserved
	CodeClosedNow        = "closed.now"         // closed at Request.Now; measured = minutes until it opens
	CodeClosedAlways     = "closed.always"      // the timetable has no opening window
	CodeNowUnknown       = "time.now_unknown"   // a time rule needs Request.Now, which is zero
	CodeReadyByLate      = "ready_by.late"      // cannot be ready by Request.ReadyBy; minutes from Now, ready vs limit
	// CodeSafetyReserved: the location holds ordered SKUs, but every unit is
	// held back by Site.SafetyStock; measured: units held back, limit: units
	// ordered.
	CodeSafetyReserved = "safety_stock.reserved"
)

// Reason is a stable, machine-readable reason with the measured value and
// the limit it was compared against, when there is one.
type Reason struct {
	// Code is one of the Code constants or a plug-in's namespaced code.
	Code string
	// Rule names the filter, ranker or stage that gave the reason.
	Rule string
	// Measured and Limit are the compared values, in Unit. For a radius
	// both are metres.
	Measured, Limit int64
	// Unit is "m", "units", "min", "" (no measure) or a plug-in's unit.
	// For "min" both values are whole minutes from Request.Now: for
	// "ready_by.late" Measured is when the order can be ready (rounded up)
	// and Limit is Request.ReadyBy (rounded down), so Measured − Limit is
	// the lateness; for "closed.now" Measured is when the location opens.
	Unit string
	// Soft is true when the reason came from a soft filter.
	Soft bool
}

// String renders the reason, e.g. "radius.exceeded 12.3 km > 10 km".
func (r Reason) String() string {
	switch r.Unit {
	case "":
		return r.Code
	case "m":
		return fmt.Sprintf("%s %s > %s", r.Code, km(r.Measured), km(r.Limit))
	case "min":
		if r.Code == CodeClosedNow {
			return fmt.Sprintf("%s opens in %d min", r.Code, r.Measured)
		}
	}
	if r.Code == CodeSafetyReserved {
		return fmt.Sprintf("%s %d %s held back, %d ordered", r.Code, r.Measured, r.Unit, r.Limit)
	}
	if r.Limit == 0 {
		return fmt.Sprintf("%s %d %s", r.Code, r.Measured, r.Unit)
	}
	op := ">"
	if r.Code == CodeCapacityFull {
		op = ">="
	}
	return fmt.Sprintf("%s %d %s %s %d %s", r.Code, r.Measured, r.Unit, op, r.Limit, r.Unit)
}

func km(m int64) string {
	s := fmt.Sprintf("%.1f", float64(m)/1000)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + " km"
}

// Verdict is a filter's answer for one location.
type Verdict struct {
	// Pass is true when the location stays a candidate.
	Pass bool
	// Reason explains a rejection (ignored when Pass).
	Reason Reason
}

// Accept is the passing Verdict.
var Accept = Verdict{Pass: true}

// Reject returns a failing Verdict with the given reason.
func Reject(r Reason) Verdict { return Verdict{Reason: r} }

// Context is what plug-ins see of the request being routed. It is read
// only.
type Context struct {
	// Request is the request being routed (do not modify).
	Request *Request
	// SKUs are the distinct ordered SKUs, sorted.
	SKUs []omnikit.SKU
	// Demand is the ordered quantity per SKU, parallel to SKUs.
	Demand   []int64
	net      *Network
	store    int     // pickup or selling store site index, -1 for Ship
	transfer bool    // Pickup with Delivery.AllowTransfer
	dist     []int64 // per site, -1 = not computed
	useful   []int64 // per site: ordered units held, each SKU capped at demand
	held     []int64 // per site: ordered units held back by safety stock where none is available; nil until needed
	cosDest  float64 // math.Cos of the destination latitude, when fastDist
	fastDist bool    // dest is valid and distances use the network's cosines
	pool     *probBufs
	dest     omnikit.GeoPoint
	destHalf halfAngles // dest's half angles, when fastDist
}

func (c *Context) siteIndex(s *Site) int {
	if s.idx > 0 && s.idx <= len(c.net.sites) && c.net.sites[s.idx-1].Location.ID == s.Location.ID {
		return s.idx - 1
	}
	if i, ok := c.net.byID[s.Location.ID]; ok {
		return i
	}
	return -1
}

// UsefulUnits returns the units of the ordered SKUs the site holds, each
// SKU counted up to its ordered quantity.
func (c *Context) UsefulUnits(s *Site) int64 {
	if i := c.siteIndex(s); i >= 0 && c.useful != nil {
		return c.useful[i]
	}
	var u int64
	for i, k := range c.SKUs {
		u += min(s.available(k), c.Demand[i])
	}
	return u
}

// DistanceMeters returns the great-circle distance from the site to the
// delivery destination in whole metres: 0 for TakeAway, for Pickup from
// the pickup store itself and when the destination is unknown. With
// Delivery.AllowTransfer the destination is the pickup store.
func (c *Context) DistanceMeters(s *Site) int64 {
	d := c.Request.Delivery
	dest := d.Destination
	switch {
	case d.Method == Ship:
	case c.transferring():
		dest = c.net.sites[c.storeIndex()].Location.Geo
	default:
		return 0
	}
	if dest.IsZero() {
		return 0
	}
	if i := c.siteIndex(s); i >= 0 && c.dist != nil {
		if c.dist[i] < 0 {
			c.dist[i] = c.siteDist(i, dest)
		}
		return c.dist[i]
	}
	return s.Location.Geo.DistanceMeters(dest)
}

// siteDist is the distance from site i to dest (not zero), identical to
// GeoPoint.DistanceMeters.
func (c *Context) siteDist(i int, dest omnikit.GeoPoint) int64 {
	if c.fastDist && dest == c.dest {
		return c.net.distMetersFast(i, dest, &c.destHalf, c.cosDest)
	}
	return c.net.sites[i].Location.Geo.DistanceMeters(dest)
}

// transferring reports whether the request is click & collect with
// transfers.
func (c *Context) transferring() bool {
	return c.transfer
}

// storeIndex returns the pickup or selling store's site index, or -1.
func (c *Context) storeIndex() int { return c.store }

// PickupStore returns the pickup or selling store of a Pickup or TakeAway
// request, or nil for Ship.
func (c *Context) PickupStore() *Site {
	if i := c.storeIndex(); i >= 0 {
		return &c.net.sites[i]
	}
	return nil
}

// IsTransfer reports whether units from s would be transferred to the
// pickup store (Pickup with Delivery.AllowTransfer, s not the store).
func (c *Context) IsTransfer(s *Site) bool {
	return c.transferring() && s.Location.ID != c.net.sites[c.storeIndex()].Location.ID
}

// TransferLead returns the lead time of a transfer from s to the pickup
// store: Site.TransferLead, or Delivery.TransferLead when that is 0.
func (c *Context) TransferLead(s *Site) time.Duration {
	if s.TransferLead > 0 {
		return s.TransferLead
	}
	return c.Request.Delivery.TransferLead
}

// ReadyAt returns when the order could be ready if s started preparing it
// at Request.Now and prep of its open hours is needed: for a transfer
// source, that time plus the transfer lead time, then moved to the pickup
// store's next opening. Nil hours are always open. ok is false when a
// timetable involved has no opening window.
func (c *Context) ReadyAt(s *Site, prep time.Duration) (t time.Time, ok bool) {
	t, ok = readyAt(s.Hours, c.Request.Now, prep)
	if !ok || !c.IsTransfer(s) {
		return t, ok
	}
	t = t.Add(c.TransferLead(s))
	if st := c.PickupStore(); st.Hours != nil {
		return st.Hours.NextOpen(t)
	}
	return t, true
}

// Available returns the units of sku the site may promise (stock less
// safety stock).
func (c *Context) Available(s *Site, sku omnikit.SKU) int64 { return s.available(sku) }

// Filter is an eligibility rule over one location. Implementations must be
// pure and deterministic, must not modify their arguments, and should
// return stable reason codes. A panic rejects the location with
// CodePluginPanic.
type Filter interface {
	// Name is the rule's stable name, such as "capability".
	Name() string
	// Check says whether the site stays a candidate.
	Check(c *Context, s *Site) Verdict
}

// Ranker gives a location a key; lower is better. On a plan the keys of the
// used locations are summed. Implementations must be pure; a panic rejects
// the location with CodePluginPanic.
type Ranker interface {
	// Name is the ranker's stable name.
	Name() string
	// Rank returns the site's key.
	Rank(c *Context, s *Site) int64
}

// soft marks a filter that may be relaxed when a strategy cannot fulfil.
type soft struct{ Filter }

// Soft wraps f as a soft filter: when the strategy cannot fulfil the request
// completely, it runs again without its soft filters, and the decision lists
// them as relaxed.
func Soft(f Filter) Filter { return soft{f} }

func isSoft(f Filter) bool { _, ok := f.(soft); return ok }

// CapabilityFilter requires the capability the delivery method needs: Ship
// needs CanShipFromStore at a store and CanShip elsewhere, Pickup needs
// CanPickup, TakeAway needs nothing. A transfer source (Pickup with
// Delivery.AllowTransfer) needs nothing itself, but the pickup store must
// have CanPickup. Reason "capability.missing" (measured: the capabilities
// checked, limit: the ones needed).
type CapabilityFilter struct{}

// Name returns "capability".
func (CapabilityFilter) Name() string { return "capability" }

func (CapabilityFilter) accepts(c *Context, s *Site) bool {
	s, need := capNeed(c, s)
	return s.Location.Capabilities.Has(need)
}

// Check implements Filter.
func (CapabilityFilter) Check(c *Context, s *Site) Verdict {
	s, need := capNeed(c, s)
	if s.Location.Capabilities.Has(need) {
		return Accept
	}
	return Reject(Reason{Code: CodeCapabilityMiss, Rule: "capability", Measured: int64(s.Location.Capabilities), Limit: int64(need)})
}

// capable is CapabilityFilter.accepts for the network's site i.
func (c *Context) capable(i int) bool {
	h := &c.net.hot[i]
	switch c.Request.Delivery.Method {
	case Ship:
		if h.store {
			return h.caps.Has(inventory.CanShipFromStore)
		}
		return h.caps.Has(inventory.CanShip)
	case Pickup:
		if c.transfer && i != c.store {
			h = &c.net.hot[c.store] // a transfer source: the pickup store counts
		}
		return h.caps.Has(inventory.CanPickup)
	}
	return true
}

// capNeed returns the site whose capabilities count and the capability
// needed.
func capNeed(c *Context, s *Site) (*Site, inventory.Capabilities) {
	var need inventory.Capabilities
	switch c.Request.Delivery.Method {
	case Ship:
		need = inventory.CanShip
		if s.Location.Type == inventory.TypeStore {
			need = inventory.CanShipFromStore
		}
	case Pickup:
		need = inventory.CanPickup
		if c.IsTransfer(s) {
			s = c.PickupStore()
		}
	}
	return s, need
}

// StockFilter rejects a location with no unit of any ordered SKU (reason
// "stock.none").
type StockFilter struct{}

// Name returns "stock".
func (StockFilter) Name() string { return "stock" }

func (StockFilter) accepts(c *Context, s *Site) bool { return c.UsefulUnits(s) > 0 }

// Check implements Filter.
func (StockFilter) Check(c *Context, s *Site) Verdict {
	if c.UsefulUnits(s) > 0 {
		return Accept
	}
	return Reject(Reason{Code: CodeStockNone, Rule: "stock"})
}

// SafetyStockFilter rejects a location that holds some of the ordered SKUs
// but none it may promise, because Site.SafetyStock holds every unit back
// (reason "safety_stock.reserved", measured: the units held back, limit:
// the units ordered). A location with promisable units, or with no unit at
// all, passes (StockFilter handles the latter). Put it before StockFilter.
type SafetyStockFilter struct{}

// Name returns "safety_stock".
func (SafetyStockFilter) Name() string { return "safety_stock" }

func (SafetyStockFilter) accepts(c *Context, s *Site) bool {
	return c.UsefulUnits(s) > 0 || c.heldBack(s) == 0
}

// Check implements Filter.
func (SafetyStockFilter) Check(c *Context, s *Site) Verdict {
	if c.UsefulUnits(s) > 0 {
		return Accept
	}
	held := c.heldBack(s)
	if held == 0 {
		return Accept
	}
	var ordered int64
	for _, d := range c.Demand {
		ordered += d
	}
	return Reject(Reason{Code: CodeSafetyReserved, Rule: "safety_stock", Measured: held, Limit: ordered, Unit: "units"})
}

// heldBack returns the units of the ordered SKUs that the site holds but
// safety stock holds back, for a site with no promisable ordered unit.
func (c *Context) heldBack(s *Site) int64 {
	if i := c.siteIndex(s); i >= 0 && c.net != nil {
		return c.heldAt(i)
	}
	var u int64
	for _, k := range c.SKUs {
		if s.available(k) == 0 {
			u += max(0, s.Stock[k])
		}
	}
	return u
}

// heldAt is heldBack for the network's site i.
func (c *Context) heldAt(i int) int64 {
	if c.held == nil {
		if len(c.net.held) == 0 {
			return 0 // no safety stock empties any SKU anywhere
		}
		if c.pool != nil {
			c.held = fill64(&c.pool.held, len(c.net.sites), 0)
		} else {
			c.held = make([]int64, len(c.net.sites))
		}
		for _, sku := range c.SKUs {
			for _, h := range c.net.held[sku] {
				c.held[h.site] += h.qty
			}
		}
	}
	return c.held[i]
}

// CapacityFilter rejects a location whose workload has reached its capacity
// (reason "capacity.full", workload >= capacity). Capacity 0 is unlimited.
type CapacityFilter struct{}

// Name returns "capacity".
func (CapacityFilter) Name() string { return "capacity" }

func (CapacityFilter) accepts(_ *Context, s *Site) bool {
	return s.Capacity == 0 || s.Workload < s.Capacity
}

// Check implements Filter.
func (CapacityFilter) Check(c *Context, s *Site) Verdict {
	if s.Capacity == 0 || s.Workload < s.Capacity {
		return Accept
	}
	return Reject(Reason{Code: CodeCapacityFull, Rule: "capacity", Measured: s.Workload, Limit: s.Capacity, Unit: "units"})
}

// RadiusFilter rejects a location farther than MaxMeters from the
// destination (reason "radius.exceeded", measured and limit in metres).
type RadiusFilter struct {
	// MaxMeters is the largest allowed great-circle distance.
	MaxMeters int64
}

// Name returns "radius".
func (RadiusFilter) Name() string { return "radius" }

// Check implements Filter.
func (f RadiusFilter) Check(c *Context, s *Site) Verdict {
	if d := c.DistanceMeters(s); d > f.MaxMeters {
		return Reject(Reason{Code: CodeRadiusExceeded, Rule: "radius", Measured: d, Limit: f.MaxMeters, Unit: "m"})
	}
	return Accept
}

// TypeFilter keeps only locations whose type is in Allow (reason
// "type.excluded").
type TypeFilter struct {
	// Allow lists the allowed types.
	Allow []inventory.LocationType
}

// Name returns "type".
func (TypeFilter) Name() string { return "type" }

// Check implements Filter.
func (f TypeFilter) Check(c *Context, s *Site) Verdict {
	if slices.Contains(f.Allow, s.Location.Type) {
		return Accept
	}
	return Reject(Reason{Code: CodeTypeExcluded, Rule: "type"})
}

// PriorityRanker ranks by Site.Priority (lower first).
type PriorityRanker struct{}

// Name returns "priority".
func (PriorityRanker) Name() string { return "priority" }

// Rank implements Ranker.
func (PriorityRanker) Rank(c *Context, s *Site) int64 { return s.Priority }

// DistanceRanker ranks by great-circle distance in metres (nearest first).
type DistanceRanker struct{}

// Name returns "distance".
func (DistanceRanker) Name() string { return "distance" }

// Rank implements Ranker.
func (DistanceRanker) Rank(c *Context, s *Site) int64 { return c.DistanceMeters(s) }

// StockRanker prefers the location with the most units of the ordered SKUs
// (each SKU counted up to its demand); the key is minus that number.
type StockRanker struct{}

// Name returns "stock".
func (StockRanker) Name() string { return "stock" }

// Rank implements Ranker.
func (StockRanker) Rank(c *Context, s *Site) int64 {
	return -c.UsefulUnits(s)
}

// UtilisationRanker prefers the least loaded location: the key is the
// workload in per mille of capacity (0 when capacity is unlimited).
type UtilisationRanker struct{}

// Name returns "utilisation".
func (UtilisationRanker) Name() string { return "utilisation" }

// Rank implements Ranker.
func (UtilisationRanker) Rank(c *Context, s *Site) int64 {
	if s.Capacity == 0 {
		return 0
	}
	return s.Workload * 1000 / s.Capacity
}

// MarketRanker prefers locations in the delivery's market: key 0 when
// Site.Market equals Delivery.Market, 1 otherwise.
type MarketRanker struct{}

// Name returns "market".
func (MarketRanker) Name() string { return "market" }

// Rank implements Ranker.
func (MarketRanker) Rank(c *Context, s *Site) int64 {
	if s.Market == c.Request.Delivery.Market {
		return 0
	}
	return 1
}

// FilterFunc adapts a function to a Filter.
type FilterFunc struct {
	// ID is the filter's name.
	ID string
	// F is the check.
	F func(c *Context, s *Site) Verdict
}

// Name returns f.ID.
func (f FilterFunc) Name() string { return f.ID }

// Check calls f.F.
func (f FilterFunc) Check(c *Context, s *Site) Verdict { return f.F(c, s) }

// RankerFunc adapts a function to a Ranker.
type RankerFunc struct {
	// ID is the ranker's name.
	ID string
	// F computes the key.
	F func(c *Context, s *Site) int64
}

// Name returns f.ID.
func (f RankerFunc) Name() string { return f.ID }

// Rank calls f.F.
func (f RankerFunc) Rank(c *Context, s *Site) int64 { return f.F(c, s) }
