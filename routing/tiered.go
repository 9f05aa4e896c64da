package routing

import (
	"math/bits"
	"slices"
)

// DefaultBudget is the work budget, in search nodes, used when a strategy
// sets none.
const DefaultBudget = 20_000

// Tiered is the default solver. It minimises, in strict lexicographic
// order, unfulfilled units, shipments, transfers, summed shipment cost,
// summed distance, summed ranker keys and location ids:
//
//  1. every single location (exact, certified);
//  2. every pair, enumerated from the holders of the SKU with the fewest
//     holders (exact, certified);
//  3. greedy by marginal units, then redundant-location removal, 2-for-1
//     and 1-for-1 swaps;
//  4. branch and bound over the holders of the least-held residual item,
//     pruned by a per-item lower bound, under a deterministic node budget.
//
// When no plan within MaxShipments serves everything that the network can
// serve, it maximises the units served within MaxShipments (exhaustively
// when the number of subsets fits the budget, greedily otherwise).
type Tiered struct{}

// Name returns "tiered".
func (Tiered) Name() string { return "tiered" }

type tsolve struct {
	p       *Problem
	split   bool
	items   []int64 // demand per item (capped by what the network has)
	tf      []int64 // t of candidate c and item i at tf[c*ni+i] (see row)
	ni      int     // number of items
	holders [][]int // per item, candidates with t > 0, by t desc then preference
	relev   []int   // candidates with some t > 0, preference order
	target  int64   // units servable by the whole network
	// relax is true when every item with a holder is served by any plan
	// reaching target (always with line splitting), so that per-item
	// coverage is necessary and the item-based tiers are exact.
	relax   bool
	demand  int64
	limit   int // max shipments (n if no cap)
	nodes   int64
	budget  int64
	trunc   bool
	best    []int
	bestObj *setObj
	second  []int
	sndObj  *setObj
	trial   setObj // scratch score of offer and maxCoverage
	// With at most 64 items and line splitting, per relevant candidate:
	// nz has bit i when t[c][i] > 0, full when t[c][i] >= items[i]; empty
	// has the items no location holds (items[i] == 0). They only speed up
	// the pair tier; nil otherwise.
	nz, full []uint64
	empty    uint64
	all      uint64 // one bit per item
	sparse   bool   // rows built from p.byItem (see cleanRows)
}

type setObj struct {
	unf, size, tr, cost, dist int64
	keys                      []int64
	set                       []int
}

func (a *setObj) cmp(b *setObj) int {
	if c := cmpI(a.unf, b.unf); c != 0 {
		return c
	}
	if c := cmpI(a.size, b.size); c != 0 {
		return c
	}
	if c := cmpI(a.tr, b.tr); c != 0 {
		return c
	}
	if c := cmpI(a.cost, b.cost); c != 0 {
		return c
	}
	if c := cmpI(a.dist, b.dist); c != 0 {
		return c
	}
	if c := slices.Compare(a.keys, b.keys); c != 0 {
		return c
	}
	return slices.Compare(a.set, b.set) // indexes are in id order
}

// Solve implements Solver.
func (Tiered) Solve(p *Problem) Solution {
	if p.pref == nil {
		p.prepare()
	}
	s := newTsolve(p)
	cert := s.run()
	sol := Solution{Certificate: cert}
	if s.best != nil {
		sol.Assignments = p.Assign(s.best)
	}
	if s.second != nil {
		sol.RunnerUp = s.second
	}
	s.cleanRows()
	return sol
}

// cleanRows zeroes the entries of the pooled row buffer that the sparse
// build set, so that the next call need not clear it all.
func (s *tsolve) cleanRows() {
	b := s.p.pool
	if b == nil || !s.sparse {
		return
	}
	for i, hs := range s.p.byItem {
		for _, c := range hs {
			s.tf[c*s.ni+i] = 0
		}
	}
	b.tDirty = false
}

