package routing

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Condition selects a strategy for a request. It must be pure; a panic
// counts as "does not match".
type Condition interface {
	// Name is the condition's stable name.
	Name() string
	// Match reports whether the strategy applies to r.
	Match(r *Request) bool
}

// ChannelIs matches requests on one of the channels.
type ChannelIs []omnikit.ChannelID

// Name returns "channel".
func (ChannelIs) Name() string { return "channel" }

// Match implements Condition.
func (c ChannelIs) Match(r *Request) bool { return slices.Contains(c, r.Channel) }

// MethodIs matches requests with one of the delivery methods.
type MethodIs []Method

// Name returns "method".
func (MethodIs) Name() string { return "method" }

// Match implements Condition.
func (m MethodIs) Match(r *Request) bool { return slices.Contains(m, r.Delivery.Method) }

// Strategy is one way to route: conditions, filters, rankers, a solver and
// a split policy. A profile is the ordered list of strategies given to New:
// the first matching strategy runs; if it cannot fulfil completely it runs
// again with its soft filters relaxed, then the next matching strategy
// runs.
type Strategy struct {
	// Name identifies the strategy in decisions; required and unique.
	Name string
	// When lists conditions that must all match; empty matches always.
	When []Condition
	// Filters run in order; the first rejection is the location's reason.
	// Wrap a filter with Soft to make it relaxable.
	Filters []Filter
	// Rankers give the ranker keys, compared in order after distance.
	Rankers []Ranker
	// Solver searches plans; nil means Tiered.
	Solver Solver
	// Policy is the split policy.
	Policy SplitPolicy
	// Budget is the solver's work budget in nodes; 0 means DefaultBudget.
	Budget int64
	// Splitters break each location's package after the plan is chosen
	// (Decision.Packages); none means one package per location.
	Splitters []Splitter
}

// DefaultStrategy returns the built-in strategy: capability, safety-stock,
// stock and capacity filters, priority then highest-stock rankers, the Tiered solver,
// line splitting allowed, partial plans accepted, no shipment cap.
func DefaultStrategy() Strategy {
	return Strategy{
		Name:    "default",
		Filters: []Filter{CapabilityFilter{}, SafetyStockFilter{}, StockFilter{}, CapacityFilter{}},
		Rankers: []Ranker{PriorityRanker{}, StockRanker{}},
		Solver:  Tiered{},
		Policy:  SplitPolicy{AllowLineSplit: true, AllowPartial: true},
	}
}

// Engine routes requests. It is immutable after New and safe for
// concurrent use.
type Engine struct {
	strategies []strategy
}

// strategy is a Strategy with its plug-ins classified once, in New, so
// that the per-location loop runs built-in filters and rankers without
// interface calls.
type strategy struct {
	Strategy
	filters  []filterStep // parallel to Filters
	rankers  []rankerKind // parallel to Rankers
	plugRank bool         // some ranker is not built-in: rank with runRankers
	hasSoft  bool
}

// filterKind identifies a built-in filter run inline; filterPlugin goes
// through Check (and filterFast through accepts first).
type filterKind uint8

const (
	filterPlugin filterKind = iota
	filterFast              // another type with an accepts method (embeds a built-in)
	filterCapability
	filterSafety
	filterStock
	filterCapacity
	filterRadius
	filterType
)

type filterStep struct {
	f      Filter // as configured (possibly wrapped by Soft)
	inner  Filter // f without the Soft wrapper
	kind   filterKind
	soft   bool
	radius int64                    // RadiusFilter.MaxMeters
	types  []inventory.LocationType // TypeFilter.Allow
}

type rankerKind uint8

const (
	rankPlugin rankerKind = iota
	rankPriority
	rankDistance
	rankStock
	rankUtilisation
	rankMarket
)

func compile(s Strategy) strategy {
	cs := strategy{Strategy: s, filters: make([]filterStep, len(s.Filters)), rankers: make([]rankerKind, len(s.Rankers))}
	for i, f := range s.Filters {
		st := filterStep{f: f, inner: f}
		if sf, ok := f.(soft); ok {
			st.soft, st.inner = true, sf.Filter
			cs.hasSoft = true
		}
		switch x := st.inner.(type) {
		case CapabilityFilter:
			st.kind = filterCapability
		case SafetyStockFilter:
			st.kind = filterSafety
		case StockFilter:
			st.kind = filterStock
		case CapacityFilter:
			st.kind = filterCapacity
		case RadiusFilter:
			st.kind, st.radius = filterRadius, x.MaxMeters
		case TypeFilter:
			st.kind, st.types = filterType, x.Allow
		default:
			if _, ok := f.(fastFilter); ok {
				st.kind = filterFast
			}
		}
		cs.filters[i] = st
	}
	for i, r := range s.Rankers {
		switch r.(type) {
		case PriorityRanker:
			cs.rankers[i] = rankPriority
		case DistanceRanker:
			cs.rankers[i] = rankDistance
		case StockRanker:
			cs.rankers[i] = rankStock
		case UtilisationRanker:
			cs.rankers[i] = rankUtilisation
		case MarketRanker:
			cs.rankers[i] = rankMarket
		default:
			cs.plugRank = true
		}
	}
	return cs
}

