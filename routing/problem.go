package routing

import (
	"math/bits"
	"slices"

	"github.com/omnikit/omnikit"
)

// SplitPolicy says how a plan may split an order.
type SplitPolicy struct {
	// MaxShipments caps the number of locations used; 0 means no cap.
	MaxShipments int
	// AllowLineSplit lets the units of one line come from several
	// locations; when false each line is served whole by one location.
	AllowLineSplit bool
	// AllowPartial accepts a plan that leaves units unfulfilled; when
	// false such a plan is reported Unfulfillable with no allocations.
	AllowPartial bool
}

// ProblemLine is one line of a Problem.
type ProblemLine struct {
	// ID is the line id.
	ID string
	// SKU indexes Problem.SKUs.
	SKU int
	// Qty is the ordered quantity.
	Qty int64
}

// ProblemCandidate is one eligible location of a Problem.
type ProblemCandidate struct {
	// Location is the location id.
	Location omnikit.LocationID
	// Stock is the available units per SKU, parallel to Problem.SKUs.
	Stock []int64
	// DistanceMeters is the distance to the destination.
	DistanceMeters int64
	// Keys are the ranker keys, in ranker order (lower is better).
	Keys []int64
	// Priority is the location's Site.Priority.
	Priority int64
	// Cost is the location's Site.ShipmentCost, in minor currency units.
	Cost int64
	// Transfer is true when the location's units would be transferred to
	// the pickup store (click & collect with Delivery.AllowTransfer);
	// such candidates come after the pickup store in preference order.
	Transfer bool
}

// Problem is what a Solver sees: lines and candidates in canonical order
// (lines by id, candidates by location id) and the split policy.
type Problem struct {
	// Policy is the split policy to respect.
	Policy SplitPolicy
	// SKUs are the distinct ordered SKUs, sorted.
	SKUs []omnikit.SKU
	// Lines are sorted by id.
	Lines []ProblemLine
	// Candidates are sorted by location id; only locations that passed
	// every filter are here.
	Candidates []ProblemCandidate
	// Budget is the deterministic work budget in search nodes.
	Budget int64

	pool   *probBufs // engine-owned buffers, returned after the call
	byItem [][]int   // per SKU, candidates with stock of it, by index; nil if unknown
	// byItemQty is parallel to byItem: the candidate's stock of the SKU.
	byItemQty [][]int64

	pref []int // candidate indexes in preference order
	rank []int // position of each candidate in pref
}

// Assignment gives Qty units of Lines[Line] to Candidates[Candidate].
type Assignment struct {
	// Line indexes Problem.Lines.
	Line int
	// Candidate indexes Problem.Candidates.
	Candidate int
	// Qty is the number of units, > 0.
	Qty int64
}

// Certificate says how good a plan is known to be.
type Certificate struct {
	// Optimal is true when the plan is proven best on every objective tier.
	Optimal bool
	// LowerBound is a proven lower bound on the shipments of any plan
	// with the plan's unfulfilled units (equal to the shipments when
	// Optimal).
	LowerBound int
	// Nodes counts the search work spent.
	Nodes int64
	// Truncated is true when the work budget ran out.
	Truncated bool
}

// Solution is a Solver's answer.
type Solution struct {
	// Assignments is the plan.
	Assignments []Assignment
	// Certificate qualifies it.
	Certificate Certificate
	// RunnerUp is the best other location set found (candidate indexes,
	// sorted), or nil.
	RunnerUp []int
}

// Solver searches plans. Implementations must be deterministic and must
// return assignments within stock and policy; the engine checks and
// refuses a bad plan with a *PlanError. A panic is returned as a
// *PanicError.
// A Solver must not keep p, or any slice reachable from it, after Solve
// returns: the engine reuses those buffers for later calls.
type Solver interface {
	// Name is the solver's stable name.
	Name() string
	// Solve returns a plan for p.
	Solve(p *Problem) Solution
}

