package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/internal/codec"
)

// readTx reads with plain SQL on one connection inside an open
// transaction. It is View's transaction, and the fallback of the write
// transaction for what its overlay does not hold.
type readTx struct {
	ctx    context.Context
	c      *dbConn
	closed bool
}

func (t *readTx) check() error {
	if t.closed {
		return errTxClosed
	}
	return nil
}

func (t *readTx) row(q int, args ...any) (*sql.Row, error) {
	st, err := t.c.stmt(t.ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(t.ctx, args...), nil
}

// each runs query q and calls scan for every row.
func (t *readTx) each(op string, q int, scan func(*sql.Rows) error, args ...any) error {
	st, err := t.c.stmt(t.ctx, q)
	if err != nil {
		return translate(op, err)
	}
	rows, err := st.QueryContext(t.ctx, args...)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

// scanInt reads one integer, with def for no row.
func (t *readTx) scanInt(op string, q int, def int64, args ...any) (int64, error) {
	r, err := t.row(q, args...)
	if err != nil {
		return 0, translate(op, err)
	}
	var v int64
	err = r.Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, translate(op, err)
}

func (t *readTx) Balance(a inventory.Account) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.balance(a)
}

func (t *readTx) balance(a inventory.Account) (int64, error) {
	return t.scanInt("balance", qBalance, 0, string(a.SKU), string(a.Location), int64(a.Bucket), string(a.Peer))
}

func (t *readTx) SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.safetyStock(sku, loc)
}

func (t *readTx) safetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	return t.scanInt("safety stock", qSafety, 0, string(sku), string(loc))
}

func (t *readTx) ChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.channelRaw(ch, sku)
}

func (t *readTx) channelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	return t.scanInt("channel sum", qRaw, 0, string(ch), string(sku))
}

func (t *readTx) Reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	if err := t.check(); err != nil {
		return inventory.Reservation{}, err
	}
	return t.reservation(id)
}

func (t *readTx) reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	r, err := t.row(qReservation, string(id))
	if err != nil {
		return inventory.Reservation{}, translate("reservation", err)
	}
	var owner, state string
	var exp, created, ended *int64
	var lines []byte
	if err := r.Scan(&owner, &state, &exp, &created, &ended, &lines); err != nil {
		return inventory.Reservation{}, translate(fmt.Sprintf("reservation %q", id), err)
	}
	return makeReservation(string(id), owner, state, exp, created, ended, lines)
}

func makeReservation(id, owner, state string, exp, created, ended *int64, lines []byte) (inventory.Reservation, error) {
	ls, err := codec.DecodeReservationLines(lines)
	if err != nil {
		return inventory.Reservation{}, fmt.Errorf("sqlite: reservation %q: %w", id, err)
	}
	return inventory.Reservation{
		ID: inventory.ReservationID(id), Owner: owner, State: inventory.ReservationState(state), Lines: ls,
		ExpiresAt: fromNanos(exp), CreatedAt: fromNanos(created), EndedAt: fromNanos(ended),
	}, nil
}

func (t *readTx) Idempotency(key string) (inventory.IdempotencyRecord, error) {
	if err := t.check(); err != nil {
		return inventory.IdempotencyRecord{}, err
	}
	return t.idempotency(key)
}

func (t *readTx) idempotency(key string) (inventory.IdempotencyRecord, error) {
	r, err := t.row(qIdem, key)
	if err != nil {
		return inventory.IdempotencyRecord{}, translate("idempotency", err)
	}
	rec := inventory.IdempotencyRecord{Key: key}
	var res string
	if err := r.Scan(&rec.Fingerprint, &rec.Seq, &res); err != nil {
		return inventory.IdempotencyRecord{}, translate("idempotency record", err)
	}
	rec.Reservation = inventory.ReservationID(res)
	return rec, nil
}

func (t *readTx) Entry(seq int64) (inventory.Entry, error) {
	if err := t.check(); err != nil {
		return inventory.Entry{}, err
	}
	return t.entry(seq)
}

func (t *readTx) entry(seq int64) (inventory.Entry, error) {
	r, err := t.row(qEntry, seq)
	if err != nil {
		return inventory.Entry{}, translate("entry", err)
	}
	var data []byte
	if err := r.Scan(&data); err != nil {
		return inventory.Entry{}, translate(fmt.Sprintf("entry %d", seq), err)
	}
	return decodeEntry(seq, data)
}

func (t *readTx) Entries(after int64, limit int) ([]inventory.Entry, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.entries(after, limit)
}

func (t *readTx) entries(after int64, limit int) ([]inventory.Entry, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []inventory.Entry
	err := t.each("entries", qEntries, func(rows *sql.Rows) error {
		var seq int64
		var data []byte
		if err := rows.Scan(&seq, &data); err != nil {
			return translate("entries", err)
		}
		e, err := decodeEntry(seq, data)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, max(after, 0), limit)
	return out, err
}

func (t *readTx) LastSeq() (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.lastSeq()
}

func (t *readTx) lastSeq() (int64, error) {
	return t.scanInt("last sequence", qLastSeq, 0)
}

func (t *readTx) DueReservations(now time.Time, limit int) ([]inventory.ReservationID, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.dueReservations(now, limit)
}

func (t *readTx) dueReservations(now time.Time, limit int) ([]inventory.ReservationID, error) {
	if limit <= 0 {
		return nil, nil
	}
	var n int64
	switch {
	case now.Before(minTime):
		return nil, nil
	case now.After(maxTime):
		n = maxTime.UnixNano()
	default:
		n = now.UnixNano()
	}
	var out []inventory.ReservationID
	err := t.each("due reservations", qDue, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return translate("due reservations", err)
		}
		out = append(out, inventory.ReservationID(id))
		return nil
	}, n, limit)
	return out, err
}

