package inventory

import (
	"sync"
	"testing"
)

// TestCfgLockWriterExcludesEveryShard checks that a configuration change
// excludes readers whatever shard they take, and that readers of different
// shards do not exclude each other.
func TestCfgLockWriterExcludesEveryShard(t *testing.T) {
	var c cfgLock
	c.Lock()
	for i := range c.shards {
		if c.shards[i].TryRLock() {
			t.Fatalf("shard %d: a reader got in while a writer held the lock", i)
		}
	}
	c.Unlock()

	// Readers from many goroutines hold their shards at once; a writer
	// then cannot take any shard they hold.
	const readers = 64
	held := make(chan *cfgShard, readers)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := c.RLock()
			held <- s
			<-release
			s.RUnlock()
		}()
	}
	used := map[*cfgShard]bool{}
	for range readers {
		s := <-held
		ours := false
		for i := range c.shards {
			ours = ours || s == &c.shards[i]
		}
		if !ours {
			t.Fatal("RLock returned a shard that is not the lock's")
		}
		used[s] = true
	}
	for s := range used {
		if s.TryLock() {
			t.Fatal("a writer took a shard a reader holds")
		}
	}
	close(release)
	wg.Wait()
	if !c.shards[0].TryLock() {
		t.Fatal("shard 0 still held after every reader left")
	}
	c.shards[0].Unlock()
}