func newTsolve(p *Problem) *tsolve {
	s := &tsolve{p: p, split: p.Policy.AllowLineSplit, budget: p.Budget, demand: p.Demand()}
	if s.budget <= 0 {
		s.budget = DefaultBudget
	}
	n := len(p.Candidates)
	var ni int
	if s.split {
		ni = len(p.SKUs)
		s.items = make([]int64, ni)
		for _, l := range p.Lines {
			s.items[l.SKU] += l.Qty
		}
	} else {
		ni = len(p.Lines)
		s.items = make([]int64, ni)
		for i := range s.items {
			s.items[i] = 1
		}
	}
	var buf []int64
	if b := p.pool; b != nil {
		// b.t is all zero unless a call did not finish cleanRows (dense
		// build, or a panic): then clear it all.
		if cap(b.t) < n*ni {
			b.t, b.tDirty = make([]int64, n*ni), false
		}
		if b.tDirty {
			clear(b.t[:cap(b.t)])
		}
		buf = b.t[:n*ni]
		b.tDirty = true
		for len(b.holders) < ni {
			b.holders = append(b.holders, nil)
		}
		s.holders = b.holders[:ni]
		for i := range s.holders {
			s.holders[i] = s.holders[i][:0]
		}
		s.relev = slices.Grow(b.relev[:0], n)
	} else {
		s.holders = make([][]int, ni)
		buf = make([]int64, n*ni)
	}
	sum := make([]int64, ni)
	var vals [][]int64 // sparse only: per item, t of each holder
	direct := false    // sparse only: holders already sorted by (t desc, preference)
	s.tf, s.ni = buf, ni
	sparse := s.split && p.byItem != nil && len(p.byItem) == ni && len(p.byItemQty) == ni && p.pool != nil
	s.sparse = sparse
	masksDone := false
	if sparse {
		// Sparse: visit only the (candidate, SKU) pairs with stock.
		// Holders must come out in preference order (then sorted by t
		// desc): either bucket the (rank, item, t) triples by rank and read
		// them in rank order, or, with masks, read each candidate's items
		// from its mask in rank order. Either is linear, and fills one flat
		// buffer cut per item (with the t values alongside, so that the
		// sort below reads them in sequence).
		b := p.pool
		cnt := fillInt(&b.cnt, ni, 0)
		// With few levels of t (t is at most the item's demand), holders
		// are also bucketed by level (demand - t) per item: read in rank
		// order, they come out sorted by (t desc, preference), and the
		// per-item sort below is skipped. lc counts, then places, the
		// holders of (item, level) at loff[item] + level.
		loff := fillInt(&b.loff, ni+1, 0)
		for i, g := range s.items {
			loff[i+1] = loff[i] + int(max(g, 0))
		}
		direct = loff[ni] <= 4*n+64
		var lc []int
		if direct {
			lc = fillInt(&b.lc, loff[ni], 0)
		}
		// fast: holders are read from the masks (items held, per
		// candidate) in rank order, with no bucketing by rank.
		fast := direct && ni <= 64
		var start []int
		if fast {
			s.initMasks()
			masksDone = true
		} else {
			start = fillInt(&b.anyOf, n+1, 0)
		}
		total := 0
		for i, hs := range p.byItem {
			qty, g := p.byItemQty[i], s.items[i]
			bit := uint64(1) << (i & 63)
			var si int64 // sum[i]
			k := 0       // cnt[i]
			for j, c := range hs {
				v := min(qty[j], g)
				if v <= 0 {
					continue
				}
				s.tf[c*s.ni+i] = v
				si += v
				k++
				if fast {
					s.nz[c] |= bit
					lc[loff[i]+int(g-v)]++
					continue
				}
				start[p.rank[c]+1]++
				if direct {
					lc[loff[i]+int(g-v)]++
				}
			}
			sum[i], cnt[i] = si, k
			total += k
		}
		var at []int
		var atv []int64
		if !fast {
			for r := 1; r <= n; r++ {
				start[r] += start[r-1]
			}
			at = growInt(&b.bucket, total)
			atv = grow64(&b.bucketV, total)
			for i, hs := range p.byItem {
				qty, g := p.byItemQty[i], s.items[i]
				for j, c := range hs {
					if v := min(qty[j], g); v > 0 {
						r := p.rank[c]
						at[start[r]], atv[start[r]] = i, v
						start[r]++
					}
				}
			}
		}
		hf, hv := growInt(&b.hflat, total), grow64(&b.hval, total) // every entry is set below
		if cap(b.hviews) < ni {
			b.hviews = make([][]int, ni)
			b.vviews = make([][]int64, ni)
		}
		s.holders, vals = b.hviews[:ni], b.vviews[:ni]
		pos := cnt // reused: next free slot per item
		off := 0
		for i := range ni {
			s.holders[i] = hf[off : off+cnt[i] : off+cnt[i]]
			vals[i] = hv[off : off+cnt[i] : off+cnt[i]]
			if direct {
				// lc: first slot of each (item, level).
				q := off
				for l := loff[i]; l < loff[i+1]; l++ {
					lc[l], q = q, q+lc[l]
				}
			}
			pos[i], off = off, off+cnt[i]
		}
		if fast {
			for _, c := range p.pref {
				m := s.nz[c]
				if m == 0 {
					continue
				}
				s.relev = append(s.relev, c)
				row := s.row(c)
				for ; m != 0; m &= m - 1 {
					i := bits.TrailingZeros64(m)
					v := row[i]
					l := loff[i] + int(s.items[i]-v)
					hf[lc[l]], hv[lc[l]] = c, v
					lc[l]++
				}
			}
		} else {
			// start[r] now ends rank r's bucket; rank r begins at start[r-1].
			lo := 0
			for r, c := range p.pref {
				hi := start[r]
				if direct {
					for k := lo; k < hi; k++ {
						i, v := at[k], atv[k]
						l := loff[i] + int(s.items[i]-v)
						hf[lc[l]], hv[lc[l]] = c, v
						lc[l]++
					}
				} else {
					for k := lo; k < hi; k++ {
						i := at[k]
						hf[pos[i]], hv[pos[i]] = c, atv[k]
						pos[i]++
					}
				}
				if hi > lo {
					s.relev = append(s.relev, c)
				}
				lo = hi
			}
		}
	}
	for _, c := range p.pref {
		if sparse {
			break
		}
		row := s.row(c)
		any := false
		for i := range ni {
			var v int64
			if s.split {
				v = min(p.Candidates[c].Stock[i], s.items[i])
			} else if l := p.Lines[i]; p.Candidates[c].Stock[l.SKU] >= l.Qty {
				v = 1
			}
			if v > 0 {
				row[i] = v
				any = true
				sum[i] += v
				s.holders[i] = append(s.holders[i], c)
			}
		}
		if any {
			s.relev = append(s.relev, c)
		}
	}
	var count []int
	var tmp []int
	var tv []int64
	masks := s.split && ni <= 64
	if masks && !masksDone {
		s.initMasks()
	}
	for i := range ni {
		s.items[i] = min(s.items[i], sum[i])
		// Holders were appended in preference order: a stable sort by t
		// descending gives (t desc, preference). t is at most the item's
		// demand, usually small, so a counting sort does it in linear time.
		h := s.holders[i]
		var hv []int64 // t of each holder, in h's order
		if vals != nil {
			hv = vals[i]
		} else {
			tv = slices.Grow(tv[:0], len(h))[:len(h)]
			for k, c := range h {
				tv[k] = s.tf[c*s.ni+i]
			}
			hv = tv
		}
		if masks {
			s.itemMasks(i, h, hv)
		}
		if direct {
			continue
		}
		var top int64
		for _, v := range hv {
			top = max(top, v)
		}
		if top > 256 || len(h) < 16 {
			slices.SortStableFunc(h, func(a, b int) int { return cmpI(s.tf[b*s.ni+i], s.tf[a*s.ni+i]) })
			continue
		}
		count = slices.Grow(count[:0], int(top)+2)[:top+2]
		clear(count)
		for _, v := range hv {
			count[top-v+1]++
		}
		for v := 1; v < len(count); v++ {
			count[v] += count[v-1]
		}
		tmp = slices.Grow(tmp[:0], len(h))[:len(h)]
		for k, c := range h {
			x := top - hv[k]
			tmp[count[x]] = c
			count[x]++
		}
		copy(h, tmp)
	}
	if p.pool != nil {
		p.pool.relev = s.relev
	}
	s.limit = len(s.relev)
	if k := p.Policy.MaxShipments; k > 0 && k < s.limit {
		s.limit = k
	}
	s.target = s.cover(s.relev)
	s.relax = s.split
	if !s.split {
		var all int64
		for i, g := range s.items {
			if g > 0 {
				all += p.Lines[i].Qty
			}
		}
		s.relax = all == s.target
	}
	return s
}

