package routing_test

import (
	"errors"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's tz database

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// weekdays returns windows from open to close (minutes) on each day.
func weekdays(open, close int, days ...time.Weekday) []routing.Window {
	var ws []routing.Window
	for _, d := range days {
		ws = append(ws, routing.Window{Day: d, Open: open, Close: close})
	}
	return ws
}

var monSat = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}

func parisHours(t testing.TB) *routing.Hours {
	t.Helper()
	h, err := routing.NewHours("Europe/Paris", weekdays(9*60, 19*60, monSat...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func parisTime(t testing.TB, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func TestHoursOpenNextReady(t *testing.T) {
	h := parisHours(t)
	tue := func(hh, mm int) time.Time { return parisTime(t, 2026, 12, 1, hh, mm) } // a Tuesday, UTC+1
	for _, tc := range []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{tue(8, 59), false, tue(9, 0)},
		{tue(9, 0), true, tue(9, 0)},
		{tue(18, 59), true, tue(18, 59)},
		{tue(19, 0), false, parisTime(t, 2026, 12, 2, 9, 0)},
		{parisTime(t, 2026, 12, 5, 20, 0), false, parisTime(t, 2026, 12, 7, 9, 0)}, // Saturday night -> Monday
	} {
		if got := h.OpenAt(tc.at); got != tc.open {
			t.Errorf("OpenAt(%v) = %v", tc.at, got)
		}
		if got, ok := h.NextOpen(tc.at); !ok || !got.Equal(tc.next) {
			t.Errorf("NextOpen(%v) = %v %v, want %v", tc.at, got, ok, tc.next)
		}
	}
	// Preparation pauses overnight and over Sunday.
	for _, tc := range []struct {
		start time.Time
		work  time.Duration
		want  time.Time
	}{
		{tue(10, 0), time.Hour, tue(11, 0)},
		{tue(18, 30), time.Hour, parisTime(t, 2026, 12, 2, 9, 30)},
		{tue(7, 0), 0, tue(9, 0)},
		{parisTime(t, 2026, 12, 5, 18, 0), 2 * time.Hour, parisTime(t, 2026, 12, 7, 10, 0)},
		{tue(9, 0), 20 * time.Hour, parisTime(t, 2026, 12, 2, 19, 0)}, // ends at closing time
		{tue(9, 0), 61 * time.Hour, parisTime(t, 2026, 12, 8, 10, 0)}, // six days of 10 h, then 1 h
	} {
		if got, ok := h.ReadyAt(tc.start, tc.work); !ok || !got.Equal(tc.want) {
			t.Errorf("ReadyAt(%v, %v) = %v %v, want %v", tc.start, tc.work, got, ok, tc.want)
		}
	}
	// Hours with no window never open.
	never, err := routing.NewHours("UTC")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := never.NextOpen(now); ok || never.OpenAt(now) {
		t.Fatal("empty timetable opened")
	}
	if _, ok := never.ReadyAt(now, time.Minute); ok {
		t.Fatal("empty timetable ready")
	}
}

// Daylight saving: on 2026-03-29 Paris skips 02:00-03:00, so the window
// 01:00-04:00 lasts two real hours.
func TestHoursDaylightSaving(t *testing.T) {
	h, err := routing.NewHours("Europe/Paris", routing.Window{Day: time.Sunday, Open: 60, Close: 240}, routing.Window{Day: time.Monday, Open: 60, Close: 120})
	if err != nil {
		t.Fatal(err)
	}
	start := parisTime(t, 2026, 3, 29, 1, 0)
	if got, _ := h.ReadyAt(start, 2*time.Hour); !got.Equal(parisTime(t, 2026, 3, 29, 4, 0)) {
		t.Fatalf("2 h: %v", got)
	}
	if got, _ := h.ReadyAt(start, 2*time.Hour+time.Minute); !got.Equal(parisTime(t, 2026, 3, 30, 1, 1)) {
		t.Fatalf("2 h 1 min: %v", got)
	}
}

func TestHoursInvalid(t *testing.T) {
	for name, ws := range map[string][]routing.Window{
		"empty":    {{Day: time.Monday, Open: 600, Close: 600}},
		"negative": {{Day: time.Monday, Open: -1, Close: 600}},
		"too late": {{Day: time.Monday, Open: 600, Close: 1441}},
		"weekday":  {{Day: 7, Open: 0, Close: 60}},
	} {
		if _, err := routing.NewHours("UTC", ws...); !errors.Is(err, routing.ErrInvalidConfig) {
			t.Errorf("%s: NewHours: %v", name, err)
		}
		s := site("A", inventory.TypeStore, 48, 2, 0, nil)
		s.Hours = &routing.Hours{Windows: ws}
		if _, err := routing.NewNetwork([]routing.Site{s}); !errors.Is(err, routing.ErrInvalidNetwork) {
			t.Errorf("%s: NewNetwork: %v", name, err)
		}
	}
	if _, err := routing.NewHours("Mars/Olympus"); !errors.Is(err, routing.ErrInvalidConfig) {
		t.Fatalf("zone: %v", err)
	}
	if _, err := routing.New(routing.Strategy{Name: "x", Filters: []routing.Filter{routing.ReadyByFilter{Prep: -time.Minute}}}); !errors.Is(err, routing.ErrInvalidConfig) {
		t.Fatalf("negative prep: %v", err)
	}
}

// timeNet is a Paris store open 9-19 Mon-Sat, a store that is never open,
// and a warehouse with unknown hours (always open).
func timeNet(t testing.TB) *routing.Network {
	st := site("ST-OPEN", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 5})
	st.Hours = parisHours(t)
	shut := site("ST-SHUT", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 5})
	shut.Hours = &routing.Hours{}
	wh := site("WH", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"A": 5})
	return mustNet(t, st, shut, wh)
}