// New returns an engine for the strategies, tried in order. With no
// strategy it uses DefaultStrategy. It returns a *ConfigError for an empty
// or duplicate name, a nil condition, filter, ranker or splitter, a
// negative cap or budget, or a built-in plug-in with invalid settings (a
// money threshold without a currency, SKUTagged without tags, a negative
// ReadyByFilter.Prep, a splitter maximum <= 0).
func New(strategies ...Strategy) (*Engine, error) {
	if len(strategies) == 0 {
		strategies = []Strategy{DefaultStrategy()}
	}
	e := &Engine{}
	seen := map[string]bool{}
	for _, s := range strategies {
		switch {
		case s.Name == "":
			return nil, &ConfigError{Reason: "empty strategy name"}
		case seen[s.Name]:
			return nil, &ConfigError{Strategy: s.Name, Reason: "duplicate strategy name"}
		case s.Policy.MaxShipments < 0 || s.Budget < 0:
			return nil, &ConfigError{Strategy: s.Name, Reason: "negative MaxShipments or Budget"}
		case slices.Contains(s.Filters, nil):
			return nil, &ConfigError{Strategy: s.Name, Reason: "nil filter"}
		case slices.Contains(s.Rankers, nil):
			return nil, &ConfigError{Strategy: s.Name, Reason: "nil ranker"}
		case slices.Contains(s.When, nil):
			return nil, &ConfigError{Strategy: s.Name, Reason: "nil condition"}
		case slices.Contains(s.Splitters, nil):
			return nil, &ConfigError{Strategy: s.Name, Reason: "nil splitter"}
		}
		if err := validatePlugins(&s); err != nil {
			return nil, &ConfigError{Strategy: s.Name, Reason: err.Error()}
		}
		seen[s.Name] = true
		s.When = slices.Clone(s.When)
		s.Filters = slices.Clone(s.Filters)
		s.Rankers = slices.Clone(s.Rankers)
		s.Splitters = slices.Clone(s.Splitters)
		if s.Solver == nil {
			s.Solver = Tiered{}
		}
		e.strategies = append(e.strategies, compile(s))
	}
	return e, nil
}

// Status is the outcome of a decision.
type Status string

// Statuses.
const (
	// Complete: every unit is allocated.
	Complete Status = "complete"
	// Partial: some units are allocated, the rest are in Unfulfilled.
	Partial Status = "partial"
	// Unfulfillable: no acceptable plan; nothing is allocated.
	Unfulfillable Status = "unfulfillable"
)

// CandidateStatus is the one status each candidate location gets.
type CandidateStatus string

// Candidate statuses.
const (
	// Used: the location ships part of the plan (reason "used").
	Used CandidateStatus = "used"
	// Unused: eligible but not in the plan ("not_needed", "stock.none",
	// "plan.unfulfillable").
	Unused CandidateStatus = "unused"
	// Filtered: rejected by a filter, an exclusion or a plug-in panic.
	Filtered CandidateStatus = "filtered"
)

// CodeUnfulfillable is the reason of eligible locations when no acceptable
// plan exists.
const CodeUnfulfillable = "plan.unfulfillable"

// Shortfall codes.
const (
	// CodeStockShort: the eligible locations do not hold enough units.
	CodeStockShort = "stock.short"
	// CodePolicyLimit: the units exist but the split policy forbids using
	// them (shipment cap, whole lines, or no partial plans).
	CodePolicyLimit = "policy.limit"
)

// Allocation is Qty units of a line served by a location.
type Allocation struct {
	// Line is the line id.
	Line string
	// SKU is the line's SKU.
	SKU omnikit.SKU
	// Location serves the units.
	Location omnikit.LocationID
	// Qty is the number of units, > 0.
	Qty int64
	// TransferTo is the pickup store the units are transferred to before
	// collection (click & collect with Delivery.AllowTransfer), or empty
	// when Location itself serves them.
	TransferTo omnikit.LocationID
}