// row returns the t values of candidate c, one per item.
func (s *tsolve) row(c int) []int64 {
	o := c * s.ni
	return s.tf[o : o+s.ni : o+s.ni]
}

// initMasks sizes and clears s.nz and s.full and sets s.all.
func (s *tsolve) initMasks() {
	n := len(s.p.Candidates)
	if b := s.p.pool; b != nil {
		s.nz, s.full = fillU64(&b.zero, n), fillU64(&b.full, n)
	} else {
		s.nz, s.full = make([]uint64, n), make([]uint64, n)
	}
	s.all = ^uint64(0)
	if len(s.items) < 64 {
		s.all = 1<<len(s.items) - 1
	}
}

// itemMasks adds item i to the masks: h are its holders, hv their t, and
// s.items[i] is final.
func (s *tsolve) itemMasks(i int, h []int, hv []int64) {
	bit := uint64(1) << i
	g := s.items[i]
	if g == 0 {
		s.empty |= bit
	}
	for k, c := range h {
		s.nz[c] |= bit
		if hv[k] >= g {
			s.full[c] |= bit
		}
	}
}

// cover returns the units the set can serve (exact).
func (s *tsolve) cover(set []int) int64 {
	p := s.p
	var got int64
	if s.split {
		for k := range p.SKUs {
			var d, have int64
			for _, l := range p.Lines {
				if l.SKU == k {
					d += l.Qty
				}
			}
			for _, c := range set {
				have += p.Candidates[c].Stock[k]
				if have >= d {
					break
				}
			}
			got += min(d, have)
		}
		return got
	}
	for k := range p.SKUs {
		var lines []int
		for i, l := range p.Lines {
			if l.SKU == k {
				lines = append(lines, i)
			}
		}
		caps := make([]int64, 0, len(set))
		for _, c := range set {
			caps = append(caps, p.Candidates[c].Stock[k])
		}
		u, _ := p.packLines(lines, caps)
		got += u
	}
	return got
}