func (t *readTx) NextExpiry() (time.Time, bool, error) {
	if err := t.check(); err != nil {
		return time.Time{}, false, err
	}
	return t.nextExpiry()
}

func (t *readTx) nextExpiry() (time.Time, bool, error) {
	r, err := t.row(qNextExpiry)
	if err != nil {
		return time.Time{}, false, translate("next expiry", err)
	}
	var v *int64
	if err := r.Scan(&v); err != nil {
		return time.Time{}, false, translate("next expiry", err)
	}
	if v == nil {
		return time.Time{}, false, nil
	}
	return fromNanos(v), true, nil
}

func (t *readTx) Reservations(fn func(inventory.Reservation) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.reservations(fn)
}

func (t *readTx) reservations(fn func(inventory.Reservation) error) error {
	return t.each("reservations", qAllReservations, func(rows *sql.Rows) error {
		var id, owner, state string
		var exp, created, ended *int64
		var lines []byte
		if err := rows.Scan(&id, &owner, &state, &exp, &created, &ended, &lines); err != nil {
			return translate("reservations", err)
		}
		r, err := makeReservation(id, owner, state, exp, created, ended, lines)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

func (t *readTx) Balances(fn func(inventory.Balance) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.balances(fn)
}

func (t *readTx) balances(fn func(inventory.Balance) error) error {
	return t.each("balances", qAllBalances, func(rows *sql.Rows) error {
		var sku, loc, peer string
		var b inventory.Balance
		var bucket int64
		if err := rows.Scan(&sku, &loc, &bucket, &peer, &b.Qty); err != nil {
			return translate("balances", err)
		}
		b.Account = inventory.Account{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc), Bucket: inventory.Bucket(bucket), Peer: omnikit.LocationID(peer)}
		return fn(b)
	})
}

func (t *readTx) SafetyStocks(fn func(inventory.SafetyStock) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.safetyStocks(fn)
}

func (t *readTx) safetyStocks(fn func(inventory.SafetyStock) error) error {
	return t.each("safety stocks", qAllSafety, func(rows *sql.Rows) error {
		var sku, loc string
		var q int64
		if err := rows.Scan(&sku, &loc, &q); err != nil {
			return translate("safety stocks", err)
		}
		return fn(inventory.SafetyStock{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc), Qty: q})
	})
}

func (t *readTx) ChannelRaws(fn func(inventory.ChannelRaw) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.channelRaws(fn)
}

func (t *readTx) channelRaws(fn func(inventory.ChannelRaw) error) error {
	return t.each("channel sums", qAllRaws, func(rows *sql.Rows) error {
		var ch, sku string
		var raw int64
		if err := rows.Scan(&ch, &sku, &raw); err != nil {
			return translate("channel sums", err)
		}
		return fn(inventory.ChannelRaw{Channel: omnikit.ChannelID(ch), SKU: omnikit.SKU(sku), Raw: raw})
	})
}

func (t *readTx) Config() (inventory.Config, error) {
	if err := t.check(); err != nil {
		return inventory.Config{}, err
	}
	return t.config()
}

func (t *readTx) config() (inventory.Config, error) {
	var c inventory.Config
	err := t.each("locations", qLocations, func(rows *sql.Rows) error {
		var id, name, typ string
		var l inventory.Location
		var caps int64
		if err := rows.Scan(&id, &name, &typ, &l.Geo.Lat, &l.Geo.Lng, &caps); err != nil {
			return translate("locations", err)
		}
		l.ID, l.Name, l.Type, l.Capabilities = omnikit.LocationID(id), name, inventory.LocationType(typ), inventory.Capabilities(caps)
		c.Locations = append(c.Locations, l)
		return nil
	})
	if err != nil {
		return inventory.Config{}, err
	}
	err = t.each("channels", qChannels, func(rows *sql.Rows) error {
		var id, name string
		var pool []byte
		var ch inventory.Channel
		if err := rows.Scan(&id, &name, &pool, &ch.Rule.BufferPercent, &ch.Rule.BufferUnits, &ch.Rule.Cap, &ch.Rule.StoreThreshold); err != nil {
			return translate("channels", err)
		}
		p, err := codec.DecodeLocationIDs(pool)
		if err != nil {
			return fmt.Errorf("sqlite: channel %q: %w", id, err)
		}
		ch.ID, ch.Name, ch.Pool = omnikit.ChannelID(id), name, p
		c.Channels = append(c.Channels, ch)
		return nil
	})
	if err != nil {
		return inventory.Config{}, err
	}
	err = t.each("skus", qSKUs, func(rows *sql.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return translate("skus", err)
		}
		c.SKUs = append(c.SKUs, omnikit.SKU(s))
		return nil
	})
	if err != nil {
		return inventory.Config{}, err
	}
	return c, nil
}
