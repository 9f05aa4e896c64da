package routing

import "time"

// OpenFilter keeps locations that are open at Request.Now in their own
// time zone. A location with nil Site.Hours counts as always open.
// Reasons: "closed.now" (measured: minutes until it opens, rounded up),
// "closed.always" (no opening window), "time.now_unknown" (Request.Now is
// zero and the location has hours).
type OpenFilter struct{}

// Name returns "open".
func (OpenFilter) Name() string { return "open" }

// Check implements Filter.
func (OpenFilter) Check(c *Context, s *Site) Verdict {
	if s.Hours == nil {
		return Accept
	}
	now := c.Request.Now
	if now.IsZero() {
		return Reject(Reason{Code: CodeNowUnknown, Rule: "open"})
	}
	next, ok := s.Hours.NextOpen(now)
	switch {
	case !ok:
		return Reject(Reason{Code: CodeClosedAlways, Rule: "open"})
	case next.Equal(now):
		return Accept
	}
	return Reject(Reason{Code: CodeClosedNow, Rule: "open", Measured: ceilMinutes(next.Sub(now)), Unit: "min"})
}

// ReadyByFilter keeps locations that can have the order ready by
// Request.ReadyBy: preparing takes Prep of the location's open hours from
// Request.Now (nil hours are always open); a transfer source (click &
// collect with Delivery.AllowTransfer) adds its transfer lead time, and
// the units are ready when the pickup store is next open after they
// arrive (see Context.ReadyAt). A zero ReadyBy passes every location.
// Reasons: "ready_by.late" (measured: minutes from Now until ready,
// rounded up; limit: minutes from Now until ReadyBy, rounded down) and
// "closed.always" (a timetable involved has no opening window).
type ReadyByFilter struct {
	// Prep is the preparation time, counted in open hours; never negative.
	Prep time.Duration
}

// Name returns "ready_by".
func (ReadyByFilter) Name() string { return "ready_by" }

// Check implements Filter.
func (f ReadyByFilter) Check(c *Context, s *Site) Verdict {
	r := c.Request
	if r.ReadyBy.IsZero() {
		return Accept
	}
	if r.Now.IsZero() {
		return Reject(Reason{Code: CodeNowUnknown, Rule: "ready_by"})
	}
	ready, ok := c.ReadyAt(s, f.Prep)
	if !ok {
		return Reject(Reason{Code: CodeClosedAlways, Rule: "ready_by"})
	}
	if ready.After(r.ReadyBy) {
		return Reject(Reason{Code: CodeReadyByLate, Rule: "ready_by",
			Measured: ceilMinutes(ready.Sub(r.Now)), Limit: floorMinutes(r.ReadyBy.Sub(r.Now)), Unit: "min"})
	}
	return Accept
}

func (f ReadyByFilter) validate() error {
	if f.Prep < 0 {
		return errNegativePrep
	}
	return nil
}