func timeStrategy(fs ...routing.Filter) routing.Strategy {
	s := routing.DefaultStrategy()
	s.Filters = append(s.Filters, fs...)
	return s
}

func TestGoldenOpenFilterReasons(t *testing.T) {
	n := timeNet(t)
	e := mustEngine(t, timeStrategy(routing.OpenFilter{}))
	r := shipReq(paris, ln("1", "A", 1))
	r.Now = parisTime(t, 2026, 12, 1, 8, 15) // Tuesday, 45 min before opening
	d := route(t, e, n, r)
	got := map[omnikit.LocationID]string{}
	for _, c := range d.Candidates() {
		got[c.Location] = fmt.Sprintf("%s %s", c.Status, c.Reason)
	}
	want := map[omnikit.LocationID]string{
		"ST-OPEN": "filtered closed.now opens in 45 min",
		"ST-SHUT": "filtered closed.always",
		"WH":      "used used",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: got %q, want %q", id, got[id], w)
		}
	}
	if w := d.WhyNot("ST-OPEN"); w.Measured != 45 || w.Unit != "min" || w.Rule != "open" {
		t.Errorf("closed.now measured: %+v", w)
	}
	// At opening time the store is open and nearer than the warehouse.
	r.Now = parisTime(t, 2026, 12, 1, 9, 0)
	if d := route(t, e, n, r); locs(d)[0] != "ST-OPEN" {
		t.Errorf("open: %v", locs(d))
	}
	// Without Now a location with hours cannot be judged.
	r.Now = time.Time{}
	if d := route(t, e, n, r); d.WhyNot("ST-OPEN").Code != routing.CodeNowUnknown {
		w := d.WhyNot("ST-OPEN")
		t.Errorf("no now: %v", w)
	}
}

