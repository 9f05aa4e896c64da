package routing

import (
	"fmt"
	"slices"
	"time"
)

// MinutesPerDay is the largest Window.Close: a window may run to midnight.
const MinutesPerDay = 24 * 60

// Window is one opening window on a weekday, in local wall-clock minutes
// after midnight: open from Open (inclusive) to Close (exclusive), with
// 0 <= Open < Close <= MinutesPerDay. A window closing at MinutesPerDay
// and one opening at 0 the next day form one continuous opening.
type Window struct {
	// Day is the weekday.
	Day time.Weekday
	// Open and Close are minutes after local midnight.
	Open, Close int
}

// Hours is a weekly opening timetable in a time zone. A Site with nil
// Hours has unknown hours and counts as always open; Hours with no window
// are never open. Windows may overlap; they are merged.
type Hours struct {
	// Zone is the time zone of the windows; nil means UTC.
	Zone *time.Location
	// Windows are the weekly opening windows.
	Windows []Window

	days *[7][]Window // normalised windows, set by NewHours and NewNetwork
}

// NewHours returns hours in the IANA time zone zone (for example
// "Europe/Paris", loaded with time.LoadLocation; "" or "UTC" is UTC).
// The host needs the tz database, or a program that imports
// time/tzdata. It returns a *ConfigError (ErrInvalidConfig) for an
// unknown zone or an invalid window.
func NewHours(zone string, windows ...Window) (*Hours, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, &ConfigError{Reason: fmt.Sprintf("hours: time zone %q: %v", zone, err)}
	}
	h := &Hours{Zone: loc, Windows: slices.Clone(windows)}
	if err := h.Validate(); err != nil {
		return nil, &ConfigError{Reason: "hours: " + err.Error()}
	}
	h.days = h.normalise()
	return h, nil
}

// Validate reports the first invalid window: a weekday outside Sunday to
// Saturday, or minutes outside 0 <= Open < Close <= MinutesPerDay.
func (h *Hours) Validate() error {
	for i, w := range h.Windows {
		if w.Day < time.Sunday || w.Day > time.Saturday {
			return fmt.Errorf("window %d: invalid weekday %d", i, w.Day)
		}
		if w.Open < 0 || w.Close > MinutesPerDay || w.Open >= w.Close {
			return fmt.Errorf("window %d: invalid minutes %d-%d", i, w.Open, w.Close)
		}
	}
	return nil
}

// normalise sorts and merges the windows of each weekday.
func (h *Hours) normalise() *[7][]Window {
	var d [7][]Window
	for _, w := range h.Windows {
		d[w.Day] = append(d[w.Day], w)
	}
	for i := range d {
		ws := d[i]
		slices.SortFunc(ws, func(a, b Window) int { return a.Open - b.Open })
		out := ws[:0]
		for _, w := range ws {
			if n := len(out); n > 0 && w.Open <= out[n-1].Close {
				out[n-1].Close = max(out[n-1].Close, w.Close)
				continue
			}
			out = append(out, w)
		}
		d[i] = out
	}
	return &d
}

// withDays returns h with its normalised windows, computed on the fly
// (never stored: Hours may be shared) when h was not built by NewHours or
// NewNetwork.
func (h *Hours) withDays() *[7][]Window {
	if h.days != nil {
		return h.days
	}
	return h.normalise()
}

func (h *Hours) zone() *time.Location {
	if h.Zone == nil {
		return time.UTC
	}
	return h.Zone
}

// weeklyMinutes is the number of open minutes in a week.
func (h *Hours) weeklyMinutes(days *[7][]Window) int {
	m := 0
	for _, ws := range days {
		for _, w := range ws {
			m += w.Close - w.Open
		}
	}
	return m
}

// intervals calls fn with the opening intervals that end after from, in
// time order, clipped to start no earlier than from, for up to maxDays
// local days; it stops when fn returns false. Wall-clock minutes are
// turned into instants with time.Date in the zone, so daylight-saving
// changes are honoured.
func (h *Hours) intervals(days *[7][]Window, from time.Time, maxDays int, fn func(s, e time.Time) bool) {
	loc := h.zone()
	y, m, d := from.In(loc).Date()
	for i := 0; i < maxDays; i++ {
		wd := time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()
		for _, w := range days[wd] {
			s := time.Date(y, m, d+i, 0, w.Open, 0, 0, loc)
			e := time.Date(y, m, d+i, 0, w.Close, 0, 0, loc)
			if !e.After(from) {
				continue
			}
			if s.Before(from) {
				s = from
			}
			if !fn(s, e) {
				return
			}
		}
	}
}

// NextOpen returns t when the timetable is open at t, else the next
// opening instant; ok is false when it never opens.
func (h *Hours) NextOpen(t time.Time) (next time.Time, ok bool) {
	days := h.withDays()
	h.intervals(days, t, 8, func(s, _ time.Time) bool {
		next, ok = s, true
		return false
	})
	return next, ok
}

// OpenAt reports whether the timetable is open at t.
func (h *Hours) OpenAt(t time.Time) bool {
	n, ok := h.NextOpen(t)
	return ok && n.Equal(t)
}

// ReadyAt returns the earliest instant by which work of open time has
// elapsed from start: the preparation runs only while open, pauses while
// closed and resumes at the next opening. With work 0 it is NextOpen(start).
// ok is false when the timetable has no window.
func (h *Hours) ReadyAt(start time.Time, work time.Duration) (ready time.Time, ok bool) {
	days := h.withDays()
	wk := h.weeklyMinutes(days)
	if wk == 0 {
		return time.Time{}, false
	}
	work = max(work, 0)
	weeks := int(work/(time.Duration(wk)*time.Minute)) + 2
	left := work
	h.intervals(days, start, 7*weeks+1, func(s, e time.Time) bool {
		if avail := e.Sub(s); avail >= left {
			ready, ok = s.Add(left), true
			return false
		} else {
			left -= avail
		}
		return true
	})
	return ready, ok
}

// readyAt is ReadyAt for a site, where nil hours are always open.
func readyAt(h *Hours, start time.Time, work time.Duration) (time.Time, bool) {
	if h == nil {
		return start.Add(max(work, 0)), true
	}
	return h.ReadyAt(start, work)
}

// ceilMinutes returns d in whole minutes, rounded up.
func ceilMinutes(d time.Duration) int64 {
	m := int64(d / time.Minute)
	if d%time.Minute > 0 {
		m++
	}
	return m
}

// floorMinutes returns d in whole minutes, rounded down.
func floorMinutes(d time.Duration) int64 {
	m := int64(d / time.Minute)
	if d%time.Minute < 0 {
		m--
	}
	return m
}
