package postgres

import (
	"fmt"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/internal/codec"
)

// Entries and reservations are stored as bodies in the encoding of package
// codec, shared with the other adapters: an entry's body holds everything
// but its seq, a reservation's everything but its id. The kind, state and
// expires_at columns repeat what the queries filter on.

func decodeEntry(seq int64, body []byte) (inventory.Entry, error) {
	e, err := codec.DecodeEntry(body)
	if err != nil {
		return inventory.Entry{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	e.Seq = seq
	return e, nil
}

func decodeReservation(id string, body []byte) (inventory.Reservation, error) {
	r, err := codec.DecodeReservation(body)
	if err != nil {
		return inventory.Reservation{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	r.ID = inventory.ReservationID(id)
	return r, nil
}
