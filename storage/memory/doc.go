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
// The store passes the whole storage/storagetest conformance suite; its own
// conformance test is one call.
package memory
