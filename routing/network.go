package routing

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Site is one location of a network snapshot: the inventory location with
// what routing needs to know about it now.
type Site struct {
	// Location is the location (id, type, coordinates, capabilities).
	Location inventory.Location
	// Priority orders locations for the priority ranker and the priority
	// fill baseline; lower is preferred.
	Priority int64
	// Capacity is the number of units the location can prepare in the
	// current period; 0 means unlimited.
	Capacity int64
	// Workload is the number of units already being prepared.
	Workload int64
	// Market is a free-form market or region code, for MarketRanker.
	Market string
	// Stock holds the units available to promise per SKU. A SKU missing
	// from the map has 0 units. The map is read, never written.
	Stock map[omnikit.SKU]int64
	// SafetyStock holds back units per SKU from every promise: routing
	// sees max(0, Stock - SafetyStock). Nil means none.
	SafetyStock map[omnikit.SKU]int64
	// Hours is the opening timetable, for OpenFilter and ReadyByFilter;
	// nil means unknown hours, treated as always open.
	Hours *Hours
	// TransferLead is the time a transfer from this location to a pickup
	// store takes (click & collect with Delivery.AllowTransfer); 0 means
	// Delivery.TransferLead.
	TransferLead time.Duration
	// ShipmentCost is the cost of one shipment (or one transfer) from this
	// location, in minor currency units (for example cents), >= 0. The
	// objective sums it over the used locations (Objective.Cost), right
	// after shipments and transfers and before distance. 0 means no cost.
	ShipmentCost int64

	idx int // position in the network + 1; 0 when not from a Network
}

// holding is one (site, units) entry of the per-SKU index.
type holding struct {
	site int
	qty  int64
}

// Network is an immutable, indexed snapshot of locations and stock. Build it
// once with NewNetwork and share it across goroutines and calls.
type Network struct {
	sites   []Site // sorted by location id
	byID    map[omnikit.LocationID]int
	holders map[omnikit.SKU][]holding // sorted by site index, qty > 0
	cosLat  []float64                 // per site, math.Cos of the latitude in radians
	half    []halfAngles              // per site, for the fast distance path
	hot     []siteHot                 // per site, what built-in filters read
	all     []int                     // 0..len(sites)-1, the default scope; read only
	ids     []omnikit.LocationID      // per site, its id; shared by decisions' traces, read only
	// held holds the units per SKU before safety stock for sites whose
	// safety stock empties the SKU (for SafetyStockFilter).
	held map[omnikit.SKU][]holding
}