// Shortfall is Qty units of a line left unfulfilled, with a reason code.
type Shortfall struct {
	// Line is the line id.
	Line string
	// SKU is the line's SKU.
	SKU omnikit.SKU
	// Qty is the number of units unfulfilled.
	Qty int64
	// Code is CodeStockShort or CodePolicyLimit.
	Code string
}

// Candidate is the trace of one candidate location.
type Candidate struct {
	// Location is the location id.
	Location omnikit.LocationID
	// Status is exactly one of Used, Unused, Filtered.
	Status CandidateStatus
	// Reason is the one reason for the status.
	Reason Reason
	// Units is the number of units allocated (Used only).
	Units int64
	// DistanceMeters is the distance to the destination.
	DistanceMeters int64
	// Keys are the ranker keys (absent when filtered).
	Keys []int64
}

// Attempt records one strategy run.
type Attempt struct {
	// Strategy is the strategy's name.
	Strategy string
	// Relaxed lists the soft filters that were dropped for this run.
	Relaxed []string
	// Status is the run's outcome.
	Status Status
	// Objective is the run's plan objective.
	Objective Objective
}

// Decision is the result of routing one request. Besides its fields it
// holds a compact trace of every candidate location, read with
// Candidates (all of them), Candidate and WhyNot (one); it encodes to
// JSON with a "Candidates" field (MarshalJSON).
type Decision struct {
	// Status is the outcome.
	Status Status
	// Strategy names the strategy whose plan was chosen.
	Strategy string
	// Solver names the solver that produced the plan.
	Solver string
	// Relaxed lists the soft filters relaxed for the chosen plan.
	Relaxed []string
	// Allocations is the plan, sorted by line id then location id.
	Allocations []Allocation
	// Unfulfilled lists what is not served, sorted by line id.
	Unfulfilled []Shortfall
	// Packages are the plan's packages: one per used location (by
	// location id, items by line id), then broken up by the strategy's
	// Splitters.
	Packages []Package
	// Objective is the chosen plan's objective values.
	Objective Objective
	// RunnerUp is the best plan found with a different location set, or
	// nil when the solver found none.
	RunnerUp *Objective
	// Certificate says whether the plan is proven optimal, or gives a
	// lower bound on shipments.
	Certificate Certificate
	// Attempts lists every strategy run, in order.
	Attempts []Attempt

	// cands is the compact trace of the candidate locations, one per
	// location in scope, sorted by id: read it with Candidates, Candidate
	// and WhyNot.
	cands traceSet
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Route routes one request over the network snapshot. It returns a typed
// error (ErrInvalidRequest, ErrInvalidPlan, ErrPluginPanic) or a decision;
// an unfulfillable request is a decision, not an error.
func (e *Engine) Route(ctx context.Context, n *Network, r Request) (Decision, error) {
	if n == nil {
		return Decision{}, &RequestError{Field: "Network", Reason: "nil network"}
	}
	c, err := r.canonicalize(n)
	if err != nil {
		return Decision{}, err
	}
	var best *Decision
	var attempts []Attempt
	for si := range e.strategies {
		s := &e.strategies[si]
		if !matches(&s.Strategy, c.req) {
			continue
		}
		for _, relax := range []bool{false, true} {
			if relax && !s.hasSoft {
				break
			}
			if err := ctx.Err(); err != nil {
				return Decision{}, err
			}
			d, err := e.attempt(n, c, s, relax)
			if err != nil {
				return Decision{}, err
			}
			attempts = append(attempts, Attempt{Strategy: s.Name, Relaxed: d.Relaxed, Status: d.Status, Objective: d.Objective})
			if best == nil || better(&d, best) {
				dd := d
				best = &dd
			}
			if d.Status == Complete {
				best.Attempts = attempts
				return *best, nil
			}
		}
	}
	if best == nil {
		return Decision{}, &RequestError{Field: "Request", Reason: "no strategy matches"}
	}
	best.Attempts = attempts
	return *best, nil
}

func better(a, b *Decision) bool {
	ra, rb := statusRank(a.Status), statusRank(b.Status)
	if ra != rb {
		return ra < rb
	}
	return a.Objective.Unfulfilled < b.Objective.Unfulfilled
}

func statusRank(s Status) int {
	switch s {
	case Complete:
		return 0
	case Partial:
		return 1
	}
	return 2
}

func matches(s *Strategy, r *Request) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for _, w := range s.When {
		if !w.Match(r) {
			return false
		}
	}
	return true
}

