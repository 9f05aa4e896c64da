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
// its transaction (PreencodedTx or DirectReserver), which copies them: on
// a store that serialises its writers, encoding is then work the other
// writers do not wait for. Like InMemoryStore, it is detected with a type
// assertion.
type Preencoder interface {
	// Preencode appends to head the store's encoding of e's Kind, At,
	// Reservation, Reference, IdempotencyKey and Postings, and to body
	// its encoding of r, the reservation e makes (r.ID is
	// e.Reservation); ok is false, and nothing is appended, when the
	// store cannot encode them outside a transaction. It must be safe to
	// call from any goroutine, in or out of a transaction.
	Preencode(head, body []byte, e *Entry, r *Reservation) (_, _ []byte, ok bool)
}

// PreencodedTx is the Tx of a Preencoder.
type PreencodedTx interface {
	// AppendPreencoded is Append of e, whose head is the bytes Preencode
	// returned for the same Kind, At, Reservation, Reference,
	// IdempotencyKey and Postings.
	AppendPreencoded(e *Entry, head []byte, balances []Balance) error
	// PutPreencodedReservation is PutReservation of *r, whose body is the
	// bytes Preencode returned for the same reservation. The store keeps
	// nothing of r or body after it returns.
	PutPreencodedReservation(r *Reservation, body []byte) error
}

// DirectReserver is an optional interface of an InMemoryStore that is a
// Preencoder (storage/memory). It runs the transaction of a Reserve in
// one call, from a description of it, instead
// of calling a transaction function that reads and writes through a Tx:
// on a store whose writers share one lock, that transaction is the part
// of a reservation that two cores cannot run at once, and most of its
// work was the generic path (interface calls, an undo log for writes that
// cannot fail, balance lists) rather than the reads and writes
// themselves. The Ledger still decides: the store reads the numbers,
// calls op.Check, and writes what Check allows. Like InMemoryStore, it is
// detected with a type assertion; a Ledger with group commit on does not
// use it. A wrapper that embeds such a store's concrete type to change
// its Update must wrap ReserveDirect too (or hide it, by embedding the
// Store interface instead): the Ledger runs those reservations through
// ReserveDirect, never through Update.
type DirectReserver interface {
	// ReserveDirect runs op in one atomic, isolated transaction. If it
	// holds an idempotency record of op.Key, it sets op.Replayed and
	// writes nothing. It refuses a Named reservation whose ID it holds
	// with an error matching ErrReservationExists; otherwise it sets
	// op.Sellable[i]
	// and op.Safety[i] to the sellable balance and the safety stock of
	// line i of op.Reservation, and calls op.Check. If Check returns an
	// error, ReserveDirect returns it and writes nothing. Otherwise it
	// moves each line's units from the pair's sellable to its reserved
	// account, adds each of op.Changes to its channel sum, appends the
	// entry of op.Head with the channel levels the changes cause (see
	// ChannelChange.Level), puts the reservation from op.Body, records
	// op.Key (if any) with op.Fingerprint, the entry and the
	// reservation, and sets op.Seq to the entry's sequence number:
	// exactly what a Reserve's transaction function writes through a Tx.
	ReserveDirect(ctx context.Context, op *ReserveOp) error
}

// ReserveOp is a reservation's transaction, for a DirectReserver. The
// Ledger sets Reservation, Named, Key, Fingerprint, Head, Body and Check;
// the store sets Replayed, or Sellable and Safety before it calls Check,
// and Seq; Check sets Changes.
// The slices are the Ledger's buffers, reused by later reservations: the
// store keeps none of them.
type ReserveOp struct {
	// Reservation is the new reservation; its lines are on distinct
	// (SKU, location) pairs.
	Reservation *Reservation
	// Named says the ID is the caller's, which may be taken; the IDs a
	// Ledger makes are unique.
	Named bool
	// Key and Fingerprint are the request's idempotency key ("" for
	// none) and the fingerprint of its input (see IdempotencyRecord).
	Key, Fingerprint string
	// Replayed is set by the store when Key is already recorded: it then
	// writes nothing, and the Ledger replays the request through its
	// transaction function.
	Replayed bool
	// Head and Body are Preencode's encodings of the reservation's entry
	// (kind KindReserve, each line's units from Sellable to Reserved) and
	// of Reservation.
	Head, Body []byte
	// Check decides under the store's lock, from Sellable and Safety,
	// whether the reservation is made: it returns a *ShortageError, or
	// nil and sets Changes.
	Check func(op *ReserveOp) error
	// Sellable and Safety hold, for each line of Reservation, the pair's
	// sellable balance and safety stock before the reservation.
	Sellable, Safety []int64
	// Changes are the channel sums the reservation changes, in the order
	// of SKU, then channel.
	Changes []ChannelChange
	// Levels is a buffer the store may use for the entry's channel
	// levels.
	Levels []ChannelLevel
	// Seq is the sequence number of the reservation's entry.
	Seq int64
}

