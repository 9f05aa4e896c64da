package inventory

import (
	"strconv"

	"github.com/omnikit/omnikit"
)

// atp is available to promise: sellable less safety stock, never below zero.
// A negative (discrepant) balance counts as zero.
func atp(sellable, safety int64) int64 {
	if v := sellable - safety; v > 0 {
		return v
	}
	return 0
}

// contribution is what a location with the given ATP adds to a channel's
// sum; store says whether the location is a store.
func contribution(ch *Channel, store bool, atp int64) int64 {
	if t := ch.Rule.StoreThreshold; t > 0 && store {
		if atp <= t {
			return 0
		}
		return atp - t
	}
	return atp
}

// Shape returns what a channel with this rule sees of a pool sum of raw
// units.
func (r ChannelRule) Shape(raw int64) int64 {
	v := raw
	if r.BufferPercent > 0 {
		v = v * (100 - r.BufferPercent) / 100
	}
	v -= r.BufferUnits
	if v < 0 {
		v = 0
	}
	if r.Cap > 0 && v > r.Cap {
		v = r.Cap
	}
	return v
}

// channelDelta is a change of one channel's sum for one SKU. A command
// collects its deltas so that each (channel, SKU) is written once.
type channelDelta struct {
	ch    *Channel
	sku   omnikit.SKU
	delta int64
}

// addDelta records in ds that the ATP of sku at a location went from
// oldATP to newATP; at is the location's entry in config.byLocation. It is
// a function, not a method, so that a caller's buffer for ds can stay on
// the stack.
func addDelta(ds []channelDelta, at locChannels, sku omnikit.SKU, oldATP, newATP int64) []channelDelta {
	if oldATP == newATP {
		return ds
	}
	for _, ch := range at.chans {
		d := contribution(ch, at.store, newATP) - contribution(ch, at.store, oldATP)
		if d == 0 {
			continue
		}
		found := false
		for i := range ds {
			if ds[i].ch.ID == ch.ID && ds[i].sku == sku {
				ds[i].delta += d
				found = true
				break
			}
		}
		if !found {
			ds = append(ds, channelDelta{ch: ch, sku: sku, delta: d})
		}
	}
	return ds
}

// applyDeltas writes the deltas in (SKU, channel) order and returns the channel
// levels whose shaped availability changed.
//
// The levels are appended to levels, which is nil or empty; the result is
// nil when no level changed.
func applyDeltas(tx Tx, ds []channelDelta, levels []ChannelLevel) ([]ChannelLevel, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	if len(ds) > 1 {
		sortDeltas(ds)
	}
	for _, d := range ds {
		if d.delta == 0 {
			continue
		}
		raw, err := tx.AddChannelRaw(d.ch.ID, d.sku, d.delta)
		if err != nil {
			return nil, err
		}
		c := ChannelChange{Channel: d.ch.ID, SKU: d.sku, Delta: d.delta, Rule: d.ch.Rule}
		if lv, ok := c.Level(raw); ok {
			levels = append(levels, lv)
		}
	}
	if len(levels) == 0 {
		return nil, nil
	}
	return levels, nil
}

func sortDeltas(d []channelDelta) {
	// Insertion sort: a command touches few (channel, SKU) pairs.
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && deltaLess(d[j], d[j-1]); j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

func deltaLess(a, b channelDelta) bool {
	if a.sku != b.sku {
		return a.sku < b.sku
	}
	return a.ch.ID < b.ch.ID
}

func itoa(i int) string     { return strconv.Itoa(i) }
func itoa64(i int64) string { return strconv.FormatInt(i, 10) }