// prepared is a strategy's view of a request: traces and the Problem.
type prepared struct {
	p       *Problem
	ctx     *Context
	traces  traceSet   // one row per scoped location, by id
	shapes  shapeTable // interns traces.shapes
	traceOf []int      // problem candidate -> trace row
	relaxed []string
	short   []int64 // eligible units per SKU
}

func (e *Engine) prepare(n *Network, c *canonical, s *strategy, relax bool) *prepared {
	b := getBufs()
	ns := len(n.sites)
	ctx := &Context{Request: c.req, SKUs: c.skus, Demand: make([]int64, len(c.skus)), net: n,
		dist: fill64(&b.dist, ns, -1), store: c.store, transfer: c.transfer, pool: b}
	var dest omnikit.GeoPoint // distances are 0 when dest stays zero
	if d := c.req.Delivery; d.Method == Ship || c.transfer {
		dest = d.Destination
		if c.transfer {
			dest = n.sites[c.store].Location.Geo
		}
		if !dest.IsZero() && dest.Validate() == nil {
			ctx.fastDist, ctx.dest = true, dest
			ctx.cosDest = math.Cos(dest.Lat * (math.Pi / 180))
			ctx.destHalf = newHalfAngles(dest)
		}
	}
	// Every location in scope gets its distance in its trace: compute them
	// all once, here, so that DistanceMeters only reads them.
	dist := ctx.dist
	switch {
	case ctx.fastDist:
		n.distancesFast(c.scope, dist, dest, &ctx.destHalf, ctx.cosDest)
	case dest.IsZero():
		for _, si := range c.scope {
			dist[si] = 0
		}
	default:
		for _, si := range c.scope {
			dist[si] = ctx.siteDist(si, dest)
		}
	}
	for i, l := range c.lines {
		ctx.Demand[c.lineSKU[i]] += l.Qty
	}
	ctx.useful = fill64(&b.useful, ns, 0)
	if cap(b.skuHold) < len(c.skus) {
		b.skuHold = make([][]holding, len(c.skus))
	}
	skuHold := b.skuHold[:len(c.skus)] // n.holders per ordered SKU, looked up once
	for k, sku := range c.skus {
		skuHold[k] = n.holders[sku]
		for _, h := range skuHold[k] {
			ctx.useful[h.site] += min(h.qty, ctx.Demand[k])
		}
	}
	pr := &prepared{ctx: ctx, p: &Problem{Policy: s.Policy, SKUs: c.skus, Budget: s.Budget, pool: b}}
	pr.p.Lines = make([]ProblemLine, 0, len(c.lines))
	for i, l := range c.lines {
		pr.p.Lines = append(pr.p.Lines, ProblemLine{ID: l.ID, SKU: c.lineSKU[i], Qty: l.Qty})
	}
	if relax {
		for _, f := range s.Filters {
			if isSoft(f) {
				pr.relaxed = append(pr.relaxed, f.Name())
			}
		}
	}
	row := fillInt(&b.row, ns, 0) // site -> problem candidate + 1
	pr.traces = traceSet{rows: make([]traceRow, len(c.scope)), ids: n.ids, nkeys: int32(len(s.Rankers))}
	pr.shapes.set = &pr.traces
	if cap(b.cands) < len(c.scope) {
		b.cands = make([]ProblemCandidate, 0, len(c.scope))
	}
	pr.p.Candidates = b.cands[:0]
	pr.traceOf = fillInt(&b.traceOf, 0, 0)
	nk, nr := len(c.skus), len(s.Rankers)
	// Keys of the candidates' traces, and their stock rows; sized for the
	// locations that hold some ordered unit, the only ones ranked.
	ranked := 0
	for _, si := range c.scope {
		if ctx.useful[si] > 0 {
			ranked++
		}
	}
	stockBuf := fill64(&b.stock, ranked*nk, 0)
	stockRows := stockBuf // candidate j's row is stockRows[j*nk:][:nk]
	// The candidates' keys are written into a pooled buffer, so that each
	// candidate's Keys view is usually unchanged from the last call (no
	// pointer write), and copied into the trace's own slice below.
	if b.ckeys == nil {
		b.ckeys = make([]int64, 0, 64) // views non-nil even when empty, as before
	}
	keyBuf := fill64(&b.ckeys, ranked*nr, 0)
	keyAll := keyBuf
	keyOff := int32(0)
	var why Reason
	for ti, si := range c.scope {
		site := &n.sites[si]
		tr := &pr.traces.rows[ti]
		*tr = traceRow{dist: dist[si], site: int32(si), keyOff: -1, meas: -1}
		if len(c.exclude) > 0 {
			if r, ok := c.exclude[si]; ok {
				pr.reject(tr, &r)
				continue
			}
		}
		if !s.runFilters(ctx, si, site, relax, &why) { // sets all of why on a rejection
			pr.reject(tr, &why)
			continue
		}
		if ctx.useful[si] == 0 {
			// Holds nothing of the order: it can never be used.
			tr.shape = shapeStockNone
			continue
		}
		keys := keyBuf[:nr:nr]
		if s.plugRank {
			if _, r, ok := runRankers(ctx, site, s.Rankers, keys); !ok {
				pr.reject(tr, &r)
				continue
			}
		} else {
			s.rank(ctx, si, site, keys)
		}
		keyBuf = keyBuf[nr:]
		// A candidate holds some ordered unit (useful > 0), so the holders
		// loop below gives it stock: its reason is "not_needed" unless the
		// plan uses it.
		tr.keyOff, tr.shape = keyOff, shapeNotNeeded
		keyOff += int32(nr)
		j := len(pr.p.Candidates)
		pr.p.Candidates = pr.p.Candidates[:j+1]
		pc := &pr.p.Candidates[j] // reused memory: set every field
		// Pointer fields are written only when they change: the buffers
		// are pooled, so the views are often the last call's.
		if id := site.Location.ID; !sameString(string(pc.Location), string(id)) {
			pc.Location = id
		}
		if st := stockBuf[:nk:nk]; !sameView(pc.Stock, st) {
			pc.Stock = st
		}
		if !sameView(pc.Keys, keys) {
			pc.Keys = keys
		}
		pc.DistanceMeters = tr.dist
		pc.Priority, pc.Cost, pc.Transfer = site.Priority, site.ShipmentCost, c.transfer && si != c.store
		pr.traceOf = append(pr.traceOf, ti)
		stockBuf = stockBuf[nk:]
		row[si] = len(pr.p.Candidates)
	}
	b.traceOf = pr.traceOf
	b.cands = pr.p.Candidates
	pr.traces.keys = make([]int64, len(keyAll))
	copy(pr.traces.keys, keyAll)
	pr.short = make([]int64, len(c.skus))
	flat, flatQty := b.hold[:0], b.holdQty[:0]
	starts := fillInt(&b.starts, len(c.skus)+1, 0)
	for k := range c.skus {
		starts[k] = len(flat)
		var short int64
		for _, h := range skuHold[k] {
			if j := row[h.site]; j > 0 {
				stockRows[(j-1)*nk+k] = h.qty
				short += h.qty
				flat = append(flat, j-1)
				flatQty = append(flatQty, h.qty)
			}
		}
		pr.short[k] = short
	}
	starts[len(c.skus)] = len(flat)
	b.hold, b.holdQty = flat, flatQty
	if cap(b.byItem) < len(c.skus) {
		b.byItem = make([][]int, len(c.skus))
		b.byItemQty = make([][]int64, len(c.skus))
	}
	pr.p.byItem = b.byItem[:len(c.skus)]
	pr.p.byItemQty = b.byItemQty[:len(c.skus)]
	for k := range c.skus {
		pr.p.byItem[k] = flat[starts[k]:starts[k+1]:starts[k+1]]
		pr.p.byItemQty[k] = flatQty[starts[k]:starts[k+1]:starts[k+1]]
	}
	pr.p.prepare()
	return pr
}

