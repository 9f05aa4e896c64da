// Package storagetest is the one conformance suite that every omnikit
// storage adapter runs. An adapter is correct when it passes it; a change of
// behaviour extends this suite, not one adapter's tests.
//
// An adapter's whole conformance test is one call:
//
//	func TestInventoryConformance(t *testing.T) {
//		storagetest.RunInventory(t, storagetest.InventoryHarness{
//			NewStore: func(tb testing.TB) inventory.Store { return mystore.New(tb) },
//		})
//	}
//
// [RunInventory] runs, against stores the harness makes:
//
//   - Scenarios: every ledger operation, its typed errors, exact expiry,
//     idempotent retries, channel rules, the change feed, and bad input that
//     must write nothing;
//   - Model: a rapid state-machine test of random sequences of every
//     operation and clock advances against a plain Go model, checking after
//     each step that no authorizing write oversells, units are conserved,
//     Verify is clean, retries apply once, each reservation ends exactly
//     once and channel availability equals a from-scratch recomputation;
//   - Concurrency: many goroutines reserving and committing multi-line
//     reservations in opposite orders on one hot SKU and on random SKUs,
//     then zero oversell and a clean Verify (run it with -race);
//   - Linearizable: concurrent single-SKU histories checked with porcupine
//     against a sequential model, partitioned per SKU;
//   - GroupCommit: concurrent commands share store transactions, and a
//     shortage among them fails only itself;
//   - Faults: through a fault-injecting wrapper, a failed commit leaves
//     nothing behind, and a reply lost after a commit is answered by a
//     retry with the same idempotency key that applies nothing twice;
//   - Reconnect (when the harness can Reopen): idempotency records,
//     reservations with their deadlines and the feed survive a reopen;
//   - Contention: hundreds of callers on one SKU sell exactly its stock,
//     and a thousand callers (far above any connection pool) finish with a
//     clean Verify.
//
// [BenchmarkInventory] measures an adapter under the ledger next to a
// naive baseline measured in the same run.
package storagetest