// NewNetwork validates and indexes sites. It returns a *NetworkError
// (ErrInvalidNetwork) for an invalid or duplicate location id, an invalid
// location type, non-finite or out-of-range coordinates, negative stock,
// capacity, workload, transfer lead time or shipment cost, or an invalid opening window. The sites are copied; their Stock maps are shared
// and must not be modified afterwards.
func NewNetwork(sites []Site) (*Network, error) {
	n := &Network{
		sites:   slices.Clone(sites),
		byID:    make(map[omnikit.LocationID]int, len(sites)),
		holders: map[omnikit.SKU][]holding{},
	}
	slices.SortStableFunc(n.sites, func(a, b Site) int {
		return strings.Compare(string(a.Location.ID), string(b.Location.ID))
	})
	for i := range n.sites {
		s := &n.sites[i]
		id := string(s.Location.ID)
		if err := s.Location.ID.Validate(); err != nil {
			return nil, &NetworkError{Location: id, Reason: err.Error()}
		}
		if i > 0 && n.sites[i-1].Location.ID == s.Location.ID {
			return nil, &NetworkError{Location: id, Reason: "duplicate location id"}
		}
		if !s.Location.Type.Valid() {
			return nil, &NetworkError{Location: id, Reason: fmt.Sprintf("invalid location type %q", s.Location.Type)}
		}
		if err := s.Location.Geo.Validate(); err != nil {
			return nil, &NetworkError{Location: id, Reason: err.Error()}
		}
		if s.Capacity < 0 || s.Workload < 0 {
			return nil, &NetworkError{Location: id, Reason: "negative capacity or workload"}
		}
		if s.TransferLead < 0 {
			return nil, &NetworkError{Location: id, Reason: "negative transfer lead time"}
		}
		if s.ShipmentCost < 0 {
			return nil, &NetworkError{Location: id, Reason: "negative shipment cost"}
		}
		if s.Hours != nil {
			if err := s.Hours.Validate(); err != nil {
				return nil, &NetworkError{Location: id, Reason: "hours: " + err.Error()}
			}
			// A private copy with the windows normalised once.
			h := *s.Hours
			h.Windows = slices.Clone(h.Windows)
			h.days = h.normalise()
			s.Hours = &h
		}
		n.byID[s.Location.ID] = i
		s.idx = i + 1
	}
	// Index stock per SKU; the SKU keys are sorted so that no decision ever
	// depends on map iteration order.
	for i := range n.sites {
		s := &n.sites[i]
		skus := make([]omnikit.SKU, 0, len(s.Stock))
		for k := range s.Stock {
			skus = append(skus, k)
		}
		slices.Sort(skus)
		for _, k := range skus {
			q := s.Stock[k]
			if q < 0 {
				return nil, &NetworkError{Location: string(s.Location.ID), Reason: fmt.Sprintf("negative stock %d of %q", q, k)}
			}
			if ss := s.SafetyStock[k]; ss < 0 {
				return nil, &NetworkError{Location: string(s.Location.ID), Reason: fmt.Sprintf("negative safety stock %d of %q", ss, k)}
			} else {
				q = max(0, q-ss)
			}
			if q > 0 {
				n.holders[k] = append(n.holders[k], holding{site: i, qty: q})
			} else if raw := s.Stock[k]; raw > 0 {
				if n.held == nil {
					n.held = map[omnikit.SKU][]holding{}
				}
				n.held[k] = append(n.held[k], holding{site: i, qty: raw})
			}
		}
	}
	n.cosLat = make([]float64, len(n.sites))
	n.half = make([]halfAngles, len(n.sites))
	n.hot = make([]siteHot, len(n.sites))
	n.all = make([]int, len(n.sites))
	n.ids = make([]omnikit.LocationID, len(n.sites))
	for i := range n.sites {
		g := n.sites[i].Location.Geo
		n.cosLat[i] = math.Cos(g.Lat * (math.Pi / 180))
		n.half[i] = newHalfAngles(g)
		s := &n.sites[i]
		n.hot[i] = siteHot{store: s.Location.Type == inventory.TypeStore, caps: s.Location.Capabilities,
			full: s.Capacity != 0 && s.Workload >= s.Capacity}
		n.all[i] = i
		n.ids[i] = s.Location.ID
	}
	return n, nil
}

// Len returns the number of locations.
func (n *Network) Len() int { return len(n.sites) }

// Site returns the location with the given id.
func (n *Network) Site(id omnikit.LocationID) (Site, bool) {
	i, ok := n.byID[id]
	if !ok {
		return Site{}, false
	}
	return n.sites[i], true
}

// Sites returns a copy of the locations, sorted by id.
func (n *Network) Sites() []Site { return slices.Clone(n.sites) }

// Available returns the units of sku that routing may promise at the
// location (stock less safety stock, never below 0), 0 when the location or
// SKU is unknown.
func (n *Network) Available(id omnikit.LocationID, sku omnikit.SKU) int64 {
	i, ok := n.byID[id]
	if !ok {
		return 0
	}
	return n.sites[i].available(sku)
}

func (s *Site) available(sku omnikit.SKU) int64 {
	return max(0, s.Stock[sku]-s.SafetyStock[sku])
}

// siteHot is the part of a Site that CapabilityFilter and CapacityFilter
// read, packed so that the per-location loop of a call touches a few bytes
// per site instead of the whole Site.
type siteHot struct {
	store bool // Location.Type == TypeStore
	caps  inventory.Capabilities
	full  bool // Capacity != 0 && Workload >= Capacity
}

// halfAngles holds the sines and cosines of half a point's latitude and
// longitude (in radians), so that the haversine terms sin(dLat/2) and
// sin(dLng/2) between two points need no trigonometric call.
type halfAngles struct{ sLat, cLat, sLng, cLng float64 }

func newHalfAngles(p omnikit.GeoPoint) halfAngles {
	const half = math.Pi / 360
	sLat, cLat := math.Sincos(p.Lat * half)
	sLng, cLng := math.Sincos(p.Lng * half)
	return halfAngles{sLat, cLat, sLng, cLng}
}

// fastDistGuard is how close to a rounding boundary (a half metre) the
// fast distance may fall before the exact expression is evaluated instead.
// The fast and the exact values differ by far less (below 1e-7 m for
// arguments up to fastAsinMax, see fastMeters), so outside this band both
// round to the same whole metre.
const fastDistGuard = 1e-4

// fastAsinMax bounds the argument of the series in fastMeters: sqrt(h) <=
// 0.1 is a great-circle distance up to about 1,275 km.
const fastAsinMax = 0.1