// reject records a filtered candidate's reason in its trace row.
func (pr *prepared) reject(tr *traceRow, r *Reason) {
	tr.shape = pr.shapes.internReason(Filtered, r)
	pr.traces.setMeasure(tr, r)
}

// runFilters runs the strategy's filters on site si in order and reports
// whether all accept; otherwise it stores the first rejection's reason in
// *why. Built-in filters are decided inline; a rejection, and every
// plug-in filter, goes through checkFilter for its reason.
func (s *strategy) runFilters(ctx *Context, si int, site *Site, relax bool, why *Reason) bool {
	for i := range s.filters {
		st := &s.filters[i]
		if relax && st.soft {
			continue
		}
		var ok bool
		switch st.kind {
		case filterCapability:
			ok = ctx.capable(si)
		case filterSafety:
			ok = ctx.useful[si] > 0 || ctx.heldAt(si) == 0
		case filterStock:
			ok = ctx.useful[si] > 0
		case filterCapacity:
			ok = !ctx.net.hot[si].full
		case filterRadius:
			ok = ctx.dist[si] <= st.radius
		case filterType:
			ok = slices.Contains(st.types, site.Location.Type)
		}
		if ok {
			continue
		}
		if st.kind >= filterCapability {
			// A built-in rejects: its Check gives the reason (and cannot
			// panic).
			if v := st.builtinCheck(ctx, site); !v.Pass {
				*why = st.finish(v.Reason)
				return false
			}
			continue
		}
		if r, pass := checkFilter(ctx, site, st); !pass {
			*why = r
			return false
		}
	}
	return true
}