// relaxedOK reports whether the set covers every item by the additive
// relaxation (necessary for full coverage).
func (s *tsolve) relaxedOK(set []int) bool {
	if s.nz != nil {
		// Necessary: every item is held by some location of the set.
		var held uint64
		for _, c := range set {
			held |= s.nz[c]
		}
		if held|s.empty != s.all {
			return false
		}
	}
	for i, g := range s.items {
		var h int64
		for _, c := range set {
			h += s.tf[c*s.ni+i]
			if h >= g {
				break
			}
		}
		if h < g {
			return false
		}
	}
	return true
}

func (s *tsolve) feasible(set []int) bool {
	// With line splitting the relaxation is exact.
	if !s.relax {
		return s.cover(set) == s.target
	}
	return s.relaxedOK(set) && (s.split || s.cover(set) == s.target)
}

// scoreInto sets *o to the score of set (a sorted copy of it in o.set),
// reusing o's buffers: most scored sets are compared and dropped, and
// only the kept ones are cloned.
func (s *tsolve) scoreInto(o *setObj, set []int, unf int64) {
	o.set = append(o.set[:0], set...)
	slices.Sort(o.set)
	o.unf = unf
	o.size, o.tr, o.cost, o.dist, o.keys = s.p.setSums(o.set, o.keys)
}

