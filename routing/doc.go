// Package routing decides where an order is fulfilled from: which location
// ships or prepares which units, what stays unfulfilled, and why.
//
// # Pipeline
//
// Build a Network once from Site values (an inventory.Location plus
// priority, capacity, workload and per-SKU available units) and an Engine
// once from an ordered list of Strategy values (the profile). Each
// Engine.Route call then runs, for one Request (the lines of one delivery
// group, its Delivery, the channel and the time):
//
//	scope -> filters -> rankers -> solver under a SplitPolicy -> Decision
//
// Scope is every location of the network, the Request.Locations list, or
// the store itself for Pickup (click & collect at the pickup store) and
// TakeAway (the selling store); for Pickup with Delivery.AllowTransfer it
// is every location (or the list) plus the pickup store; Request.Exclude and Request.Rejections
// remove locations (re-routing after a store rejects units is the same
// call with the rejection recorded: reason "excluded.rerouted" with the
// rejected units as the measured value). Filters run in order and the
// first rejection is the location's reason. Rankers give integer keys,
// lower is better. The first Strategy whose conditions (When: ChannelIs,
// MethodIs, OrderValueAtLeast, OrderValueBelow, SKUTagged, Not or your
// own) all match runs; if its plan is not Complete it runs again without its Soft filters
// (listed in Decision.Relaxed), then the next matching strategy runs. The
// best attempt is returned and every attempt is listed in
// Decision.Attempts. Engine.RouteOrder routes several delivery groups, each
// seeing the stock left by the ones before.
//
// Built-in filters: CapabilityFilter (ship needs CanShip, or
// CanShipFromStore at a store; pickup needs CanPickup), SafetyStockFilter
// (every unit of the ordered SKUs held back by Site.SafetyStock), StockFilter,
// CapacityFilter (workload >= capacity), RadiusFilter, TypeFilter,
// OpenFilter (open at Request.Now) and ReadyByFilter (ready by
// Request.ReadyBy). DefaultStrategy runs CapabilityFilter,
// SafetyStockFilter, StockFilter and CapacityFilter.
// Built-in rankers: PriorityRanker, DistanceRanker (great-circle, whole
// metres), StockRanker (highest stock first), UtilisationRanker (least
// loaded first) and MarketRanker (same market first). Built-in solvers: Tiered (the
// default) and the baselines PriorityFill and NearestFill.
//
// After the plan, the strategy's Splitters (MaxUnitsSplitter,
// MaxItemsSplitter or your own) break each location's package up; the
// result is Decision.Packages, checked to hold exactly the allocations.
//
// # Opening hours and ready-by
//
// Site.Hours is a weekly timetable (Window values per weekday, in local
// minutes) in a time zone; NewHours loads an IANA zone with
// time.LoadLocation, so the host needs the tz database or the program
// imports time/tzdata. Nil hours are unknown and count as always open.
// Times are computed with time.Date in the zone, so daylight-saving
// changes are honoured. OpenFilter rejects a location closed at
// Request.Now ("closed.now", measured: minutes until it opens).
// ReadyByFilter counts its Prep only during open hours from Request.Now
// and rejects a location that cannot be ready by Request.ReadyBy
// ("ready_by.late", measured: minutes until ready, limit: minutes until
// ReadyBy). Neither filter is in DefaultStrategy.
//
// # Click & collect by transfer
//
// With Delivery.AllowTransfer, locations other than the pickup store may
// supply a Pickup request: their allocations carry Allocation.TransferTo
// (the pickup store), distances are measured to the pickup store, and
// ReadyByFilter adds the transfer lead time (Site.TransferLead, or
// Delivery.TransferLead) and waits for the pickup store to be open. The
// objective counts transfers right after shipments (before cost), and the pickup store
// comes first in preference order, so its own stock is used whenever it
// costs no extra shipment.
//
// # Objectives
//
// Plans are compared in strict lexicographic order, on integers only (see
// Objective.Compare): unfulfilled units, shipments (locations used),
// transfers to the pickup store, cost (Site.ShipmentCost, in minor
// currency units, summed over the used locations: Objective.Cost), summed
// distance in metres of the used locations, each ranker's keys summed over
// the used locations (in ranker order), then the sorted location ids.
// Cost never buys an extra shipment: it only decides between plans with
// the same unfulfilled units, shipments and transfers. The preference
// order used to hand units out inside a location set (and to break greedy
// ties) follows the same tiers: the pickup store before transfer sources,
// then cost, distance, ranker keys, id.
//
// # Solver and certificate
//
// Minimising shipments with quantities is a set-cover problem. Tiered
// checks every single location, then every pair exactly (enumerating from
// the holders of the least-held item), then runs greedy by marginal units
// with redundant-location removal, 2-for-1 and 1-for-1 swaps, then branch
// and bound on the least-held residual item with a per-item lower bound,
// under a deterministic work budget counted in nodes (Strategy.Budget,
// DefaultBudget), never in time. Every tier, bound and pruning rule
// compares the whole objective, cost included; the pruning of partial sets
// at the best size on transfers, cost and distance is valid because all
// three only grow as locations are added (costs are >= 0). When splitting
// lines is not allowed the items are whole lines and several lines of one
// SKU are packed exactly; when the lines of one SKU cannot all be packed
// at once (so the best plan may leave any of them out) the per-line bounds
// do not hold, and after single locations the solver searches location
// subsets directly (exhaustively within the budget, certified only then).
// The Certificate says Optimal (proven on every tier), or gives a
// LowerBound on shipments, and whether the budget ran out. The runner-up
// (Decision.RunnerUp) is the best plan found with a different location
// set, when the search met one.
//
// # Determinism
//
// The same input in any order gives the same Decision: sites are sorted by
// id, lines by id (an empty line id defaults to "L<position>"), SKUs by
// value; no decision depends on map iteration; every comparison ends on
// ids; the clock is never read (Request.Now is passed in).
//
// # Extension
//
// Implement Filter, Ranker, Condition or Solver (FilterFunc and RankerFunc
// adapt functions). Plug-ins must be pure and must not modify their
// arguments; a Solver must not keep the Problem (or its slices) after
// Solve returns, because the engine reuses its buffers. A filter or ranker that panics rejects its location with
// reason "plugin.panic" (Reason.Rule names the plug-in); a condition that
// panics does not match; a solver that panics fails the call with a
// *PanicError, and a solver whose plan breaks stock or policy fails it
// with a *PlanError. The Engine and Network are immutable after
// construction and safe for concurrent use.
//
// # Explanation
//
// Every candidate (each location in scope) gets exactly one
// CandidateStatus (Used, Unused, Filtered) and one Reason with a stable
// code and, where it applies, the measured value against the limit
// ("radius.exceeded 12.3 km > 10 km", "ready_by.late 95 min > 60 min").
// Codes: used, not_needed, stock.none, safety_stock.reserved (measured:
// units held back, limit: units ordered), capability.missing, capacity.full,
// radius.exceeded, type.excluded, closed.now, closed.always,
// time.now_unknown, ready_by.late, excluded.rerouted, excluded.request,
// plugin.panic, plan.unfulfillable, scope.out (from WhyNot for a
// non-candidate); shortfalls carry
// stock.short or policy.limit; Evaluate's violations carry evaluate.*.
// Decision.Candidates returns every candidate's trace (built on each
// call: it allocates some 150 bytes per location), Decision.Candidate one
// location's and Decision.WhyNot answers "why not this location?" without
// building the list; Engine.Evaluate checks and scores a plan the caller
// proposes.
//
// Errors are typed: ErrInvalidRequest (*RequestError) for no lines, a
// quantity <= 0, duplicate line ids, invalid coordinates, an unknown
// store, AllowTransfer without Pickup, a negative lead time or a ReadyBy
// without Now; ErrInvalidNetwork (*NetworkError) for duplicate ids, NaN
// coordinates, negative stock, lead time or shipment cost, or an invalid
// opening window;
// ErrInvalidConfig (*ConfigError) for a bad strategy or plug-in setting
// or an unknown time zone; ErrInvalidPlan (a solver's plan, or a
// splitter's packages, that break the rules); ErrPluginPanic (a solver or
// splitter panicked). A currency mismatch in an order-value condition is
// a no-match, never an error. A SKU unknown to the network is not an error: it has 0
// stock.
//
// # Not built
//
// Holiday and exception dates in opening hours (Hours is a weekly
// pattern only); hand-over slots at the pickup store beyond "the store is
// open"; a per-unit cost (the cost tier is one fixed Site.ShipmentCost per
// used location; a cost per unit picked would make the cost of a location
// set depend on how units are shared inside it, which neither the solver
// nor the oracle models yet), distance- or weight-based shipping rates and
// a separate transfer cost (a transfer source pays its ShipmentCost like
// any shipment); per-plan unit capacity (capacity is a location filter
// only, the solver does not cap the units it gives a location); splitters
// by weight, dimensions or category (they need catalog data routing does
// not have; only MaxUnitsSplitter and MaxItemsSplitter exist);
// split-policy rules by order value or SKU (use a strategy with
// OrderValueBelow and MaxShipments 1 instead); WhyNot as a forced-include
// re-solve (it reports the recorded reason).
//
// # Performance
//
// Each call still does work over every location in scope, because every
// candidate gets its trace (status, reason, exact distance, keys); what is
// done once is done ahead. NewNetwork precomputes per site the sines and
// cosines of half its latitude and longitude and the fields the built-in
// filters read. Distances are computed once per call and location, with
// no trigonometric call: sin(dLat/2) and sin(dLng/2) by the subtraction
// formula and asin by its series, within about 1e-8 m of
// GeoPoint.DistanceMeters; the exact expression is evaluated instead for
// distances over about 1,275 km or within 1e-4 m of a half metre, so the
// whole metres are always identical. New classifies each strategy's
// filters and rankers once: built-in ones run inline (their Check gives
// the reason of a rejection), plug-ins run through their interface with
// panic recovery. The preference order is a radix sort of packed
// (transfer, distance, index) keys. The Tiered solver builds its holder
// lists in linear time from per-SKU candidate lists into one flat,
// pointer-free table, already sorted (units held descending, then
// preference) when the demand per SKU is small, and zeroes only the
// entries it set; with at most 64 items it tests single locations and
// pairs with per-location bit masks of the items held and covered in
// full before comparing quantities, and its branch and bound visits only
// the items a location holds. It scores trial plans into reused buffers
// (only the kept ones are copied). Scratch buffers come from a sync.Pool,
// and the pooled candidates' fields are rewritten only when they change.
// The candidate traces are stored compactly (see Decision.Candidates):
// one pointer-free 24-byte row per location, so the collector does not
// scan it and writing it costs no write barrier, with the reasons'
// strings interned in a small per-decision table and the keys in one
// shared slice; the []Candidate view (about 150 bytes a location) is
// built only when Candidates is called.
//
// BenchmarkRoute20x1000 (20 lines over 1,000 locations, one goroutine) on
// the project's 2-core machine, quiet: the median of the per-run p50s is
// 224 us over 10 runs (178 to 245 us); alternated with the code before
// these changes, 6 runs each, p50 632 -> 251 us (-60%, p=0.002), p99 2.6
// -> 1.4 ms, 234 -> 53 KiB and 228 -> 58 allocations per call. The aim, a
// p50 under 250 us, is met on a quiet machine (13 of those 16 runs); under
// load from other processes it is not. BenchmarkRoute20x1000Explained also
// calls Candidates after each call: reading the full explanation costs
// about 60 to 110 us more (p50 308 to 314 us in 3 runs against 199 to 256
// us for the plain one), so read one location with Candidate or WhyNot.
// BENCHMARKS.md has the figures and the commands.
package routing