// builtinCheck is Check of a built-in filter, called directly.
func (st *filterStep) builtinCheck(ctx *Context, site *Site) Verdict {
	switch st.kind {
	case filterCapability:
		return CapabilityFilter{}.Check(ctx, site)
	case filterSafety:
		return SafetyStockFilter{}.Check(ctx, site)
	case filterStock:
		return StockFilter{}.Check(ctx, site)
	case filterCapacity:
		return CapacityFilter{}.Check(ctx, site)
	case filterRadius:
		return RadiusFilter{MaxMeters: st.radius}.Check(ctx, site)
	case filterType:
		return TypeFilter{Allow: st.types}.Check(ctx, site)
	}
	return st.f.Check(ctx, site)
}

// finish completes a rejection's reason: soft flag, default rule and code.
func (st *filterStep) finish(r Reason) Reason {
	r.Soft = st.soft
	if r.Rule == "" {
		r.Rule = st.f.Name()
	}
	if r.Code == "" {
		r.Code = "filter.rejected"
	}
	return r
}

// checkFilter runs one filter through Check (after accepts, for a
// filterFast one); a panic rejects the location with CodePluginPanic.
func checkFilter(ctx *Context, s *Site, st *filterStep) (r Reason, ok bool) {
	var name string
	defer func() {
		if v := recover(); v != nil {
			r, ok = Reason{Code: CodePluginPanic, Rule: name}, false
		}
	}()
	f := st.f
	name = f.Name()
	if st.kind == filterFast && f.(fastFilter).accepts(ctx, s) {
		return Reason{}, true
	}
	if v := f.Check(ctx, s); !v.Pass {
		return st.finish(v.Reason), false
	}
	return Reason{}, true
}

// rank fills keys from built-in rankers only (s.plugRank is false): they
// cannot panic, and read the per-site values computed for the request.
func (s *strategy) rank(ctx *Context, si int, site *Site, keys []int64) {
	for i, k := range s.rankers {
		var v int64
		switch k {
		case rankPriority:
			v = site.Priority
		case rankDistance:
			v = ctx.dist[si]
		case rankStock:
			v = -ctx.useful[si]
		case rankUtilisation:
			v = UtilisationRanker{}.Rank(ctx, site)
		case rankMarket:
			v = MarketRanker{}.Rank(ctx, site)
		}
		keys[i] = v
	}
}

// release returns the call's scratch buffers to the pool; nothing of the
// Problem may be used afterwards.
func (pr *prepared) release() {
	b := pr.p.pool
	if b == nil {
		return
	}
	pr.p.pool = nil
	// b.cands is not cleared: the next call overwrites it, and clearing
	// ~1,000 entries of three pointers each costs write barriers while the
	// GC marks. The references it keeps (location ids, the last decision's
	// keys) live at most until the pool drops idle buffers, two GC cycles.
	b.cands = b.cands[:0]
	clear(b.skuHold) // the network's holder lists
	bufPool.Put(b)
}

func runRankers(ctx *Context, s *Site, rs []Ranker, keys []int64) (_ []int64, r Reason, ok bool) {
	var name string
	defer func() {
		if v := recover(); v != nil {
			r, ok = Reason{Code: CodePluginPanic, Rule: name}, false
		}
	}()
	for i, rk := range rs {
		name = rk.Name()
		keys[i] = rk.Rank(ctx, s)
	}
	return keys, Reason{}, true
}

func solve(sv Solver, p *Problem) (sol Solution, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Plugin: sv.Name(), Value: v}
		}
	}()
	return sv.Solve(p), nil
}

