// Package memory holds in-memory implementations of omnikit's domain Store
// interfaces: for tests, examples, and services that keep their state
// elsewhere and rebuild it at start. Nothing survives the process.
//
// [Inventory] implements inventory.Store. One mutex serialises writers and
// readers share it, which makes every transaction isolated whatever
// accounts it names; a failed transaction is undone from an undo log before
// the lock is released. Values are copied in and out, so a caller can never
// change stored state through a slice it passed or received. The entries of
// the ledger and the reservations, active or ended, are kept encoded in
// pointer-free byte chunks: they only grow, and Go values would make every
// garbage collection mark all of them. Times of stored reservations are
// returned in UTC, without a monotonic reading, as from a database. The
// balances and safety stock of a SKU at a location share one record.
//
// # Performance
//
// A reservation on one hot SKU is the case the store is tuned for (see
// BENCHMARKS.md at the module's root for figures and the commands that
// measure them); what it does, and why:
//
//   - Records hold numbers, not strings: a names table numbers every (SKU,
//     location), (channel, SKU) and the prefix of the Ledger's own
//     reservation IDs, so an entry of a reservation takes ~35 bytes and a
//     reservation record ~45, where encoding the strings took ~90 and ~75.
//   - A reservation whose ID has the shape a Ledger makes by default
//     (prefix, "_", a counter in 16 lowercase hexadecimal digits) is found
//     by its counter in an array that grows at its end; any other ID by a
//     hash of it. A hash index of millions of IDs cost a cache miss per new
//     reservation and rehashed them all as it grew.
//   - Records are encoded in place at the end of their chunk, and the next
//     chunk's pages are written by a goroutine while the current one fills:
//     a page fault per 4 KiB of fresh memory was ~40% of appending an entry
//     under the lock.
//   - The last record found of a pair and of a channel sum is remembered
//     from one write transaction to the next (on a hot SKU, the same).
//   - Undo records are 40 bytes, and the undo log is the write
//     transaction's, which is pooled and taken before the lock, on the
//     caller's processor: its memory is in that core's cache. One log kept
//     in the store moved between the cores with the lock, and its writes
//     missed the cache (lines writing undo records were 5.5% of a
//     32-caller reservation's profile, 4.2% after, the rest being the
//     misses on the records they read).
//   - A reservation's entry (but for its channel levels) and its record
//     (but for its ID) are encoded before the transaction, outside the
//     lock, by [Inventory.Preencode] (inventory.Preencoder); the
//     transaction copies the bytes. Encoding was about a third of a
//     reservation's transaction; done outside the lock it runs on the
//     other core while a transaction holds the lock (see preencode.go).
//     The record's bytes start with the ID's counter, read once there,
//     so the transaction does not parse the ID to find its place.
//   - A reservation runs in one call,
//     [Inventory.ReserveDirect] (inventory.DirectReserver), not through
//     Update: under the lock it reads each line's balance and safety
//     stock, calls the Ledger's check, and writes the balances, the
//     channel sums, the entry and the record. Nothing after the check
//     can fail, so it keeps no undo log. Under the lock that is ~1,550
//     instructions where the generic path's transaction took ~3,600
//     (interface calls, undo records, balance lists), and a whole
//     reservation ~5,100 where it took ~7,900 (with the changes of the
//     same round in the Ledger).
//   - A commit or a release runs in one call too,
//     [Inventory.SettleDirect] (inventory.DirectSettler): it decodes
//     the reservation into the command's buffers, keeping the pair
//     numbers its record holds, and encodes the entry and the changed
//     record from those numbers, with no lookup of a name. A commit's
//     transaction took ~7,000 instructions under the lock through
//     Update, ~3,000 this way. A command with an idempotency key takes
//     the same path and records its key; one whose key is recorded
//     already (a retry) writes nothing there, and the Ledger replays it
//     through Update.
//   - A writer tries the lock for a few microseconds before it parks, so
//     that with many callers the lock passes to a goroutine running on
//     another core while the last holder finishes its command outside
//     the lock (sync.Mutex alone let one core run nearly every command).
//
// A transaction still runs under the one write lock, so on a hot SKU a
// second core gains only the part of a command that runs outside it. With
// many callers the transaction also takes longer than alone (a
// reservation's ~440 ns alone, 725-1,000 ns with 32 callers on a 2-core
// AMD EPYC machine), since the records it writes move between the cores'
// caches with the lock; a faster hot SKU needs less work on both sides of
// the lock. Having the lock holder run the reservations queued by the
// waiters (combining) kept those records in one cache, but was no faster
// (BENCHMARKS.md).
//
// The store passes the whole storage/storagetest conformance suite; its own
// conformance test is one call.
package memory