func TestGoldenReadyByFilterReasons(t *testing.T) {
	n := timeNet(t)
	e := mustEngine(t, timeStrategy(routing.ReadyByFilter{Prep: 2 * time.Hour}))
	r := routing.Request{Lines: []routing.Line{ln("1", "A", 1)}, Delivery: routing.Delivery{Method: routing.Pickup, Store: "ST-OPEN"}}
	r.Now = parisTime(t, 2026, 12, 1, 18, 0)     // one open hour left today
	r.ReadyBy = parisTime(t, 2026, 12, 1, 19, 0) // ready 10:00 tomorrow: 16 h from now, limit 1 h
	d := route(t, e, n, r)
	w := d.WhyNot("ST-OPEN")
	if w.Code != routing.CodeReadyByLate || w.Measured != 16*60 || w.Limit != 60 || w.String() != "ready_by.late 960 min > 60 min" {
		t.Fatalf("late: %+v %q", w, w)
	}
	if d.Status != routing.Unfulfillable {
		t.Fatalf("status %s", d.Status)
	}
	r.ReadyBy = parisTime(t, 2026, 12, 2, 10, 0)
	if d := route(t, e, n, r); d.Status != routing.Complete {
		t.Fatalf("on time: %+v", d.Candidates())
	}
	// A ready-by time without Now is a bad request.
	r.Now = time.Time{}
	if _, err := e.Route(t.Context(), n, r); !errors.Is(err, routing.ErrInvalidRequest) {
		t.Fatalf("no now: %v", err)
	}
	// Rounding: 30 s late is still late and reads 1 min over.
	r.Now = parisTime(t, 2026, 12, 1, 10, 0)
	r.ReadyBy = r.Now.Add(2*time.Hour - 30*time.Second)
	d = route(t, e, n, r)
	if w := d.WhyNot("ST-OPEN"); w.Code != routing.CodeReadyByLate || w.Measured != 120 || w.Limit != 119 {
		t.Fatalf("rounding: %+v", w)
	}
}

// minuteOfWeek is the local minute since Sunday 00:00 for a fixed offset
// in minutes, computed with integers only (1970-01-01 was a Thursday).
func minuteOfWeek(unixMin int64, offsetMin int) int {
	m := (unixMin + int64(offsetMin) + 4*1440) % (7 * 1440)
	if m < 0 {
		m += 7 * 1440
	}
	return int(m)
}

// TestPropertyHoursMatchMinuteOracle checks OpenAt, NextOpen and ReadyAt
// against a minute-by-minute oracle, in fixed zones (no tz database).
func TestPropertyHoursMatchMinuteOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		off := rapid.IntRange(-12*60, 14*60).Draw(t, "offset") / 15 * 15
		var ws []routing.Window
		var open [7 * 1440]bool
		any := false
		for range rapid.IntRange(0, 6).Draw(t, "nWindows") {
			d := time.Weekday(rapid.IntRange(0, 6).Draw(t, "day"))
			o := rapid.IntRange(0, 1439).Draw(t, "open")
			c := rapid.IntRange(o+1, 1440).Draw(t, "close")
			ws = append(ws, routing.Window{Day: d, Open: o, Close: c})
			for m := o; m < c; m++ {
				open[int(d)*1440+m], any = true, true
			}
		}
		h := &routing.Hours{Zone: time.FixedZone("z", off*60), Windows: ws}
		if rapid.Bool().Draw(t, "viaNetwork") {
			s := site("A", inventory.TypeStore, 48, 2, 0, nil)
			s.Hours = h
			got, _ := mustNet(t, s).Site("A")
			h = got.Hours
		}
		startMin := int64(rapid.IntRange(29_000_000, 29_100_000).Draw(t, "start")) // around 2025
		start := time.Unix(startMin*60, 0)
		isOpen := func(m int64) bool { return open[minuteOfWeek(m, off)] }
		if h.OpenAt(start) != isOpen(startMin) {
			t.Fatalf("OpenAt(%v) = %v", start, !isOpen(startMin))
		}
		next, ok := h.NextOpen(start)
		if ok != any {
			t.Fatalf("NextOpen ok = %v with windows %v", ok, ws)
		}
		if !any {
			return
		}
		m := startMin
		for !isOpen(m) {
			m++
		}
		if want := time.Unix(m*60, 0); !next.Equal(want) {
			t.Fatalf("NextOpen(%v) = %v, want %v", start, next, want)
		}
		weekly := 0
		for _, o := range open {
			if o {
				weekly++
			}
		}
		work := rapid.IntRange(0, min(3000, 3*weekly)).Draw(t, "work")
		ready, ok := h.ReadyAt(start, time.Duration(work)*time.Minute)
		if !ok {
			t.Fatal("ReadyAt not ok")
		}
		m, left := startMin, work
		for ; left > 0 || !isOpen(m); m++ {
			if left == 0 {
				continue
			}
			if isOpen(m) {
				left--
				if left == 0 {
					m++
					break
				}
			}
		}
		if want := time.Unix(m*60, 0); !ready.Equal(want) {
			t.Fatalf("ReadyAt(%v, %d min) = %v, want %v", start, work, ready, want)
		}
	})
}
