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
// which depends on where the table keeps it (the record's bytes start
// with the ID's counter, when it has one, so that the transaction need
// not parse the ID to find that place; see preencodeBody).
//
// Encoding outside the lock reads names without numbering anything: the
// pair numbers from names.sharedPairs and the ID prefix from
// names.sharedPrefix. A pair with no number yet makes Preencode report
// false, and the transaction encodes everything, as Append and
// PutReservation do. Numbers are never taken back or changed, so bytes
// encoded before a transaction stay right whenever it runs; an ID encoded
// as a string before the prefix was set decodes to the same ID as one
// encoded by its counter.

var (
	_ inventory.Preencoder   = (*Inventory)(nil)
	_ inventory.PreencodedTx = (*memTx)(nil)
)

// Preencode appends to head the encoding of e's kind, time, reservation,
// reference, idempotency key and postings, for AppendPreencoded, and to
// body the encoding of every field of r but its ID, after the place of
// the ID (see preencodeBody), for PutPreencodedReservation and
// ReserveDirect. It may be called without a transaction, from any
// goroutine; ok is false, with nothing appended, if a pair of e's
// accounts or r's lines has no number yet. The reservation's ID, which
// both encode, is read once.
func (s *Inventory) Preencode(head, body []byte, e *inventory.Entry, r *inventory.Reservation) (_, _ []byte, ok bool) {
	n := s.names // not s.entries.names: see Inventory.names
	prefix := n.sharedIDPrefix()
	id := shapeOf(r.ID, prefix)
	eid := id
	if e.Reservation != r.ID {
		eid = shapeOf(e.Reservation, prefix)
	}
	h, ok := n.appendEntryHead(head, e, true, eid)
	if !ok {
		return head, body, false
	}
	b, ok := n.preencodeBody(body, r, id)
	if !ok {
		return head, body, false
	}
	return h, b, true
}

// AppendPreencoded is Append of e, whose head Preencode encoded.
func (t *memTx) AppendPreencoded(e *inventory.Entry, head []byte, balances []inventory.Balance) error {
	return t.append(e, head, balances)
}

// PutPreencodedReservation is PutReservation of r, whose body Preencode
// encoded.
func (t *memTx) PutPreencodedReservation(r *inventory.Reservation, body []byte) error {
	return t.putReservation(r, body)
}
