package memory

import "github.com/omnikit/omnikit/inventory"

// A write transaction holds the store's one lock, and a hot SKU's
// commands wait for it in turn: what a command's transaction does is the
// part of it that two cores cannot share. Encoding its entry and its
// reservation record was about a third of a reservation's transaction on
// the hot-SKU benchmark. A Ledger has the parts of them known before the
// transaction encoded first, outside the lock (inventory.Preencoder);
// the transaction copies those bytes and encodes only what it computes:
// the entry's channel levels and flagged accounts, and the record's ID,
// which depends on where the table keeps it.
//
// Encoding outside the lock reads names without numbering anything: the
// pair numbers from names.sharedPairs and the ID prefix from
// names.sharedPrefix. A pair with no number yet makes Preencode* report
// false, and the transaction encodes everything, as Append and
// PutReservation do. Numbers are never taken back or changed, so bytes
// encoded before a transaction stay right whenever it runs; an ID encoded
// as a string before the prefix was set decodes to the same ID as one
// encoded by its counter.

var (
	_ inventory.Preencoder   = (*Inventory)(nil)
	_ inventory.PreencodedTx = (*memTx)(nil)
)

// PreencodeEntry appends to b the encoding of e's kind, time,
// reservation, reference, idempotency key and postings, for
// AppendPreencoded. It may be called without a transaction, from any
// goroutine; ok is false if a pair of e's accounts has no number yet.
func (s *Inventory) PreencodeEntry(b []byte, e *inventory.Entry) (_ []byte, ok bool) {
	return s.entries.names.appendEntryHead(b, e, true)
}

// PreencodeReservation appends to b the encoding of every field of r but
// its ID, for PutPreencodedReservation. It may be called without a
// transaction, from any goroutine; ok is false if the pair of one of r's
// lines has no number yet.
func (s *Inventory) PreencodeReservation(b []byte, r *inventory.Reservation) (_ []byte, ok bool) {
	return s.reservations.names.appendBody(b, r, true)
}

// AppendPreencoded is Append of e, whose head PreencodeEntry encoded.
func (t *memTx) AppendPreencoded(e *inventory.Entry, head []byte, balances []inventory.Balance) error {
	return t.append(e, head, balances)
}

// PutPreencodedReservation is PutReservation of r, whose body
// PreencodeReservation encoded.
func (t *memTx) PutPreencodedReservation(r *inventory.Reservation, body []byte) error {
	return t.putReservation(r, body)
}
