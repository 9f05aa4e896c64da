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

// contribution is what a location with the given ATP adds to a channel's sum.
func contribution(cfg *config, ch *Channel, loc omnikit.LocationID, atp int64) int64 {
	if t := ch.Rule.StoreThreshold; t > 0 && cfg.locations[loc].Type == TypeStore {
		if atp <= t {
			return 0
		}
		return atp - t
	}
	return atp
}

// shape turns a channel's sum into what the channel sees.
func (r ChannelRule) shape(raw int64) int64 {
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

// Shape returns what a channel with this rule sees of a pool sum of raw
// units.
func (r ChannelRule) Shape(raw int64) int64 { return r.shape(raw) }

// channelDeltas collects the changes of channel sums that one command
// causes, so that each (channel, SKU) is written once.
type channelDeltas struct {
	d []channelDelta
}

type channelDelta struct {
	ch    *Channel
	sku   omnikit.SKU
	delta int64
}

// add records that the ATP of sku at loc went from oldATP to newATP.
func (c *channelDeltas) add(cfg *config, sku omnikit.SKU, loc omnikit.LocationID, oldATP, newATP int64) {
	if oldATP == newATP {
		return
	}
	for _, ch := range cfg.byLocation[loc] {
		d := contribution(cfg, ch, loc, newATP) - contribution(cfg, ch, loc, oldATP)
		if d == 0 {
			continue
		}
		found := false
		for i := range c.d {
			if c.d[i].ch.ID == ch.ID && c.d[i].sku == sku {
				c.d[i].delta += d
				found = true
				break
			}
		}
		if !found {
			c.d = append(c.d, channelDelta{ch: ch, sku: sku, delta: d})
		}
	}
}

// apply writes the deltas in (SKU, channel) order and returns the channel
// levels whose shaped availability changed.
func (c *channelDeltas) apply(tx Tx) ([]ChannelLevel, error) {
	if len(c.d) == 0 {
		return nil, nil
	}
	if len(c.d) > 1 {
		sortDeltas(c.d)
	}
	var levels []ChannelLevel
	for _, d := range c.d {
		if d.delta == 0 {
			continue
		}
		raw, err := tx.AddChannelRaw(d.ch.ID, d.sku, d.delta)
		if err != nil {
			return nil, err
		}
		before, after := d.ch.Rule.shape(raw-d.delta), d.ch.Rule.shape(raw)
		if before != after {
			levels = append(levels, ChannelLevel{Channel: d.ch.ID, SKU: d.sku, Available: after})
		}
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