// clone returns a copy of o that shares no buffer with it.
func (o *setObj) clone() *setObj {
	c := *o
	c.set, c.keys = slices.Clone(o.set), slices.Clone(o.keys)
	return &c
}

// offer records a full-coverage set as best or runner-up.
func (s *tsolve) offer(set []int, unf int64) {
	o := &s.trial
	s.scoreInto(o, set, unf)
	switch {
	case s.bestObj == nil:
		k := o.clone()
		s.best, s.bestObj = k.set, k
	case slices.Equal(o.set, s.bestObj.set):
	case o.cmp(s.bestObj) < 0:
		s.second, s.sndObj = s.best, s.bestObj
		k := o.clone()
		s.best, s.bestObj = k.set, k
	case s.sndObj == nil || (o.cmp(s.sndObj) < 0 && !slices.Equal(o.set, s.sndObj.set)):
		k := o.clone()
		s.second, s.sndObj = k.set, k
	}
}

func (s *tsolve) run() Certificate {
	unf := s.demand - s.target
	if s.target == 0 {
		return Certificate{Optimal: true}
	}
	// Tier 1: single locations.
	for _, c := range s.relev {
		s.nodes++
		if s.full != nil && s.full[c]|s.empty != s.all {
			continue // some item is not covered in full: not feasible alone
		}
		if s.feasible([]int{c}) {
			s.offer([]int{c}, unf)
		}
	}
	if s.best != nil {
		return Certificate{Optimal: true, LowerBound: 1, Nodes: s.nodes}
	}
	if !s.relax {
		// Whole lines of one SKU that cannot all be packed: the best plan
		// may leave any of them out, so per-item bounds and branching do
		// not apply; search subsets directly.
		return s.maxCoverage(2)
	}
	lb := max(2, s.rootLB())
	if s.limit >= 2 {
		// Tier 2: pairs.
		star := s.fewest(s.items, nil)
		r := make([]int64, len(s.items))
		var part []int
		for _, a := range s.holders[star] {
			for i, g := range s.items {
				r[i] = g - s.tf[a*s.ni+i]
			}
			if s.split {
				// With line splitting a pair covers everything exactly when
				// b alone covers a's residual: test that first, cheaply.
				sp := s.fewest(r, nil)
				if sp < 0 {
					continue
				}
				// With masks: b must cover in full every item a lacks
				// (r[i] = items[i]), then the items a holds in part are
				// compared one by one.
				var lacks uint64
				if s.full != nil {
					lacks = s.all &^ s.nz[a] &^ s.empty
					part = part[:0]
					for m := s.nz[a] &^ s.full[a]; m != 0; m &= m - 1 {
						part = append(part, bits.TrailingZeros64(m))
					}
				}
				for _, b := range s.holders[sp] {
					if b == a {
						continue
					}
					s.nodes++
					ok := true
					if s.full != nil && lacks&^s.full[b] != 0 {
						continue
					}
					tb := s.row(b)
					if s.full != nil {
						for _, i := range part {
							if r[i] > tb[i] {
								ok = false
								break
							}
						}
					} else {
						for i, v := range r {
							if v > tb[i] {
								ok = false
								break
							}
						}
					}
					if ok && s.feasible([]int{a, b}) {
						s.offer([]int{a, b}, unf)
					}
				}
				continue
			}
			sp := s.fewest(r, nil)
			others := s.relev // a covers every item alone but the whole lines do not pack
			if sp >= 0 {
				others = s.holders[sp]
			} else if s.split {
				continue
			}
			for _, b := range others {
				if b == a {
					continue
				}
				s.nodes++
				if s.feasible([]int{a, b}) {
					s.offer([]int{a, b}, unf)
				}
			}
		}
		if s.best != nil {
			return Certificate{Optimal: true, LowerBound: 2, Nodes: s.nodes}
		}
		lb = max(3, lb)
	}
	if s.limit >= 3 {
		if g := s.greedy(); g != nil && len(g) <= s.limit {
			g = s.improve(g)
			s.offer(g, unf)
		}
		exhausted := s.branch(unf)
		if s.best != nil {
			c := Certificate{Optimal: exhausted, LowerBound: lb, Nodes: s.nodes, Truncated: !exhausted}
			if exhausted {
				c.LowerBound = int(s.bestObj.size)
			}
			return c
		}
		if exhausted {
			lb = s.limit + 1
		}
	}
	// No full-coverage plan within the cap: maximise units served.
	return s.maxCoverage(lb)
}