// check validates a plan against stock, lines and policy.
func check(p *Problem, as []Assignment) error {
	got := make([]int64, len(p.Lines))
	parts := make([]int, len(p.Lines))
	used := make(map[[2]int]int64, len(as))
	locs := make(map[int]bool, len(as))
	for _, a := range as {
		if a.Line < 0 || a.Line >= len(p.Lines) {
			return fmt.Errorf("line index %d out of range", a.Line)
		}
		if a.Candidate < 0 || a.Candidate >= len(p.Candidates) {
			return fmt.Errorf("candidate index %d out of range (not a candidate)", a.Candidate)
		}
		if a.Qty <= 0 {
			return fmt.Errorf("non-positive quantity %d", a.Qty)
		}
		l := p.Lines[a.Line]
		got[a.Line] += a.Qty
		parts[a.Line]++
		k := [2]int{a.Candidate, l.SKU}
		used[k] += a.Qty
		if used[k] > p.Candidates[a.Candidate].Stock[l.SKU] {
			return fmt.Errorf("location %s: %d units of %s > %d available", p.Candidates[a.Candidate].Location, used[k], p.SKUs[l.SKU], p.Candidates[a.Candidate].Stock[l.SKU])
		}
		locs[a.Candidate] = true
	}
	for i, l := range p.Lines {
		if got[i] > l.Qty {
			return fmt.Errorf("line %s: %d units > %d ordered", l.ID, got[i], l.Qty)
		}
		if !p.Policy.AllowLineSplit && (parts[i] > 1 || (parts[i] == 1 && got[i] != l.Qty)) {
			return fmt.Errorf("line %s is split but the policy forbids it", l.ID)
		}
	}
	if k := p.Policy.MaxShipments; k > 0 && len(locs) > k {
		return fmt.Errorf("%d shipments > %d allowed", len(locs), k)
	}
	return nil
}

