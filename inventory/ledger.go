package inventory

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnikit/omnikit"
)

// MaxQty is the largest quantity one line may carry. It keeps every sum far
// from int64 overflow.
const MaxQty = 1_000_000_000_000

// Options configure a Ledger. The zero value (or nil) uses the defaults.
type Options struct {
	// Clock gives the time of every entry and decides expiry. Default:
	// omnikit.RealClock.
	Clock omnikit.Clock
	// NewReservationID makes the ID of a reservation whose request names
	// none. Default: "res_" + a random prefix drawn at New + a counter in
	// 16 hexadecimal digits, so that one Ledger's IDs sort nearly in the
	// order it made them (a database index of them grows near its edge).
	// Nearly: concurrent commands take the counters in blocks of 16, so
	// that they do not all write one shared counter (with 32 callers on
	// two cores, its cache line moved between the cores on every
	// reservation, ~170 ns of each); an ID may sort before one made a
	// little earlier by another goroutine.
	NewReservationID func() ReservationID
	// GroupCommit batches concurrent commands into one store transaction;
	// it is on by default, except on a store that commits in memory (see
	// GroupCommit and InMemoryStore).
	GroupCommit GroupCommit
}

// Ledger is the unified stock ledger. It is safe for concurrent use; all
// its state lives in its Store, except the configuration of locations and
// channels, which it caches (see the package documentation).
type Ledger struct {
	store Store
	clock omnikit.Clock
	newID func() ReservationID
	// idPrefix and idSeq (below) make the default IDs (see newID);
	// idPrefix is "" if the options name a function.
	idPrefix string
	batch    *batcher // nil when group commit is disabled
	// inMemory is set when the store commits in memory and commands run
	// in their own Update, unbatched (see InMemoryStore).
	inMemory bool
	// pre is the store, when it encodes records before their
	// transaction (see Preencoder).
	pre Preencoder
	// direct is the store, when it runs reservations in one call (see
	// DirectReserver) and commands run unbatched.
	direct DirectReserver
	// settler is the store, when it also runs commits and releases in
	// one call (see DirectSettler); nil unless direct is set.
	settler DirectSettler

	// cfgMu orders configuration changes of locations and channels after
	// every command in flight: commands hold it shared, configuration
	// changes exclusively.
	cfgMu cfgLock
	cfg   *config
	skus  sync.Map // omnikit.SKU -> struct{}

	// nextDue is the earliest known deadline of an active reservation in
	// unix nanoseconds, 0 if none: reads expire due reservations lazily
	// when the clock has passed it.
	nextDue atomic.Int64

	// idSeq is the counter of the default IDs, which commands take in
	// blocks; it has cache lines of its own, apart from the fields every
	// command reads.
	_     [128]byte
	idSeq atomic.Uint64
	_     [128]byte
}

type config struct {
	locations map[omnikit.LocationID]Location
	channels  map[omnikit.ChannelID]Channel
	// byLocation lists, sorted by ID, the channels whose pool holds a
	// location, and whether it is a store: what a change of its stock
	// does to the channels, found with one lookup. Every defined
	// location has an entry.
	byLocation map[omnikit.LocationID]locChannels
}

type locChannels struct {
	chans   []*Channel
	store   bool // the location is a store, whose stock a channel's store threshold holds back
	defined bool // the location is defined (a command's check of it is this lookup)
}

func newConfig(locs []Location, chans []Channel) *config {
	c := &config{
		locations:  make(map[omnikit.LocationID]Location, len(locs)),
		channels:   make(map[omnikit.ChannelID]Channel, len(chans)),
		byLocation: make(map[omnikit.LocationID]locChannels),
	}
	for _, l := range locs {
		c.locations[l.ID] = l
		c.byLocation[l.ID] = locChannels{store: l.Type == TypeStore, defined: true}
	}
	ids := make([]omnikit.ChannelID, 0, len(chans))
	for _, ch := range chans {
		c.channels[ch.ID] = ch
		ids = append(ids, ch.ID)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ch := c.channels[id]
		for _, loc := range ch.Pool {
			at := c.byLocation[loc]
			at.chans = append(at.chans, &ch) // store and defined: set above
			c.byLocation[loc] = at
		}
	}
	return c
}

func (c *config) locationList() []Location {
	out := make([]Location, 0, len(c.locations))
	for _, l := range c.locations {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Location) int { return compareStr(string(a.ID), string(b.ID)) })
	return out
}