// fewest returns the item with r > 0 that has the fewest holders
// (ties: lowest index), or -1; banned holders are not counted.
func (s *tsolve) fewest(r []int64, banned []bool) int {
	best, bh := -1, 0
	for i, v := range r {
		if v <= 0 {
			continue
		}
		h := len(s.holders[i])
		if banned != nil {
			h = 0
			for _, c := range s.holders[i] {
				if !banned[c] {
					h++
				}
			}
		}
		if best < 0 || h < bh {
			best, bh = i, h
		}
	}
	return best
}

func (s *tsolve) rootLB() int {
	r := slices.Clone(s.items)
	lb, _ := s.residualLB(r, make([]bool, len(s.p.Candidates)))
	return lb
}

// residualLB is the largest, over items, of the fewest allowed holders whose
// largest contributions reach the residual; ok is false when some item
// cannot be reached at all.
func (s *tsolve) residualLB(r []int64, banned []bool) (int, bool) {
	lb := 0
	for i, v := range r {
		if v <= 0 {
			continue
		}
		k := 0
		var acc int64
		for _, c := range s.holders[i] { // sorted by t desc
			if banned[c] {
				continue
			}
			acc += s.tf[c*s.ni+i]
			k++
			if acc >= v {
				break
			}
		}
		if acc < v {
			return 0, false
		}
		lb = max(lb, k)
	}
	return lb, true
}

// greedy adds the location with the largest marginal gain (ties:
// preference order) until the set is feasible.
func (s *tsolve) greedy() []int {
	r := slices.Clone(s.items)
	var set []int
	in := make([]bool, len(s.p.Candidates))
	for len(set) < len(s.relev) {
		if s.feasible(set) {
			return set
		}
		bc, bg := -1, int64(0)
		for _, c := range s.relev {
			if in[c] {
				continue
			}
			var g int64
			for i, v := range r {
				if v > 0 {
					g += min(v, s.tf[c*s.ni+i])
				}
			}
			s.nodes++
			if g > bg {
				bc, bg = c, g
			}
		}
		if bc < 0 {
			// Relaxation covered but the exact packing did not: add the
			// next preferred location.
			for _, c := range s.relev {
				if !in[c] {
					bc = c
					break
				}
			}
			if bc < 0 {
				return nil
			}
		}
		in[bc] = true
		set = append(set, bc)
		for i := range r {
			r[i] -= s.tf[bc*s.ni+i]
		}
	}
	if s.feasible(set) {
		return set
	}
	return nil
}

// improve removes redundant locations (least preferred first) and applies
// 2-for-1 and then 1-for-1 swaps while they help, within the budget.
func (s *tsolve) improve(set []int) []int {
	var oa, ob setObj // scratch scores
	better := func(a, b []int) bool {
		s.scoreInto(&oa, a, 0)
		s.scoreInto(&ob, b, 0)
		return oa.cmp(&ob) < 0
	}
	var buf []int // scratch for trial sets; cloned when kept
	for changed := true; changed && s.nodes < s.budget; {
		changed = false
		// Redundancy removal.
		slices.SortFunc(set, func(a, b int) int { return cmpI(int64(s.p.rank[b]), int64(s.p.rank[a])) })
		for i := 0; i < len(set); i++ {
			t := slices.Delete(slices.Clone(set), i, i+1)
			s.nodes++
			if s.feasible(t) {
				set, changed = t, true
				i--
			}
		}
		// 2-for-1.
	two:
		for i := 0; i < len(set) && s.nodes < s.budget; i++ {
			for j := i + 1; j < len(set); j++ {
				base := slices.Delete(slices.Clone(set), j, j+1)
				base = slices.Delete(base, i, i+1)
				for _, c := range s.relev {
					if slices.Contains(set, c) {
						continue
					}
					s.nodes++
					buf = append(append(buf[:0], base...), c)
					if s.feasible(buf) {
						set, changed = slices.Clone(buf), true
						break two
					}
				}
			}
		}
		if changed {
			continue
		}
		// 1-for-1 for a better objective at the same size.
		for i := 0; i < len(set) && s.nodes < s.budget; i++ {
			for _, c := range s.relev {
				if slices.Contains(set, c) {
					continue
				}
				s.nodes++
				buf = append(buf[:0], set...)
				buf[i] = c
				if s.feasible(buf) && better(buf, set) {
					set, changed = slices.Clone(buf), true
				}
			}
		}
	}
	return set
}