func (e *Engine) attempt(n *Network, c *canonical, s *strategy, relax bool) (Decision, error) {
	pr := e.prepare(n, c, s, relax)
	defer pr.release()
	p := pr.p
	sol, err := solve(s.Solver, p)
	if err != nil {
		return Decision{}, err
	}
	if err := check(p, sol.Assignments); err != nil {
		return Decision{}, &PlanError{Solver: s.Solver.Name(), Reason: err.Error()}
	}
	d := Decision{Strategy: s.Name, Solver: s.Solver.Name(), Relaxed: pr.relaxed, Certificate: sol.Certificate}
	d.Objective = p.Score(sol.Assignments)
	status := Complete
	if d.Objective.Unfulfilled > 0 {
		status = Partial
		if !s.Policy.AllowPartial || len(sol.Assignments) == 0 {
			status = Unfulfillable
		}
	}
	d.Status = status
	if status == Unfulfillable {
		sol.Assignments = nil
		d.Objective = p.Score(nil)
	}
	if len(sol.RunnerUp) > 0 && status != Unfulfillable {
		ru := p.Score(p.Assign(sol.RunnerUp))
		if !slices.Equal(ru.Locations, d.Objective.Locations) {
			d.RunnerUp = &ru
		}
	}
	if len(sol.Assignments) > 0 {
		d.Allocations = make([]Allocation, 0, len(sol.Assignments))
	}
	served := make([]int64, len(p.Lines))
	units := fill64(&p.pool.units, len(p.Candidates), 0) // per candidate
	for _, a := range sol.Assignments {
		l := p.Lines[a.Line]
		al := Allocation{Line: l.ID, SKU: p.SKUs[l.SKU], Location: p.Candidates[a.Candidate].Location, Qty: a.Qty}
		if p.Candidates[a.Candidate].Transfer {
			al.TransferTo = c.req.Delivery.Store
		}
		d.Allocations = append(d.Allocations, al)
		served[a.Line] += a.Qty
		units[a.Candidate] += a.Qty
	}
	slices.SortFunc(d.Allocations, func(a, b Allocation) int {
		if c := cmpStr(a.Line, b.Line); c != 0 {
			return c
		}
		return cmpStr(string(a.Location), string(b.Location))
	})
	// Shortfalls: a SKU whose eligible stock is below demand is short.
	need := slices.Clone(pr.short)
	for i, l := range p.Lines {
		need[l.SKU] -= l.Qty
		_ = i
	}
	for i, l := range p.Lines {
		if u := l.Qty - served[i]; u > 0 {
			code := CodePolicyLimit
			if need[l.SKU] < 0 {
				code = CodeStockShort
			}
			d.Unfulfilled = append(d.Unfulfilled, Shortfall{Line: l.ID, SKU: p.SKUs[l.SKU], Qty: u, Code: code})
		}
	}
	for ci, u := range units {
		if u > 0 {
			tr := &pr.traces.rows[pr.traceOf[ci]]
			tr.shape = pr.shapes.intern(reasonShape{status: Used, code: CodeUsed, rule: "solver", units: u})
		}
	}
	if status == Unfulfillable {
		rows := pr.traces.rows
		for i := range rows {
			if rows[i].shape == shapeNotNeeded {
				rows[i].shape = shapeUnfulfillable
			}
		}
	}
	d.cands = pr.traces
	if d.Packages, err = packages(d.Allocations, s.Splitters); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// validatePlugins checks the settings of built-in plug-ins.
func validatePlugins(s *Strategy) error {
	var all []any
	for _, w := range s.When {
		all = append(all, w)
	}
	for _, f := range s.Filters {
		if sf, ok := f.(soft); ok {
			f = sf.Filter
		}
		all = append(all, f)
	}
	for _, sp := range s.Splitters {
		all = append(all, sp)
	}
	for _, x := range all {
		if v, ok := x.(validator); ok {
			if err := v.validate(); err != nil {
				return fmt.Errorf("%T: %w", x, err)
			}
		}
	}
	return nil
}

// fastFilter is implemented by built-in filters: accepts reports whether
// Check would accept, without building the Verdict.
type fastFilter interface {
	accepts(c *Context, s *Site) bool
}

// probBufs are per-call scratch buffers of a Problem and its solver,
// reused across calls through bufPool. None of them is reachable from a
// Decision (the candidates' Keys and Stock point into ckeys and stock).
type probBufs struct {
	keys      []uint64
	keys2     []uint64 // radix sort scratch
	ints      []int
	dist      []int64
	useful    []int64
	row       []int
	traceOf   []int
	units     []int64 // units per candidate of the plan
	stock     []int64
	ckeys     []int64 // ranker keys of the candidates
	cands     []ProblemCandidate
	t         []int64 // solver rows; all zero unless tDirty
	tDirty    bool
	hold      []int       // per-SKU candidate lists, flat
	holdQty   []int64     // their stock, parallel to hold
	skuHold   [][]holding // Network.holders of the ordered SKUs
	starts    []int       // offsets into hold
	byItem    [][]int     // views of hold
	byItemQty [][]int64   // views of holdQty
	anyOf     []int
	bucket    []int
	bucketV   []int64
	cnt       []int
	loff      []int     // per item, first level slot in lc
	lc        []int     // per (item, level), holder count then next slot
	hflat     []int     // sparse holder lists, flat
	hval      []int64   // their t values
	hviews    [][]int   // views of hflat
	vviews    [][]int64 // views of hval
	held      []int64
	holders   [][]int // solver holder lists
	relev     []int
	full      []uint64 // solver item masks, per candidate
	zero      []uint64
}

var bufPool = sync.Pool{New: func() any { return new(probBufs) }}

func getBufs() *probBufs { return bufPool.Get().(*probBufs) }

// fill64 returns (*b)[:n] set to v, growing *b when needed.
func fill64(b *[]int64, n int, v int64) []int64 {
	if cap(*b) < n {
		*b = make([]int64, n)
	}
	s := (*b)[:n]
	if v == 0 {
		clear(s)
	} else {
		for i := range s {
			s[i] = v
		}
	}
	return s
}

// sameView reports whether a and b are the same non-empty view of one
// array (same start, length and capacity).
func sameView(a, b []int64) bool {
	return len(a) == len(b) && cap(a) == cap(b) && len(a) > 0 && &a[0] == &b[0]
}

// sameString reports whether a and b are the same string in memory (same
// bytes and length), without comparing contents: a cheap test before a
// pointer write.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// fillU64 returns (*b)[:n] cleared, growing *b when needed.
func fillU64(b *[]uint64, n int) []uint64 {
	if cap(*b) < n {
		*b = make([]uint64, n)
	}
	s := (*b)[:n]
	clear(s)
	return s
}

// growInt returns (*b)[:n], growing *b when needed, without clearing it.
func growInt(b *[]int, n int) []int {
	if cap(*b) < n {
		*b = make([]int, n)
	}
	return (*b)[:n]
}

// grow64 is growInt for int64s.
func grow64(b *[]int64, n int) []int64 {
	if cap(*b) < n {
		*b = make([]int64, n)
	}
	return (*b)[:n]
}

// fillInt is fill64 for ints.
func fillInt(b *[]int, n int, v int) []int {
	if cap(*b) < n {
		*b = make([]int, n)
	}
	s := (*b)[:n]
	for i := range s {
		s[i] = v
	}
	return s
}
