package routing

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/omnikit/omnikit"
)

// Evaluation codes.
const (
	CodeEvalNotCandidate  = "evaluate.not_candidate"  // the location is not an eligible candidate
	CodeEvalOverAvailable = "evaluate.over_available" // more units than the location has
	CodeEvalOverOrdered   = "evaluate.over_ordered"   // more units than the line ordered
	CodeEvalUnknownLine   = "evaluate.unknown_line"   // no line with this id or SKU
	CodeEvalBadQty        = "evaluate.bad_qty"        // quantity <= 0
	CodeEvalPolicy        = "evaluate.policy"         // breaks the split policy
)

// Evaluation scores a caller's plan.
type Evaluation struct {
	// Feasible is true when the plan breaks no rule.
	Feasible bool
	// Violations lists the broken rules (Rule holds the line or location).
	Violations []Reason
	// Objective is the plan's objective (computed over the feasible part).
	Objective Objective
	// Strategy is the strategy the plan was checked against.
	Strategy string
}

// Evaluate checks and scores a plan the caller proposes, against the first
// strategy that matches the request (without relaxing soft filters): every
// location must be a candidate that passed the filters, no location may
// give more than it has, no line more than ordered, and the split policy
// must hold. Allocation.SKU is ignored; Line names the line.
func (e *Engine) Evaluate(ctx context.Context, n *Network, r Request, plan []Allocation) (Evaluation, error) {
	if n == nil {
		return Evaluation{}, &RequestError{Field: "Network", Reason: "nil network"}
	}
	c, err := r.canonicalize(n)
	if err != nil {
		return Evaluation{}, err
	}
	if err := ctx.Err(); err != nil {
		return Evaluation{}, err
	}
	var s *strategy
	for i := range e.strategies {
		if matches(&e.strategies[i].Strategy, c.req) {
			s = &e.strategies[i]
			break
		}
	}
	if s == nil {
		return Evaluation{}, &RequestError{Field: "Request", Reason: "no strategy matches"}
	}
	pr := e.prepare(n, c, s, false)
	p := pr.p
	ev := Evaluation{Strategy: s.Name}
	lineIdx := map[string]int{}
	for i, l := range p.Lines {
		lineIdx[l.ID] = i
	}
	candIdx := map[omnikit.LocationID]int{}
	for i, cd := range p.Candidates {
		candIdx[cd.Location] = i
	}
	got := make([]int64, len(p.Lines))
	parts := make([]int, len(p.Lines))
	used := map[[2]int]int64{}
	locs := map[int]bool{}
	var ok []Assignment
	for _, a := range plan {
		li, lok := lineIdx[a.Line]
		ci, cok := candIdx[a.Location]
		switch {
		case !lok:
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalUnknownLine, Rule: a.Line})
			continue
		case a.Qty <= 0:
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalBadQty, Rule: a.Line, Measured: a.Qty})
			continue
		case !cok:
			why := pr.whyNot(a.Location)
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalNotCandidate, Rule: fmt.Sprintf("%s (%s)", a.Location, why)})
			continue
		}
		k := [2]int{ci, p.Lines[li].SKU}
		if have := p.Candidates[ci].Stock[k[1]]; used[k]+a.Qty > have {
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalOverAvailable, Rule: string(a.Location), Measured: used[k] + a.Qty, Limit: have, Unit: "units"})
			continue
		}
		if got[li]+a.Qty > p.Lines[li].Qty {
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalOverOrdered, Rule: a.Line, Measured: got[li] + a.Qty, Limit: p.Lines[li].Qty, Unit: "units"})
			continue
		}
		used[k] += a.Qty
		got[li] += a.Qty
		parts[li]++
		locs[ci] = true
		ok = append(ok, Assignment{Line: li, Candidate: ci, Qty: a.Qty})
	}
	for i, l := range p.Lines {
		if !p.Policy.AllowLineSplit && (parts[i] > 1 || (parts[i] == 1 && got[i] != l.Qty)) {
			ev.Violations = append(ev.Violations, Reason{Code: CodeEvalPolicy, Rule: "line_split " + l.ID})
		}
	}
	if k := p.Policy.MaxShipments; k > 0 && len(locs) > k {
		ev.Violations = append(ev.Violations, Reason{Code: CodeEvalPolicy, Rule: "max_shipments", Measured: int64(len(locs)), Limit: int64(k), Unit: "shipments"})
	}
	ev.Objective = p.Score(ok)
	if !p.Policy.AllowPartial && ev.Objective.Unfulfilled > 0 {
		ev.Violations = append(ev.Violations, Reason{Code: CodeEvalPolicy, Rule: "partial", Measured: ev.Objective.Unfulfilled, Unit: "units"})
	}
	ev.Feasible = len(ev.Violations) == 0
	return ev, nil
}

func (pr *prepared) whyNot(id omnikit.LocationID) string {
	t := &pr.traces
	if i, ok := t.find(id); ok {
		return t.reason(&t.rows[i]).String()
	}
	return CodeOutOfScope
}

// RouteOrder routes the delivery groups of an order in order; each group
// sees the stock left by the groups before it. It stops at the first error.
func (e *Engine) RouteOrder(ctx context.Context, n *Network, o Order) ([]Decision, error) {
	if len(o.Groups) == 0 {
		return nil, &RequestError{Field: "Groups", Reason: "no groups"}
	}
	out := make([]Decision, 0, len(o.Groups))
	cur := n
	for i, g := range o.Groups {
		d, err := e.Route(ctx, cur, g)
		if err != nil {
			return nil, fmt.Errorf("group %d: %w", i, err)
		}
		out = append(out, d)
		if i < len(o.Groups)-1 && len(d.Allocations) > 0 {
			cur = cur.consume(d.Allocations)
		}
	}
	return out, nil
}

// consume returns a copy of n with the allocations' units removed.
func (n *Network) consume(as []Allocation) *Network {
	sites := slices.Clone(n.sites)
	touched := map[int]bool{}
	for _, a := range as {
		i := n.byID[a.Location]
		if !touched[i] {
			sites[i].Stock = maps.Clone(sites[i].Stock)
			touched[i] = true
		}
		sites[i].Stock[a.SKU] -= a.Qty
	}
	nn, err := NewNetwork(sites)
	if err != nil {
		panic("routing: consume broke a valid network: " + err.Error())
	}
	return nn
}