// prepare computes the preference order: own stock before transfers,
// shipment cost, distance, ranker keys, id.
func (p *Problem) prepare() {
	n := len(p.Candidates)
	// Sort packed keys (transfer, cost, distance, index) as plain integers
	// when they fit, and fall back to the full comparison only within runs
	// of equal (transfer, cost, distance): same order as candCmp.
	var keys, scratch []uint64
	var tmp []int
	if p.pool != nil {
		keys, scratch, tmp = p.pool.keys[:0], p.pool.keys2, p.pool.ints[:0]
	}
	// Keys are (transfer, distance, index) with the index in the low sh
	// bits.
	sh := uint(bits.Len(uint(n)))
	packed := n < 1<<20
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if c.Cost != 0 || c.DistanceMeters < 0 || c.DistanceMeters >= 1<<(62-sh) {
			packed = false
			break
		}
	}
	p.pref = slices.Grow(tmp, 2*n)[:n]
	if p.pool != nil {
		p.pool.ints = p.pref[:0]
	}
	p.rank = p.pref[n : 2*n : 2*n]
	p.pref = p.pref[:n:n]
	if packed {
		for i := range p.Candidates {
			c := &p.Candidates[i]
			k := uint64(c.DistanceMeters)<<sh | uint64(i)
			if c.Transfer {
				k |= 1 << 63
			}
			keys = append(keys, k)
		}
		scratch = slices.Grow(scratch[:0], n)[:n]
		// Keys were appended in index order, so the sort need not look at
		// the index bits.
		sorted := radixSortHigh(keys, scratch, sh)
		for r, k := range sorted {
			p.pref[r] = int(k & (1<<sh - 1))
		}
		// Runs of equal (transfer, distance) are ordered by index so far;
		// order them by the full comparison.
		for a := 0; a < n; {
			b := a + 1
			for b < n && sorted[b]>>sh == sorted[a]>>sh {
				b++
			}
			if b-a > 1 {
				slices.SortFunc(p.pref[a:b], p.candCmp)
			}
			a = b
		}
		if p.pool != nil {
			p.pool.keys, p.pool.keys2 = keys, scratch
		}
	} else {
		for i := range p.pref {
			p.pref[i] = i
		}
		slices.SortFunc(p.pref, p.candCmp)
	}
	for r, c := range p.pref {
		p.rank[c] = r
	}
}

