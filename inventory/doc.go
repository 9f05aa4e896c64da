// Package inventory is omnikit's unified stock ledger: one book of stock for
// every store, warehouse, dark store, in-transit and marketplace location,
// which every channel consults and which never oversells.
//
// # The ledger
//
// Stock is kept as a double-entry ledger of units. An [Account] is a SKU at
// a location in a [Bucket]: [Sellable], [Reserved], [Quarantine] or
// [InTransit] (kept at the destination, with the origin as Peer). The world
// accounts [Supplier], [Customer] and [Shrinkage] stand for the outside of
// the network. Every change is an immutable [Entry] of postings that move a
// positive quantity of one SKU from one account to another, so the balances
// of a SKU, world accounts included, always sum to zero. Running balances
// are kept for speed; [Ledger.Verify] replays every entry and checks them.
//
//	Receive        supplier   -> sellable
//	Reserve        sellable   -> reserved
//	Commit         reserved   -> customer     (shipped or handed over)
//	Release/expire reserved   -> sellable
//	Sell (till)    sellable   -> customer
//	TransferOut    sellable(A) -> in_transit(B<-A)
//	TransferIn     in_transit(B<-A) -> sellable(B)
//	Return         customer   -> quarantine or sellable
//	Restock        quarantine -> sellable
//	WriteOff       quarantine -> shrinkage
//	Count, Adjust  shrinkage <-> sellable
//
// World accounts are kept per SKU and location rather than per SKU, so that
// commands at different locations never contend on one shared balance; the
// sum is the same.
//
// # Authorizing and recording writes
//
// Reserve, TransferOut, TransferIn, Restock, WriteOff, Commit and Release are
// authorizing writes: they are refused with a [*ShortageError] naming every
// short line (lines on the same SKU and location summed first) rather than
// drive their bucket below zero — or, for a reservation, below the safety
// stock. Receive, Sell, Return, Count and Adjust record what physically
// happened and are never refused for stock: a till sale the book cannot
// cover drives sellable negative, the entry lists the account in Flagged,
// [Ledger.Discrepancies] lists it until a count or receipt repairs it, and
// availability counts the negative balance as zero.
//
// # Reservations
//
// A [Reservation] is multi-line, all or nothing, bound to locations, owned
// by a cart, order or transfer, and may carry a deadline. It may be
// committed or released in parts, and ends exactly once: Committed when its
// last open unit is committed, Released when its last open unit is released,
// Expired at its deadline. Expiry is exact, whenever a sweep runs: a
// reservation is never committed at or after its deadline (the commit
// expires it instead and returns an error matching [ErrReservationExpired])
// and never expired before it. [Ledger.ExpireDue] sweeps; reads expire due
// reservations lazily first, at the cost of one atomic load when nothing is
// due; and a reservation refused only because of units held past their
// deadline expires them and tries again.
//
// # Availability and channels
//
// Available to promise (ATP) at a location is sellable less safety stock,
// never below zero. A [Channel] sees the sum over the locations of its pool,
// shaped by its [ChannelRule]: a store contributes only the units above the
// rule's StoreThreshold (the last units stay on the shelf for walk-in
// customers); the sum is then reduced by a percentage buffer (rounding the
// shown units down) and a fixed buffer, never below zero, and capped. The sum
// per channel and SKU is maintained incrementally by every command that moves
// sellable stock, in the same transaction, so [Ledger.ChannelAvailability]
// and [Ledger.ChannelAvailabilities] read one stored number per SKU and never
// scan the ledger.
//
// # Change feed
//
// Entries are numbered from 1 without gaps in commit order, and each carries
// the channel availabilities it changed. [Ledger.Changes] reads them from a
// cursor: a marketplace feed, search index or cache keeps the Seq of the last
// entry it handled. Entries and the balances they change are written in one
// transaction, so the feed neither loses nor invents a change. Configuration
// changes that move channel availability (a safety stock, a channel's pool or
// rule) append an entry too.
//
// # Idempotency
//
// Every command takes an optional idempotency key. A command with a key is
// applied at most once: a retry with the same input returns the first result
// (the same entry, or the same reservation as it is now), and the same key
// with another input returns an [*IdempotencyConflictError]. Unlike
// TigerBeetle, a command that failed does not consume its key: nothing of it
// was written, so a retry after a restock may succeed, and a caller that lost
// the reply of a failed command can only learn the outcome by retrying.
//
// # Storage
//
// The logic lives once, here; a [Store] gives the ledger atomic, isolated
// read-modify-write transactions over the accounts a command names (locked
// in sorted order so that two multi-line commands cannot deadlock) and keeps
// what they write. Adapters live under storage/ (memory, sqlite, postgres)
// and are correct when they pass storage/storagetest.
//
// # Group commit
//
// Concurrent commands are batched into one store transaction (see
// [GroupCommit]), so that one durable commit carries many reservations of a
// hot SKU. Each command still succeeds or fails on its own: every command
// is checked before it writes anything, so a shortage leaves its neighbours
// in the batch untouched. Batching lives here, once, and serves every
// adapter that writes to a database. A store that commits in memory says so
// by implementing [InMemoryStore]; on it commands are not batched but run
// directly, one Update each, under the store's lock: there is no durable
// commit to share, and a hand-off to a batch leader would cost more than
// the command itself (see [GroupCommit] to turn batching on anyway). Such a
// store may also take the transaction of a reservation, a commit or a
// release as data ([DirectReserver], [DirectSettler]): it reads the
// numbers, the Ledger decides (ReserveOp.Check, SettleOp.Check), and the
// store writes, in one call, without a transaction function, a Tx or an
// undo log. A settle command works out its units and its entry with the
// same code on both paths; the checks of balances and the channel sums
// are made again from the numbers the store read (the generic path makes
// them in postWith), and storage/memory's tests compare the two paths
// command by command.
//
// A Ledger caches the definitions of locations, channels and SKUs, and
// orders changes of locations and channels after the commands in flight.
// Several processes may share one database, but a definition made by one is
// seen by the others only after [Ledger.Reload]; safety stocks are read from
// the store in each transaction and need no reload.
//
// # Errors
//
// Bad input is refused before anything is written, with an error matching
// [ErrInvalidInput] (a [*ValidationError] naming the field),
// [ErrUnknownLocation], [ErrUnknownSKU] or [ErrUnknownChannel] (an
// [*UnknownError]). Shortages match [ErrInsufficientStock]
// ([*ShortageError]); a settled, released or expired reservation
// [ErrReservationEnded] ([*ReservationEndedError]); a commit or release of
// more than is open [ErrExceedsReserved] ([*ExceedsReservedError]); a reused
// key [ErrIdempotencyConflict]; a missing reservation [ErrNotFound]; an
// inconsistent store [ErrVerifyFailed] ([*VerifyError]). Errors from the
// store are returned as they are.
package inventory