func (c *config) channelList() []Channel {
	out := make([]Channel, 0, len(c.channels))
	for _, ch := range c.channels {
		ch.Pool = slices.Clone(ch.Pool)
		out = append(out, ch)
	}
	slices.SortFunc(out, func(a, b Channel) int { return compareStr(string(a.ID), string(b.ID)) })
	return out
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// New opens a ledger on store, loading its configuration.
func New(ctx context.Context, store Store, opts *Options) (*Ledger, error) {
	if store == nil {
		return nil, invalid("store", "is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	l := &Ledger{store: store, clock: o.Clock, newID: o.NewReservationID}
	if l.clock == nil {
		l.clock = omnikit.RealClock
	}
	if l.newID == nil {
		l.idPrefix = "res_" + strconv.FormatUint(rand.Uint64(), 36) + "_"
		l.newID = func() ReservationID {
			var buf [64]byte
			return ReservationID(appendCounter(append(buf[:0], l.idPrefix...), l.idSeq.Add(1)))
		}
	}
	if useGroupCommit(store, o.GroupCommit) {
		l.batch = newBatcher(store, o.GroupCommit)
	} else if m, ok := store.(InMemoryStore); ok && m.CommitsInMemory() {
		l.inMemory = true
	}
	l.pre, _ = store.(Preencoder)
	if d, ok := store.(DirectReserver); ok && l.inMemory && l.pre != nil {
		l.direct = d
		l.settler, _ = store.(DirectSettler)
	}
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// useGroupCommit reports whether a Ledger on store batches its commands.
func useGroupCommit(store Store, gc GroupCommit) bool {
	if gc.Disabled {
		return false
	}
	if gc.MaxBatch != 0 || gc.Concurrency != 0 {
		return true
	}
	m, ok := store.(InMemoryStore)
	return !ok || !m.CommitsInMemory()
}

// exec runs a command's transaction function, batched with concurrent
// commands when group commit is on. fn must write nothing before it returns
// a refusal (see refused), so that a batch can carry on without it.
func (l *Ledger) exec(ctx context.Context, keys []Account, fn func(Tx) error) error {
	if l.batch == nil {
		return l.store.Update(ctx, keys, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.batch.do(ctx, keys, fn)
}

// Reload reads the configuration of locations, channels and SKUs from the
// store again. Call it in a process whose Ledger shares a database with
// another process that changed the configuration.
func (l *Ledger) Reload(ctx context.Context) error {
	var cfg Config
	var next time.Time
	var ok bool
	err := l.store.View(ctx, func(tx ReadTx) error {
		var err error
		if cfg, err = tx.Config(); err != nil {
			return err
		}
		next, ok, err = tx.NextExpiry()
		return err
	})
	if err != nil {
		return err
	}
	l.cfgMu.Lock()
	defer l.cfgMu.Unlock()
	l.cfg = newConfig(cfg.Locations, cfg.Channels)
	for _, s := range cfg.SKUs {
		l.skus.Store(s, struct{}{})
	}
	if ok {
		l.noteDeadline(next)
	}
	return nil
}

// Clock returns the ledger's clock.
func (l *Ledger) Clock() omnikit.Clock { return l.clock }

// Location returns a defined location.
//
// Errors: ErrUnknownLocation.
func (l *Ledger) Location(id omnikit.LocationID) (Location, error) {
	defer l.cfgMu.RLock().RUnlock()
	loc, ok := l.cfg.locations[id]
	if !ok {
		return Location{}, &UnknownError{Kind: "location", ID: string(id)}
	}
	return loc, nil
}

// Locations returns every defined location, sorted by ID.
func (l *Ledger) Locations() []Location {
	defer l.cfgMu.RLock().RUnlock()
	return l.cfg.locationList()
}

// Channel returns a defined channel.
//
// Errors: ErrUnknownChannel.
func (l *Ledger) Channel(id omnikit.ChannelID) (Channel, error) {
	defer l.cfgMu.RLock().RUnlock()
	ch, ok := l.cfg.channels[id]
	if !ok {
		return Channel{}, &UnknownError{Kind: "channel", ID: string(id)}
	}
	ch.Pool = slices.Clone(ch.Pool)
	return ch, nil
}

// Channels returns every defined channel, sorted by ID.
func (l *Ledger) Channels() []Channel {
	defer l.cfgMu.RLock().RUnlock()
	return l.cfg.channelList()
}

// KnowsSKU reports whether sku has been defined.
func (l *Ledger) KnowsSKU(sku omnikit.SKU) bool {
	_, ok := l.skus.Load(sku)
	return ok
}

func (l *Ledger) noteDeadline(t time.Time) {
	if t.IsZero() {
		return
	}
	n := t.UnixNano()
	for {
		cur := l.nextDue.Load()
		if cur != 0 && cur <= n {
			return
		}
		if l.nextDue.CompareAndSwap(cur, n) {
			return
		}
	}
}

// appendCounter appends c in 16 hexadecimal digits, so that the IDs one
// Ledger makes sort (nearly) in the order it made them: a database index
// of them then grows at its right edge instead of splitting pages all
// over.
func appendCounter(b []byte, c uint64) []byte {
	b = binary.BigEndian.AppendUint64(b, hexDigits(uint32(c>>32)))
	return binary.BigEndian.AppendUint64(b, hexDigits(uint32(c)))
}

// hexDigits returns the 8 lowercase hexadecimal digits of x as the bytes
// of a word, the first digit in its high byte: all eight at once, where a
// loop over the digits cost ~230 more instructions per ID.
func hexDigits(x uint32) uint64 {
	const ones = 0x0101010101010101
	v := uint64(x)
	// Spread the nibbles of x, high first, over the bytes of v.
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & (0x0f * ones)
	// A nibble n is '0'+n, or 'a'+n-10 = '0'+n+39 when n > 9 (n+6 then
	// sets the byte's bit 4); no byte carries into the next.
	letters := ((v + 6*ones) >> 4) & ones
	return v + '0'*ones + letters*39
}