// radixSortHigh sorts keys in increasing order when keys with the same
// bits from lo up already appear in increasing order (as when the low lo
// bits are an index and the keys were appended in index order; lo 0 is a
// plain sort): it sorts stably on the bits from lo up only, least
// significant digit first, in digits of at most 11 bits, and returns
// keys or scratch, whichever holds the result.
func radixSortHigh(keys, scratch []uint64, lo uint) []uint64 {
	if len(keys) < 2 {
		return keys
	}
	var or uint64
	for _, k := range keys {
		or |= k
	}
	top := uint(bits.Len64(or))
	if top <= lo {
		return keys
	}
	passes := (top - lo + 10) / 11
	w := (top - lo + passes - 1) / passes // balanced digit width, <= 11
	mask := uint64(1)<<w - 1
	var count [1 << 11]uint32
	src, dst := keys, scratch
	for d := lo; d < top; d += w {
		c := count[:1<<w]
		if d != lo {
			clear(c)
		}
		for _, k := range src {
			c[(k>>d)&mask]++
		}
		if int(c[(src[0]>>d)&mask]) == len(src) {
			continue // every key has this digit
		}
		var sum uint32
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		for _, k := range src {
			b := (k >> d) & mask
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}

func (p *Problem) candCmp(a, b int) int {
	ca, cb := &p.Candidates[a], &p.Candidates[b]
	if ca.Transfer != cb.Transfer {
		if cb.Transfer {
			return -1
		}
		return 1
	}
	if ca.Cost != cb.Cost {
		return cmpI(ca.Cost, cb.Cost)
	}
	if ca.DistanceMeters != cb.DistanceMeters {
		return cmpI(ca.DistanceMeters, cb.DistanceMeters)
	}
	if c := slices.Compare(ca.Keys, cb.Keys); c != 0 {
		return c
	}
	return cmpI(int64(a), int64(b))
}

func cmpI(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Demand returns the total ordered units.
func (p *Problem) Demand() int64 {
	var d int64
	for _, l := range p.Lines {
		d += l.Qty
	}
	return d
}

// Assign returns the plan that serves the lines from the candidate set
// (indexes into Candidates), taking locations in preference order
// (the pickup store before transfer sources, distance, ranker keys, id) and respecting AllowLineSplit. It maximises
// the units served within the set.
func (p *Problem) Assign(set []int) []Assignment {
	if p.pref == nil {
		p.prepare()
	}
	s := slices.Clone(set)
	slices.SortFunc(s, func(a, b int) int { return cmpI(int64(p.rank[a]), int64(p.rank[b])) })
	out := make([]Assignment, 0, len(p.Lines)) // at least one per served line
	lines := make([]int, 0, len(p.Lines))      // reused for each SKU
	for k := range p.SKUs {
		lines = lines[:0]
		for i, l := range p.Lines {
			if l.SKU == k {
				lines = append(lines, i)
			}
		}
		if p.Policy.AllowLineSplit {
			li, need := 0, int64(0)
			if len(lines) > 0 {
				need = p.Lines[lines[0]].Qty
			}
			for _, c := range s {
				have := p.Candidates[c].Stock[k]
				for have > 0 && li < len(lines) {
					q := min(have, need)
					out = append(out, Assignment{Line: lines[li], Candidate: c, Qty: q})
					have -= q
					need -= q
					if need == 0 {
						li++
						if li < len(lines) {
							need = p.Lines[lines[li]].Qty
						}
					}
				}
			}
			continue
		}
		caps := make([]int64, len(s))
		for j, c := range s {
			caps[j] = p.Candidates[c].Stock[k]
		}
		_, at := p.packLines(lines, caps)
		for j, li := range lines {
			if at[j] >= 0 {
				out = append(out, Assignment{Line: li, Candidate: s[at[j]], Qty: p.Lines[li].Qty})
			}
		}
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Candidate - b.Candidate
	})
	if len(out) == 0 {
		return nil // as before the preallocation
	}
	return out
}

// packLines assigns whole lines (of one SKU) to bins with capacities caps
// (in preference order), maximising the units served. It returns the units
// served and, per line, the bin index or -1. Bins with equal remaining
// capacity are interchangeable, so only the first is tried; the search is
// capped at packNodes nodes.
func (p *Problem) packLines(lines []int, caps []int64) (int64, []int) {
	at := make([]int, len(lines))
	for i := range at {
		at[i] = -1
	}
	if len(lines) == 1 {
		q := p.Lines[lines[0]].Qty
		for j, c := range caps {
			if c >= q {
				at[0] = j
				return q, at
			}
		}
		return 0, at
	}
	// Largest lines first.
	ord := slices.Clone(lines)
	idx := make([]int, len(lines))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpI(p.Lines[ord[b]].Qty, p.Lines[ord[a]].Qty) })
	var total int64
	for _, li := range lines {
		total += p.Lines[li].Qty
	}
	rem := slices.Clone(caps)
	cur := make([]int, len(lines))
	best, bestAt := int64(-1), make([]int, len(lines))
	nodes := 0
	const packNodes = 20000
	var dfs func(d int, got, left int64)
	dfs = func(d int, got, left int64) {
		nodes++
		if got+left <= best || nodes > packNodes || best == total {
			return
		}
		if d == len(idx) {
			best = got
			copy(bestAt, cur)
			return
		}
		li := idx[d]
		q := p.Lines[lines[li]].Qty
		for j := range rem {
			if rem[j] < q {
				continue
			}
			dup := false
			for j2 := 0; j2 < j; j2++ {
				if rem[j2] == rem[j] {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			rem[j] -= q
			cur[li] = j
			dfs(d+1, got+q, left-q)
			rem[j] += q
		}
		cur[li] = -1
		dfs(d+1, got, left-q)
	}
	for i := range cur {
		cur[i] = -1
	}
	dfs(0, 0, total)
	copy(at, bestAt)
	return max(best, 0), at
}

// Objective is the lexicographic score of a plan, compared tier by tier:
// Unfulfilled, Shipments, Transfers, Cost, DistanceMeters, RankKeys (in
// ranker order), then the sorted location ids. Lower is better on every tier.
type Objective struct {
	// Unfulfilled is the number of units not served.
	Unfulfilled int64
	// Shipments is the number of locations used.
	Shipments int64
	// Transfers is the number of used locations that transfer to the
	// pickup store (0 unless Delivery.AllowTransfer).
	Transfers int64
	// Cost sums Site.ShipmentCost over the used locations, in minor
	// currency units.
	Cost int64
	// DistanceMeters sums the distances of the used locations.
	DistanceMeters int64
	// RankKeys sums each ranker's keys over the used locations.
	RankKeys []int64
	// Locations are the used location ids, sorted.
	Locations []omnikit.LocationID
}

// Compare returns -1, 0 or +1 as o is better than, equal to or worse than
// q in strict lexicographic order.
func (o Objective) Compare(q Objective) int {
	if c := cmpI(o.Unfulfilled, q.Unfulfilled); c != 0 {
		return c
	}
	if c := cmpI(o.Shipments, q.Shipments); c != 0 {
		return c
	}
	if c := cmpI(o.Transfers, q.Transfers); c != 0 {
		return c
	}
	if c := cmpI(o.Cost, q.Cost); c != 0 {
		return c
	}
	if c := cmpI(o.DistanceMeters, q.DistanceMeters); c != 0 {
		return c
	}
	if c := slices.Compare(o.RankKeys, q.RankKeys); c != 0 {
		return c
	}
	return slices.Compare(o.Locations, q.Locations)
}

// Score returns the objective of a plan.
func (p *Problem) Score(as []Assignment) Objective {
	o := Objective{Unfulfilled: p.Demand()}
	set := make([]int, 0, len(as))
	for _, a := range as {
		o.Unfulfilled -= a.Qty
		set = append(set, a.Candidate)
	}
	slices.Sort(set)
	set = slices.Compact(set)
	o.Shipments, o.Transfers, o.Cost, o.DistanceMeters, o.RankKeys, o.Locations = p.setScore(set)
	return o
}

func (p *Problem) setScore(set []int) (n, transfers, cost, dist int64, keys []int64, ids []omnikit.LocationID) {
	ids = make([]omnikit.LocationID, 0, len(set))
	for _, c := range set {
		ids = append(ids, p.Candidates[c].Location)
	}
	n, transfers, cost, dist, keys = p.setSums(set, nil)
	return n, transfers, cost, dist, keys, ids
}

// setSums is setScore without the location ids (what the solvers
// compare). The key sums go in buf when it is not nil and large enough;
// they are nil for an empty set.
func (p *Problem) setSums(set []int, buf []int64) (n, transfers, cost, dist int64, keys []int64) {
	for j, c := range set {
		cd := &p.Candidates[c]
		dist += cd.DistanceMeters
		cost += cd.Cost
		if cd.Transfer {
			transfers++
		}
		if j == 0 {
			if buf != nil && cap(buf) >= len(cd.Keys) {
				keys = buf[:len(cd.Keys)]
				clear(keys)
			} else {
				keys = make([]int64, len(cd.Keys))
			}
		}
		for i, k := range cd.Keys {
			keys[i] += k
		}
	}
	return int64(len(set)), transfers, cost, dist, keys
}