// branch runs branch and bound for the best full-coverage set of at most
// limit locations. It reports whether the search was exhausted.
func (s *tsolve) branch(unf int64) bool {
	// blocked marks chosen locations and excluded siblings.
	blocked := make([]bool, len(s.p.Candidates))
	// free counts the holders of each item that are not blocked, so that
	// the branching item is found without walking every holder list.
	free := make([]int, len(s.items))
	for i, h := range s.holders {
		free[i] = len(h)
	}
	setBlocked := func(c int, b bool) {
		blocked[c] = b
		d := -1
		if !b {
			d = 1
		}
		if s.nz != nil {
			// nz[c] has the items c holds (t > 0).
			for m := s.nz[c]; m != 0; m &= m - 1 {
				free[bits.TrailingZeros64(m)] += d
			}
			return
		}
		for i, v := range s.row(c) {
			if v > 0 { // c is a holder of i
				free[i] += d
			}
		}
	}
	var chosen, tried []int // tried: a stack, each level's part on top
	r := slices.Clone(s.items)
	var dist, tr, cost int64
	var dfs func() bool
	dfs = func() bool {
		s.nodes++
		if s.nodes > s.budget {
			s.trunc = true
			return false
		}
		bound := int64(s.limit)
		if s.bestObj != nil {
			bound = min(bound, s.bestObj.size)
		}
		lb, ok := s.residualLB(r, blocked)
		if !ok {
			return true
		}
		k := int64(len(chosen) + lb)
		if k > bound {
			return true
		}
		// At the best size more locations only add transfers, cost and
		// distance (all >= 0), so a partial set already worse on them
		// cannot win.
		if b := s.bestObj; b != nil && k == b.size && (tr > b.tr || (tr == b.tr && (cost > b.cost || (cost == b.cost && dist > b.dist)))) {
			return true
		}
		item := fewestFree(r, free)
		if item < 0 {
			if s.cover(chosen) == s.target {
				s.offer(chosen, unf)
				return true
			}
			// The relaxation is met but whole lines do not pack: branch
			// on any unused holder of an uncovered line.
			item = s.unpacked(chosen, blocked)
			if item < 0 || int64(len(chosen)+1) > bound {
				return true
			}
		}
		base := len(tried)
		complete := true
		for _, c := range s.holders[item] {
			if blocked[c] {
				continue
			}
			setBlocked(c, true)
			tried = append(tried, c)
			chosen = append(chosen, c)
			dist += s.p.Candidates[c].DistanceMeters
			cost += s.p.Candidates[c].Cost
			if s.p.Candidates[c].Transfer {
				tr++
			}
			tc := s.row(c)
			if s.nz != nil {
				for m := s.nz[c]; m != 0; m &= m - 1 {
					r[bits.TrailingZeros64(m)] -= tc[bits.TrailingZeros64(m)]
				}
			} else {
				for i := range r {
					r[i] -= tc[i]
				}
			}
			done := dfs()
			if s.nz != nil {
				for m := s.nz[c]; m != 0; m &= m - 1 {
					r[bits.TrailingZeros64(m)] += tc[bits.TrailingZeros64(m)]
				}
			} else {
				for i := range r {
					r[i] += tc[i]
				}
			}
			dist -= s.p.Candidates[c].DistanceMeters
			cost -= s.p.Candidates[c].Cost
			if s.p.Candidates[c].Transfer {
				tr--
			}
			chosen = chosen[:len(chosen)-1]
			if !done {
				complete = false
				break
			}
		}
		for _, c := range tried[base:] {
			setBlocked(c, false)
		}
		tried = tried[:base]
		return complete
	}
	return dfs()
}

