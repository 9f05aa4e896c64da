package inventory

import (
	"sync"
	"sync/atomic"
)

// cfgLock is the readers-writer lock that orders configuration changes
// after the commands in flight. Every command takes it shared, so a
// single sync.RWMutex made each command write its one reader count: on
// two cores that cache line went back and forth between them, ~15% of a
// reservation on the memory store's hot-SKU benchmark. cfgLock spreads
// its readers over shards, each on its own cache lines; a reader takes
// the shard of a token drawn from a sync.Pool, whose Get and Put stay on
// the current processor without writing shared memory, so the readers of
// one processor keep to one shard (a pooled command that keeps a shard of
// its own takes that one: RLockShard). A writer (a configuration change,
// which is rare) takes every shard, in order.
type cfgLock struct {
	// The padding keeps the first shard off the cache line of the fields
	// before it (a Ledger's, read by every command).
	_      [128]byte
	shards [cfgShards]cfgShard
	tokens sync.Pool // of *cfgToken
	next   atomic.Uint32
}

const cfgShards = 16

// cfgShard is one shard, padded so that two never share a cache line (or
// the pair of lines some processors fetch together).
type cfgShard struct {
	sync.RWMutex
	_ [128]byte
}

type cfgToken struct{ shard uint32 }

// RLock takes a shard shared and returns it, for RUnlock:
//
//	defer l.cfgMu.RLock().RUnlock()
func (c *cfgLock) RLock() *cfgShard {
	t, _ := c.tokens.Get().(*cfgToken)
	if t == nil {
		t = &cfgToken{shard: c.next.Add(1) % cfgShards}
	}
	s := &c.shards[t.shard]
	c.tokens.Put(t)
	s.RLock()
	return s
}

// RLockShard takes shard i (modulo the number of shards) shared and
// returns it, for RUnlock. A pooled command keeps its own shard number,
// drawn once by nextShard, and saves RLock's token (a sync.Pool's Get
// and Put, ~230 instructions).
func (c *cfgLock) RLockShard(i uint32) *cfgShard {
	s := &c.shards[i%cfgShards]
	s.RLock()
	return s
}

// shardSeq numbers the shards of pooled commands (see RLockShard).
var shardSeq atomic.Uint32

// nextShard returns the shard number of a new pooled command.
func nextShard() uint32 { return shardSeq.Add(1) }

// Lock takes every shard exclusively.
func (c *cfgLock) Lock() {
	for i := range c.shards {
		c.shards[i].Lock()
	}
}

// Unlock releases what Lock took.
func (c *cfgLock) Unlock() {
	for i := range c.shards {
		c.shards[i].Unlock()
	}
}
