package omnikit

import (
	"sync"
	"testing"
	"time"
)

func TestSystemClock(t *testing.T) {
	before := time.Now()
	got := RealClock.Now()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Errorf("RealClock.Now() = %v, not within [%v, %v]", got, before, after)
	}
	if _, ok := RealClock.(SystemClock); !ok {
		t.Errorf("RealClock is %T", RealClock)
	}
}

func TestManualClock(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var c Clock = NewManualClock(start)
	mc := c.(*ManualClock)
	if !c.Now().Equal(start) {
		t.Fatalf("Now() = %v", c.Now())
	}
	if got := mc.Advance(90 * time.Minute); !got.Equal(start.Add(90*time.Minute)) || !c.Now().Equal(got) {
		t.Errorf("Advance = %v, Now = %v", got, c.Now())
	}
	if got := mc.Advance(-30 * time.Minute); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("Advance back = %v", got)
	}
	later := start.Add(48 * time.Hour)
	mc.Set(later)
	if !c.Now().Equal(later) {
		t.Errorf("after Set, Now() = %v", c.Now())
	}
	mc.Set(start)
	if !c.Now().Equal(start) {
		t.Errorf("Set back, Now() = %v", c.Now())
	}
	var zero ManualClock
	if !zero.Now().IsZero() {
		t.Errorf("zero ManualClock reads %v", zero.Now())
	}
}

func TestManualClockConcurrent(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewManualClock(start)
	const workers, steps = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < steps; i++ {
				before := c.Now()
				if after := c.Advance(time.Second); !after.After(before) {
					t.Errorf("Advance went back: %v then %v", before, after)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(workers*steps*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v: lost updates", got, want)
	}
}