// ChannelChange is a change of a channel's maintained sum for a SKU (see
// ReserveOp).
type ChannelChange struct {
	Channel omnikit.ChannelID
	SKU     omnikit.SKU
	Delta   int64
	// Rule is the channel's rule, which shapes the sum into what the
	// channel shows.
	Rule ChannelRule
}

// Level returns the channel level an entry records when the change takes
// the channel's sum to raw, and whether it records one: only when the
// channel's shaped availability changes.
func (c *ChannelChange) Level(raw int64) (ChannelLevel, bool) {
	after := c.Rule.Shape(raw)
	if c.Rule.Shape(raw-c.Delta) == after {
		return ChannelLevel{}, false
	}
	return ChannelLevel{Channel: c.Channel, SKU: c.SKU, Available: after}, true
}

// DirectSettler is an optional interface of a DirectReserver
// (storage/memory). It runs the transaction of a Commit or a Release in
// one call, as ReserveDirect runs a Reserve's: the store reads the reservation and its lines' balances,
// the Ledger's op.Check decides, and the store writes what Check allows.
// Through a Tx, a commit's transaction decoded the whole reservation and
// encoded its entry and the changed reservation through the generic
// path, all under the store's lock: ~7,000 instructions, where a
// reservation's took ~1,550; in one call, ~3,000. A Ledger uses it when
// it uses the DirectReserver; the caveat for wrappers there holds here
// too.
type DirectSettler interface {
	// SettleDirect runs op in one atomic, isolated transaction. If it
	// holds an idempotency record of op.Key, it sets op.Replayed and
	// writes nothing. It returns an error matching ErrNotFound if the
	// store holds no reservation op.ID. Otherwise it sets op.Reservation to it (but for
	// its Owner and CreatedAt, which it leaves empty and keeps as
	// stored) and, for each of its lines, op.Sellable[i], op.Reserved[i]
	// and op.Safety[i] to the pair's sellable and reserved balances and
	// safety stock, and calls op.Check. If Check returns an error, SettleDirect returns it
	// and writes nothing. Otherwise it moves op.Qty[i] units of each line
	// from the pair's reserved account to its op.To account, adds each of
	// op.Changes to its channel sum, appends op.Entry with the channel
	// levels the changes cause (see ChannelChange.Level) as its
	// Availability, sets op.Entry.Seq, stores op.Reservation as Check
	// left it, and records op.Key (if any) with op.Fingerprint, the entry
	// and the reservation: exactly what the transaction function of a
	// Commit or a Release writes through a Tx.
	SettleDirect(ctx context.Context, op *SettleOp) error
}

// SettleOp is the transaction of a Commit or a Release, for a
// DirectSettler. The Ledger sets ID, Key, Fingerprint and Check; the
// store sets Replayed, or Reservation, Sellable, Reserved and Safety
// before it calls Check; Check sets Qty, To, Entry and Changes, and
// changes Reservation. The slices are the Ledger's buffers, reused by
// later commands: the store keeps none of them.
type SettleOp struct {
	// ID is the reservation to settle.
	ID ReservationID
	// Key, Fingerprint and Replayed are as in ReserveOp.
	Key, Fingerprint string
	Replayed         bool
	// Reservation is the stored reservation, without its Owner and
	// CreatedAt (which the store keeps as they are); Check changes its
	// lines' Committed or Released, and its State and EndedAt when it
	// ends.
	Reservation Reservation
	// Sellable, Reserved and Safety hold, for each line of Reservation,
	// the pair's sellable and reserved balances and safety stock.
	Sellable, Reserved, Safety []int64
	// Check decides under the store's lock whether the command settles
	// the reservation and by how much: it returns an error, or nil and
	// sets the fields below.
	Check func(op *SettleOp) error
	// Qty holds, for each line of Reservation, the units that leave the
	// pair's reserved account for its To account (Customer for a
	// commit, Sellable for a release); 0 for a line not settled.
	Qty []int64
	To  Bucket
	// Entry is the command's entry: its postings move Qty, in the order
	// of the lines, and its Availability is left to the store.
	Entry Entry
	// Changes are the channel sums the command changes, in the order of
	// SKU, then channel.
	Changes []ChannelChange
	// Levels and Buf are buffers the store may use, for the entry's
	// channel levels and for encoding: the command's, which its caller's
	// core has in its cache.
	Levels []ChannelLevel
	Buf    []byte
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
