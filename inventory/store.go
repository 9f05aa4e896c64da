package inventory

import (
	"context"
	"time"

	"github.com/omnikit/omnikit"
)

// Store is the persistence a Ledger needs. The domain logic lives once, in
// the Ledger; a Store only gives it atomic, isolated read-modify-write
// transactions over named balances and keeps what they write. Adapters live
// under storage/ and are correct when they pass storage/storagetest.
//
// A Store must be safe for concurrent use.
type Store interface {
	// Update runs fn in one atomic, isolated transaction. Before fn runs,
	// the store locks the accounts in keys (sorted by Account.Compare, so
	// that two transactions cannot deadlock) and any row fn writes that is
	// tied to them: the reservations, safety stock and channel sums of
	// those accounts' SKUs and locations. If fn returns an error, nothing
	// fn wrote is kept and Update returns that error; otherwise everything
	// is persisted together or, if the commit fails, nothing is.
	//
	// fn may be called more than once when the store retries a transaction
	// after a serialization failure; it must have no effects outside tx.
	Update(ctx context.Context, keys []Account, fn func(tx Tx) error) error

	// View runs fn with a consistent read-only view.
	View(ctx context.Context, fn func(tx ReadTx) error) error
}

// InMemoryStore is an optional interface of a Store whose transactions
// commit in the process's memory, under a lock, with nothing durable to
// wait for (storage/memory). A Ledger on such a store runs each command
// directly in its own Update instead of batching it (see [GroupCommit]):
// batching saves durable commits, of which there are none, and costs every
// command a hand-off between goroutines. Such a store's Update must
// isolate every transaction whatever keys it names: the Ledger then does
// not read a reservation before committing or releasing it only to name
// its accounts. Like the optional interfaces of
// database/sql/driver, it is detected with a type assertion; a wrapper that
// embeds the Store interface hides it and gets group commit.
type InMemoryStore interface {
	Store
	// CommitsInMemory reports whether Update commits in memory.
	CommitsInMemory() bool
}

// Preencoder is an optional interface of a Store that keeps entries and
// reservations encoded (storage/memory). A command whose entry and
// reservation are known before its transaction (Reserve) has their
// encoding made first, outside the store's lock, and hands the bytes to
// its transaction (PreencodedTx), which copies them: on a store that
// serialises its writers, encoding is then work the other writers do not
// wait for. Like InMemoryStore, it is detected with a type assertion.
type Preencoder interface {
	// PreencodeEntry appends to b the store's encoding of e's Kind, At,
	// Reservation, Reference, IdempotencyKey and Postings; ok is false
	// when the store cannot encode them outside a transaction. It must be
	// safe to call from any goroutine, in or out of a transaction.
	PreencodeEntry(b []byte, e *Entry) (_ []byte, ok bool)
	// PreencodeReservation appends to b the store's encoding of every
	// field of r but ID, like PreencodeEntry.
	PreencodeReservation(b []byte, r *Reservation) (_ []byte, ok bool)
}

// PreencodedTx is the Tx of a Preencoder.
type PreencodedTx interface {
	// AppendPreencoded is Append of e, whose head is the bytes
	// PreencodeEntry returned for the same Kind, At, Reservation,
	// Reference, IdempotencyKey and Postings.
	AppendPreencoded(e *Entry, head []byte, balances []Balance) error
	// PutPreencodedReservation is PutReservation of *r, whose body is the
	// bytes PreencodeReservation returned for the same fields. The store
	// keeps nothing of r or body after it returns.
	PutPreencodedReservation(r *Reservation, body []byte) error
}

// Preloader is an optional interface of a ReadTx that can read the
// balances and safety stocks of many (SKU, location) pairs in one round
// trip (storage/postgres). Before reading many pairs (Ledger.ATPs) the
// Ledger calls Preload with the pairs (skus[i], locs[i]); the reads that
// follow are then answered from the transaction's memory. Like the
// optional interfaces of database/sql/driver, it is detected with a type
// assertion.
type Preloader interface {
	Preload(skus []omnikit.SKU, locs []omnikit.LocationID) error
}

// ReadTx is what a transaction can read. Methods that look up one record
// return ErrNotFound (possibly wrapped) when it does not exist.
type ReadTx interface {
	// Balance returns the balance of an account, 0 if it was never written.
	Balance(a Account) (int64, error)
	// SafetyStock returns the safety stock of a SKU at a location, 0 if unset.
	SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error)
	// Reservation returns a copy of the reservation.
	Reservation(id ReservationID) (Reservation, error)
	// Idempotency returns the record kept for key.
	Idempotency(key string) (IdempotencyRecord, error)
	// ChannelRaw returns the maintained unshaped sum for a channel and SKU.
	ChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error)
	// Entry returns the entry with the given sequence number.
	Entry(seq int64) (Entry, error)
	// Entries returns up to limit entries with Seq > after, in order.
	Entries(after int64, limit int) ([]Entry, error)
	// LastSeq returns the sequence number of the newest entry, 0 if none.
	LastSeq() (int64, error)
	// DueReservations returns up to limit active reservations whose
	// deadline is at or before now, earliest first.
	DueReservations(now time.Time, limit int) ([]ReservationID, error)
	// NextExpiry returns the earliest deadline of an active reservation.
	NextExpiry() (t time.Time, ok bool, err error)
	// Reservations calls fn for every reservation, in no set order.
	Reservations(fn func(Reservation) error) error
	// Balances calls fn for every account with a balance, in no set order.
	Balances(fn func(Balance) error) error
	// SafetyStocks calls fn for every safety stock that is set.
	SafetyStocks(fn func(SafetyStock) error) error
	// ChannelRaws calls fn for every maintained channel sum.
	ChannelRaws(fn func(ChannelRaw) error) error
	// Config returns the stored configuration.
	Config() (Config, error)
}

// Tx is a read-write transaction. Reads see the transaction's own writes.
type Tx interface {
	ReadTx
	// Append records e, assigning e.Seq (one more than the last), and sets
	// the listed accounts to their new balances. The store must not keep e,
	// its slices or balances after Append returns (encode or copy them):
	// the Ledger reuses their memory for later commands.
	Append(e *Entry, balances []Balance) error
	// PutReservation inserts or replaces a reservation.
	PutReservation(r Reservation) error
	// PutIdempotency records the result of a keyed command.
	PutIdempotency(rec IdempotencyRecord) error
	// AddChannelRaw adds delta to a channel's sum for a SKU and returns the new sum.
	AddChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, delta int64) (int64, error)
	// SetChannelRaw sets a channel's sum for a SKU.
	SetChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) error
	// SetSafetyStock sets (0 clears) the safety stock of a SKU at a location.
	SetSafetyStock(s SafetyStock) error
	// PutLocation inserts or replaces a location.
	PutLocation(l Location) error
	// PutChannel inserts or replaces a channel.
	PutChannel(c Channel) error
	// PutSKUs defines SKUs; defining one twice is not an error.
	PutSKUs(skus []omnikit.SKU) error
}