// fastMeters returns the distance in metres from site i to a destination
// with half angles d and latitude cosine cosDest, without rounding, and
// false when the fast path does not apply (distance too large).
func (n *Network) fastMeters(i int, d *halfAngles, cosDest float64) (float64, bool) {
	h := haversineH(d, &n.half[i], n.cosLat[i]*cosDest)
	if !(h <= fastAsinMax*fastAsinMax) {
		return 0, false
	}
	return seriesMeters(h), true
}

// haversineH is the haversine h = sin²(dLat/2) + cos(lat1)cos(lat2)
// sin²(dLng/2) between points with half angles d and s, where cosProd is
// cos(lat1)cos(lat2). sin(dLat/2) is expanded as sin(a/2)cos(b/2) -
// cos(a/2)sin(b/2) from the precomputed values (absolute error below
// 1e-15). Like seriesMeters it is small enough to be inlined, in the loop
// of distancesFast.
func haversineH(d, s *halfAngles, cosProd float64) float64 {
	sLat := d.sLat*s.cLat - d.cLat*s.sLat
	sLng := d.sLng*s.cLng - d.cLng*s.sLng
	return sLat*sLat + cosProd*sLng*sLng
}

// seriesMeters is the distance 2R asin(sqrt(h)) in metres for h <=
// fastAsinMax², with asin by its Taylor series up to x^13 (for x <= 0.1
// the remainder is below c_7 x^15 / (1 - x^2) < 1.5e-17 rad, 2e-10 m).
// With D = 2R asin(sqrt(h)), dD/d(sin) <= 2R/sqrt(1-h), so with the error
// of haversineH the result is within about 2 * 6.4e6 m * 4e-15 ~ 5e-8 m
// of the exact expression.
func seriesMeters(h float64) float64 {
	// asin x = x * sum c_k x^(2k), c_k = (2k)! / (4^k (k!)^2 (2k+1)),
	// evaluated in z = x^2 = h with a short dependency chain.
	z2 := h * h
	p := (1.0 + h*(1.0/6)) + z2*((3.0/40+h*(5.0/112))+z2*((35.0/1152+h*(63.0/2816))+z2*(231.0/13312)))
	return 2 * omnikit.EarthRadiusKm * 1000 * math.Sqrt(h) * p
}

// roundFast rounds m (0 <= m < 2^53) to the nearest integer when it is
// farther than fastDistGuard from a half; ok is false otherwise.
func roundFast(m float64) (int64, bool) {
	k := int64(m) // truncation is floor for m >= 0
	switch f := m - float64(k); {
	case f < 0.5-fastDistGuard:
		return k, true
	case f > 0.5+fastDistGuard:
		return k + 1, true
	}
	return 0, false
}

// distMetersFast is distMeters through fastMeters, falling back to the
// exact expression near a rounding boundary or for long distances, so
// that the result is always identical to distMeters.
func (n *Network) distMetersFast(i int, dest omnikit.GeoPoint, d *halfAngles, cosDest float64) int64 {
	if m, ok := n.fastMeters(i, d, cosDest); ok {
		if k, ok := roundFast(m); ok {
			return k
		}
	}
	return n.distMeters(i, dest, cosDest)
}

// distancesFast sets dist[i] = distMetersFast(i, ...) for every i in
// scope: the same computation (fastMeters' helpers inlined) in one loop.
func (n *Network) distancesFast(scope []int, dist []int64, dest omnikit.GeoPoint, d *halfAngles, cosDest float64) {
	half, cosLat := n.half, n.cosLat
	for _, i := range scope {
		if h := haversineH(d, &half[i], cosLat[i]*cosDest); h <= fastAsinMax*fastAsinMax {
			if k, ok := roundFast(seriesMeters(h)); ok {
				dist[i] = k
				continue
			}
		}
		dist[i] = n.distMeters(i, dest, cosDest)
	}
}

// distMeters is GeoPoint.DistanceMeters from site i to dest, with the
// site's cosine precomputed; cosDest is math.Cos of dest's latitude in
// radians. It evaluates the same expression as omnikit.GeoPoint.DistanceKm,
// so the result is identical.
func (n *Network) distMeters(i int, dest omnikit.GeoPoint, cosDest float64) int64 {
	p := n.sites[i].Location.Geo
	const rad = math.Pi / 180
	dLat := (dest.Lat - p.Lat) * rad
	dLng := (dest.Lng - p.Lng) * rad
	sLat, sLng := math.Sin(dLat/2), math.Sin(dLng/2)
	c1 := n.cosLat[i]
	h := sLat*sLat + c1*cosDest*sLng*sLng
	h = math.Min(1, math.Max(0, h))
	km := 2 * omnikit.EarthRadiusKm * math.Asin(math.Sqrt(h))
	return int64(math.Round(km * 1000))
}
