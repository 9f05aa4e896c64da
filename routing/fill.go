package routing

import "slices"

// FillOrder says how a FillSolver orders locations.
type FillOrder uint8

// Fill orders.
const (
	// ByPriority orders by Site.Priority, then id (Magento/Saleor style).
	ByPriority FillOrder = iota + 1
	// ByDistance orders by distance to the destination, then id.
	ByDistance
)

// FillSolver is the naive rank-then-fill baseline that many platforms use:
// walk the locations in a fixed order and take from each whatever the
// remaining lines need. It is kept to measure the default solver against;
// it certifies nothing.
type FillSolver struct {
	// Order is the location order.
	Order FillOrder
}

// PriorityFill is the priority-order fill baseline.
var PriorityFill Solver = FillSolver{Order: ByPriority}

// NearestFill is the nearest-first fill baseline.
var NearestFill Solver = FillSolver{Order: ByDistance}

// Name returns "priority_fill" or "nearest_fill".
func (f FillSolver) Name() string {
	if f.Order == ByDistance {
		return "nearest_fill"
	}
	return "priority_fill"
}

// Solve implements Solver.
func (f FillSolver) Solve(p *Problem) Solution {
	ord := make([]int, len(p.Candidates))
	for i := range ord {
		ord[i] = i
	}
	slices.SortStableFunc(ord, func(a, b int) int {
		ca, cb := &p.Candidates[a], &p.Candidates[b]
		if f.Order == ByDistance {
			return cmpI(ca.DistanceMeters, cb.DistanceMeters)
		}
		return cmpI(ca.Priority, cb.Priority)
	})
	need := make([]int64, len(p.Lines))
	for i, l := range p.Lines {
		need[i] = l.Qty
	}
	var out []Assignment
	used := 0
	for _, c := range ord {
		if p.Policy.MaxShipments > 0 && used == p.Policy.MaxShipments {
			break
		}
		stock := slices.Clone(p.Candidates[c].Stock)
		took := false
		for i, l := range p.Lines {
			if need[i] == 0 {
				continue
			}
			q := min(need[i], stock[l.SKU])
			if !p.Policy.AllowLineSplit && q < need[i] {
				continue
			}
			if q > 0 {
				out = append(out, Assignment{Line: i, Candidate: c, Qty: q})
				need[i] -= q
				stock[l.SKU] -= q
				took = true
			}
		}
		if took {
			used++
		}
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Candidate - b.Candidate
	})
	return Solution{Assignments: out}
}
