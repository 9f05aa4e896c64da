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
// TakeAway (the selling store); Request.Exclude and Request.Rejections
// remove locations (re-routing after a store rejects units is the same
// call with the rejection recorded: reason "excluded.rerouted" with the
// rejected units as the measured value). Filters run in order and the
// first rejection is the location's reason. Rankers give integer keys,
// lower is better. The first Strategy whose conditions (When) all match
// runs; if its plan is not Complete it runs again without its Soft filters
// (listed in Decision.Relaxed), then the next matching strategy runs. The
// best attempt is returned and every attempt is listed in
// Decision.Attempts. Engine.RouteOrder routes several delivery groups, each
// seeing the stock left by the ones before.
//
// Built-in filters: CapabilityFilter (ship needs CanShip, or
// CanShipFromStore at a store; pickup needs CanPickup), StockFilter,
// CapacityFilter (workload >= capacity), RadiusFilter, TypeFilter.
// Built-in rankers: PriorityRanker, DistanceRanker (great-circle, whole
// metres), StockRanker (highest stock first), UtilisationRanker (least
// loaded first) and MarketRanker (same market first). Built-in solvers: Tiered (the
// default) and the baselines PriorityFill and NearestFill.
//
// # Objectives
//
// Plans are compared in strict lexicographic order, on integers only (see
// Objective.Compare): unfulfilled units, shipments (locations used), summed
// distance in metres of the used locations, each ranker's keys summed over
// the used locations (in ranker order), then the sorted location ids.
//
// # Solver and certificate
//
// Minimising shipments with quantities is a set-cover problem. Tiered
// checks every single location, then every pair exactly (enumerating from
// the holders of the least-held item), then runs greedy by marginal units
// with redundant-location removal, 2-for-1 and 1-for-1 swaps, then branch
// and bound on the least-held residual item with a per-item lower bound,
// under a deterministic work budget counted in nodes (Strategy.Budget,
// DefaultBudget), never in time. When splitting lines is not allowed the
// items are whole lines and several lines of one SKU are packed exactly.
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
// arguments. A filter or ranker that panics rejects its location with
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
// ("radius.exceeded 12.3 km > 10 km"). Codes: used, not_needed, stock.none,
// capability.missing, capacity.full, radius.exceeded, type.excluded,
// excluded.rerouted, excluded.request, plugin.panic, plan.unfulfillable,
// scope.out (from WhyNot for a non-candidate); shortfalls carry
// stock.short or policy.limit; Evaluate's violations carry evaluate.*.
// Decision.WhyNot answers "why not this location?"; Engine.Evaluate
// checks and scores a plan the caller proposes.
//
// Errors are typed: ErrInvalidRequest (*RequestError) for no lines, a
// quantity <= 0, duplicate line ids, invalid coordinates or an unknown
// store; ErrInvalidNetwork (*NetworkError) for duplicate ids, NaN
// coordinates or negative stock; ErrInvalidConfig, ErrInvalidPlan,
// ErrPluginPanic. A SKU unknown to the network is not an error: it has 0
// stock.
//
// # Not built
//
// Opening hours and time zones, open-at and ready-by filters; click &
// collect with transfers to the pickup store (only pickup-store-only
// behaviour exists: the pickup store must hold the stock); a safety-stock
// filter with its own reason code (safety stock is built as a snapshot
// field, Site.SafetyStock, deducted from what routing sees, so a location
// it empties reads "stock.none"); per-plan unit capacity
// (capacity is a location filter only, the solver does not cap the units
// it gives a location); package splitters (the Splitter interface);
// a cost objective tier; conditions on order value and SKU
// tags (only ChannelIs, MethodIs and custom Condition implementations);
// WhyNot as a forced-include re-solve (it reports the recorded reason).
// Performance: 20 lines over 1,000 locations runs at a p50 of about
// 0.65 ms on one core (p99 about 2 ms), above the 250 us aim.
package routing
