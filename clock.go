package omnikit

import (
	"sync"
	"time"
)

// Clock tells the time. Everything in omnikit that depends on the time
// (reservation expiry, return windows, timestamps) takes a Clock instead of
// calling time.Now, so that tests can control it with a ManualClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}

// SystemClock is the Clock of the operating system.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// RealClock is the system clock, the usual Clock in production.
var RealClock Clock = SystemClock{}

// ManualClock is a Clock that only moves when told to, for tests and
// simulations. It is safe for concurrent use. Create one with
// NewManualClock; the zero value reads as the zero time.Time.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock that reads t until moved.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d and returns the new time. A negative d
// moves it back, which tests of clock skew may want.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t, forward or back.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