// fewestFree is fewest(r, blocked) given free, the number of unblocked
// holders per item.
func fewestFree(r []int64, free []int) int {
	best, bh := -1, 0
	for i, v := range r {
		if v <= 0 {
			continue
		}
		if h := free[i]; best < 0 || h < bh {
			best, bh = i, h
		}
	}
	return best
}

// unpacked returns a line item (no-split mode) whose SKU does not pack
// into the chosen set and that has an allowed holder, or -1.
func (s *tsolve) unpacked(chosen []int, blocked []bool) int {
	p := s.p
	for k := range p.SKUs {
		var lines []int
		var d int64
		for i, l := range p.Lines {
			if l.SKU == k && s.items[i] > 0 {
				lines = append(lines, i)
				d += l.Qty
			}
		}
		caps := make([]int64, 0, len(chosen))
		for _, c := range chosen {
			caps = append(caps, p.Candidates[c].Stock[k])
		}
		if u, _ := p.packLines(lines, caps); u < d {
			for _, li := range lines {
				for _, c := range s.holders[li] {
					if !blocked[c] {
						return li
					}
				}
			}
		}
	}
	return -1
}

// maxCoverage picks the set of at most limit locations that serves the
// most units (then the usual tiers).
func (s *tsolve) maxCoverage(lb int) Certificate {
	n := len(s.relev)
	// Count subsets of size <= limit, capped.
	var count, c int64 = 0, 1
	for k := 1; k <= s.limit; k++ {
		c = c * int64(n-k+1) / int64(k)
		count += c
		if count > s.budget-s.nodes {
			break
		}
	}
	var bestObj *setObj
	consider := func(set []int) {
		u := s.demand - s.cover(set)
		o := &s.trial
		s.scoreInto(o, set, u)
		if bestObj == nil || o.cmp(bestObj) < 0 {
			bestObj = o.clone()
		}
	}
	exhaustive := count <= s.budget-s.nodes
	if exhaustive {
		var cur []int
		var rec func(start int)
		rec = func(start int) {
			if len(cur) > 0 {
				s.nodes++
				consider(cur)
			}
			if len(cur) == s.limit {
				return
			}
			for i := start; i < n; i++ {
				cur = append(cur, s.relev[i])
				rec(i + 1)
				cur = cur[:len(cur)-1]
			}
		}
		rec(0)
	} else {
		r := slices.Clone(s.items)
		var set []int
		in := make([]bool, len(s.p.Candidates))
		for len(set) < s.limit {
			bc, bg := -1, int64(0)
			for _, c := range s.relev {
				if in[c] {
					continue
				}
				var g int64
				for i, v := range r {
					if v > 0 {
						g += min(v, s.tf[c*s.ni+i])
					}
				}
				if g > bg {
					bc, bg = c, g
				}
			}
			if bc < 0 {
				break
			}
			in[bc] = true
			set = append(set, bc)
			for i := range r {
				r[i] -= s.tf[bc*s.ni+i]
			}
		}
		consider(set)
	}
	if bestObj != nil {
		// Drop locations that serve nothing.
		as := s.p.Assign(bestObj.set)
		var used []int
		for _, a := range as {
			if !slices.Contains(used, a.Candidate) {
				used = append(used, a.Candidate)
			}
		}
		s.best = nil
		s.bestObj = nil
		s.offer(used, s.demand-s.cover(used))
	}
	return Certificate{Optimal: exhaustive, LowerBound: min(lb, s.limit), Nodes: s.nodes, Truncated: !exhaustive}
}
