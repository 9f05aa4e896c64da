package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/internal/codec"
)

type skuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}

type chanSKU struct {
	ch  omnikit.ChannelID
	sku omnikit.SKU
}

// cell is a number the write transaction read or wrote; dirty ones are
// written at the end.
type cell struct {
	v     int64
	dirty bool
}

type resCell struct {
	r            inventory.Reservation
	found, dirty bool
}

type idemCell struct {
	rec          inventory.IdempotencyRecord
	found, dirty bool
}

type pendingEntry struct {
	seq  int64
	kind string
	at   any // int64 unix ns, or nil for the zero time
	data []byte
}

// writeTx is Update's transaction. Point reads are served from an overlay
// (what the transaction preloaded, read or wrote) and fall back to SQL;
// writes go to the overlay and are flushed with multi-row prepared
// statements before COMMIT, or before a read the overlay cannot answer
// (a scan of a whole table, the change feed), so that SQL sees them too.
// Configuration writes are rare and go straight to SQL.
type writeTx struct {
	readTx
	s *Inventory

	bal     map[inventory.Account]cell
	safety  map[skuLoc]cell
	raws    map[chanSKU]cell
	rawSKUs map[omnikit.SKU]bool // SKUs whose every channel sum is in raws
	res     map[inventory.ReservationID]resCell
	idem    map[string]idemCell
	pending []pendingEntry
	buf     []byte // encoded entries
	args    []any  // statement arguments, reused

	lastSeq  int64
	seqKnown bool
}

func (t *writeTx) begin(ctx context.Context, s *Inventory) {
	if t.bal == nil {
		t.bal = map[inventory.Account]cell{}
		t.safety = map[skuLoc]cell{}
		t.raws = map[chanSKU]cell{}
		t.rawSKUs = map[omnikit.SKU]bool{}
		t.res = map[inventory.ReservationID]resCell{}
		t.idem = map[string]idemCell{}
	}
	t.readTx = readTx{ctx: ctx, c: s.w}
	t.s = s
	t.lastSeq, t.seqKnown = s.lastSeq, s.seqKnown
}

// release forgets the transaction's state, keeping the maps' memory for the
// next one unless they grew large.
func (t *writeTx) release() {
	const keep = 4096
	if len(t.bal) > keep || len(t.res) > keep || len(t.idem) > keep || len(t.raws) > keep {
		t.bal = nil
		t.safety, t.raws, t.rawSKUs, t.res, t.idem = nil, nil, nil, nil, nil
	} else {
		clear(t.bal)
		clear(t.safety)
		clear(t.raws)
		clear(t.rawSKUs)
		clear(t.res)
		clear(t.idem)
	}
	t.pending = t.pending[:0]
	if cap(t.buf) > 1<<20 {
		t.buf = nil
	}
	t.buf = t.buf[:0]
	clear(t.args)
	t.args = t.args[:0]
	t.readTx = readTx{closed: true}
}

// preload reads the balances of keys, and the safety stocks and channel
// sums of their SKUs and locations, in one query per 32 of each.
func (t *writeTx) preload(keys []inventory.Account) error {
	if len(keys) == 0 {
		return nil
	}
	var sls []skuLoc
	var skus []omnikit.SKU
	for _, k := range keys {
		t.bal[k] = cell{}
		sl := skuLoc{k.SKU, k.Location}
		if _, ok := t.safety[sl]; !ok {
			t.safety[sl] = cell{}
			sls = append(sls, sl)
		}
		if !t.rawSKUs[k.SKU] {
			t.rawSKUs[k.SKU] = true
			skus = append(skus, k.SKU)
		}
	}
	for i := 0; i < len(keys) || i < len(sls) || i < len(skus); i += maxRows {
		ks := keys[min(i, len(keys)):min(i+maxRows, len(keys))]
		ss := sls[min(i, len(sls)):min(i+maxRows, len(sls))]
		cs := skus[min(i, len(skus)):min(i+maxRows, len(skus))]
		st, err := t.c.preloadStmt(t.ctx, len(ks), len(ss), len(cs))
		if err != nil {
			return translate("preload", err)
		}
		args := t.args[:0]
		for _, k := range ks {
			args = append(args, string(k.SKU), string(k.Location), int64(k.Bucket), string(k.Peer))
		}
		for _, sl := range ss {
			args = append(args, string(sl.sku), string(sl.loc))
		}
		for _, s := range cs {
			args = append(args, string(s))
		}
		t.args = args
		rows, err := st.QueryContext(t.ctx, args...)
		if err != nil {
			return translate("preload", err)
		}
		for rows.Next() {
			var kind, bucket, v int64
			var a, b, peer string
			if err := rows.Scan(&kind, &a, &b, &bucket, &peer, &v); err != nil {
				rows.Close()
				return translate("preload", err)
			}
			switch kind {
			case 0:
				t.bal[inventory.Account{SKU: omnikit.SKU(a), Location: omnikit.LocationID(b), Bucket: inventory.Bucket(bucket), Peer: omnikit.LocationID(peer)}] = cell{v: v}
			case 1:
				t.safety[skuLoc{omnikit.SKU(a), omnikit.LocationID(b)}] = cell{v: v}
			case 2:
				t.raws[chanSKU{omnikit.ChannelID(a), omnikit.SKU(b)}] = cell{v: v}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return translate("preload", err)
		}
	}
	return nil
}

// flush writes the overlay's dirty cells and pending entries.
func (t *writeTx) flush() error {
	if len(t.pending) > 0 {
		args := t.args[:0]
		for _, e := range t.pending {
			args = append(args, e.seq, e.kind, e.at, e.data)
		}
		t.args = args
		if err := t.execRows(mEntries, args); err != nil {
			if resultCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				return fmt.Errorf("%w: %w", errSeqConflict, err)
			}
			return translate("append entries", err)
		}
		t.pending = t.pending[:0]
		t.buf = t.buf[:0]
	}
	args := t.args[:0]
	for a, c := range t.bal {
		if c.dirty {
			args = append(args, string(a.SKU), string(a.Location), int64(a.Bucket), string(a.Peer), c.v)
			t.bal[a] = cell{v: c.v}
		}
	}
	if err := t.execRows(mBalances, args); err != nil {
		return translate("write balances", err)
	}
	args = args[:0]
	for k, c := range t.raws {
		if c.dirty {
			args = append(args, string(k.ch), string(k.sku), c.v)
			t.raws[k] = cell{v: c.v}
		}
	}
	if err := t.execRows(mRaws, args); err != nil {
		return translate("write channel sums", err)
	}
	args = args[:0]
	for k, c := range t.safety {
		if !c.dirty {
			continue
		}
		t.safety[k] = cell{v: c.v}
		if c.v != 0 {
			args = append(args, string(k.sku), string(k.loc), c.v)
			continue
		}
		st, err := t.c.stmt(t.ctx, qDeleteSafety)
		if err == nil {
			_, err = st.ExecContext(t.ctx, string(k.sku), string(k.loc))
		}
		if err != nil {
			return translate("clear safety stock", err)
		}
	}
	if err := t.execRows(mSafety, args); err != nil {
		return translate("write safety stocks", err)
	}
	args = args[:0]
	for id, c := range t.res {
		if !c.dirty {
			continue
		}
		r := c.r
		exp, err := nullNanos(r.ExpiresAt, "expires_at")
		if err != nil {
			return err
		}
		created, err := nullNanos(r.CreatedAt, "created_at")
		if err != nil {
			return err
		}
		ended, err := nullNanos(r.EndedAt, "ended_at")
		if err != nil {
			return err
		}
		args = append(args, string(r.ID), r.Owner, string(r.State), exp, created, ended, codec.AppendReservationLines(nil, r.Lines))
		c.dirty = false
		t.res[id] = c
	}
	if err := t.execRows(mReservations, args); err != nil {
		return translate("write reservations", err)
	}
	args = args[:0]
	for k, c := range t.idem {
		if c.dirty {
			args = append(args, k, c.rec.Fingerprint, c.rec.Seq, string(c.rec.Reservation))
			c.dirty = false
			t.idem[k] = c
		}
	}
	if err := t.execRows(mIdem, args); err != nil {
		return translate("write idempotency records", err)
	}
	clear(args)
	t.args = args[:0]
	return nil
}

// execRows runs multi-row statement m over args, maxRows rows at a time.
func (t *writeTx) execRows(m int, args []any) error {
	cols := multis[m].cols
	rows := len(args) / cols
	for i := 0; i < rows; i += maxRows {
		n := min(maxRows, rows-i)
		st, err := t.c.multiStmt(t.ctx, m, n)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(t.ctx, args[i*cols:(i+n)*cols]...); err != nil {
			return err
		}
	}
	return nil
}

func (t *writeTx) Balance(a inventory.Account) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.balanceOf(a)
}

func (t *writeTx) balanceOf(a inventory.Account) (int64, error) {
	if c, ok := t.bal[a]; ok {
		return c.v, nil
	}
	v, err := t.balance(a)
	if err != nil {
		return 0, err
	}
	t.bal[a] = cell{v: v}
	return v, nil
}

func (t *writeTx) SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	k := skuLoc{sku, loc}
	if c, ok := t.safety[k]; ok {
		return c.v, nil
	}
	v, err := t.safetyStock(sku, loc)
	if err != nil {
		return 0, err
	}
	t.safety[k] = cell{v: v}
	return v, nil
}

func (t *writeTx) ChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	return t.rawOf(ch, sku)
}

func (t *writeTx) rawOf(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	k := chanSKU{ch, sku}
	if c, ok := t.raws[k]; ok {
		return c.v, nil
	}
	if t.rawSKUs[sku] {
		t.raws[k] = cell{}
		return 0, nil
	}
	v, err := t.channelRaw(ch, sku)
	if err != nil {
		return 0, err
	}
	t.raws[k] = cell{v: v}
	return v, nil
}

func (t *writeTx) Reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	if err := t.check(); err != nil {
		return inventory.Reservation{}, err
	}
	if c, ok := t.res[id]; ok {
		if !c.found {
			return inventory.Reservation{}, fmt.Errorf("sqlite: reservation %q: %w", id, inventory.ErrNotFound)
		}
		return c.r.Clone(), nil
	}
	r, err := t.reservation(id)
	if errors.Is(err, inventory.ErrNotFound) {
		t.res[id] = resCell{}
		return inventory.Reservation{}, err
	}
	if err != nil {
		return inventory.Reservation{}, err
	}
	t.res[id] = resCell{r: r.Clone(), found: true}
	return r, nil
}

func (t *writeTx) Idempotency(key string) (inventory.IdempotencyRecord, error) {
	if err := t.check(); err != nil {
		return inventory.IdempotencyRecord{}, err
	}
	if c, ok := t.idem[key]; ok {
		if !c.found {
			return inventory.IdempotencyRecord{}, fmt.Errorf("sqlite: idempotency key %q: %w", key, inventory.ErrNotFound)
		}
		return c.rec, nil
	}
	rec, err := t.idempotency(key)
	if errors.Is(err, inventory.ErrNotFound) {
		t.idem[key] = idemCell{}
		return rec, err
	}
	if err != nil {
		return rec, err
	}
	t.idem[key] = idemCell{rec: rec, found: true}
	return rec, nil
}

// ensureSeq makes t.lastSeq known, from the store's cache or the table.
func (t *writeTx) ensureSeq() error {
	if t.seqKnown {
		return nil
	}
	v, err := t.lastSeqSQL()
	if err != nil {
		return err
	}
	t.lastSeq, t.seqKnown = v, true
	return nil
}

func (t *writeTx) lastSeqSQL() (int64, error) { return t.readTx.lastSeq() }

func (t *writeTx) Entry(seq int64) (inventory.Entry, error) {
	if err := t.check(); err != nil {
		return inventory.Entry{}, err
	}
	if n := len(t.pending); n > 0 {
		if first := t.pending[0].seq; seq >= first && seq < first+int64(n) {
			p := t.pending[seq-first]
			return decodeEntry(p.seq, p.data)
		}
	}
	return t.entry(seq)
}

func (t *writeTx) Entries(after int64, limit int) ([]inventory.Entry, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.readTx.entries(after, limit)
}

func (t *writeTx) LastSeq() (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if len(t.pending) > 0 {
		return t.lastSeq, nil
	}
	// Read the table, not the cache: another process may have appended.
	v, err := t.lastSeqSQL()
	if err != nil {
		return 0, err
	}
	t.lastSeq, t.seqKnown = v, true
	return v, nil
}

func (t *writeTx) DueReservations(now time.Time, limit int) ([]inventory.ReservationID, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.dueReservations(now, limit)
}

func (t *writeTx) NextExpiry() (time.Time, bool, error) {
	if err := t.check(); err != nil {
		return time.Time{}, false, err
	}
	if err := t.flush(); err != nil {
		return time.Time{}, false, err
	}
	return t.nextExpiry()
}

// The scans flush, collect every row and only then call fn, so that fn may
// write to the transaction while it iterates.

func (t *writeTx) Reservations(fn func(inventory.Reservation) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	var all []inventory.Reservation
	if err := t.reservations(func(r inventory.Reservation) error { all = append(all, r); return nil }); err != nil {
		return err
	}
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *writeTx) Balances(fn func(inventory.Balance) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	var all []inventory.Balance
	if err := t.balances(func(b inventory.Balance) error { all = append(all, b); return nil }); err != nil {
		return err
	}
	for _, b := range all {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (t *writeTx) SafetyStocks(fn func(inventory.SafetyStock) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	var all []inventory.SafetyStock
	if err := t.safetyStocks(func(s inventory.SafetyStock) error { all = append(all, s); return nil }); err != nil {
		return err
	}
	for _, s := range all {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (t *writeTx) ChannelRaws(fn func(inventory.ChannelRaw) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	var all []inventory.ChannelRaw
	if err := t.channelRaws(func(r inventory.ChannelRaw) error { all = append(all, r); return nil }); err != nil {
		return err
	}
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Config reads SQL directly: configuration writes are not buffered.

func (t *writeTx) Append(e *inventory.Entry, balances []inventory.Balance) error {
	if err := t.check(); err != nil {
		return err
	}
	var at any
	if !e.At.IsZero() {
		n, err := nanos(e.At, "entry time")
		if err != nil {
			return err
		}
		at = n
	}
	if err := t.ensureSeq(); err != nil {
		return err
	}
	seq := t.lastSeq + 1
	start := len(t.buf)
	t.buf = codec.AppendEntry(t.buf, e)
	t.pending = append(t.pending, pendingEntry{seq: seq, kind: string(e.Kind), at: at, data: t.buf[start:len(t.buf):len(t.buf)]})
	for _, b := range balances {
		t.bal[b.Account] = cell{v: b.Qty, dirty: true}
	}
	t.lastSeq = seq
	e.Seq = seq
	return nil
}

func (t *writeTx) PutReservation(r inventory.Reservation) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, f := range []struct {
		t    time.Time
		name string
	}{{r.ExpiresAt, "expires_at"}, {r.CreatedAt, "created_at"}, {r.EndedAt, "ended_at"}} {
		if _, err := nullNanos(f.t, f.name); err != nil {
			return err
		}
	}
	t.res[r.ID] = resCell{r: r.Clone(), found: true, dirty: true}
	return nil
}

func (t *writeTx) PutIdempotency(rec inventory.IdempotencyRecord) error {
	if err := t.check(); err != nil {
		return err
	}
	c, ok := t.idem[rec.Key]
	if !ok {
		if _, err := t.Idempotency(rec.Key); err != nil && !errors.Is(err, inventory.ErrNotFound) {
			return err
		}
		c = t.idem[rec.Key]
	}
	if c.found {
		return fmt.Errorf("sqlite: idempotency key %q already recorded", rec.Key)
	}
	t.idem[rec.Key] = idemCell{rec: rec, found: true, dirty: true}
	return nil
}

func (t *writeTx) AddChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, delta int64) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	v, err := t.rawOf(ch, sku)
	if err != nil {
		return 0, err
	}
	v += delta
	t.raws[chanSKU{ch, sku}] = cell{v: v, dirty: true}
	return v, nil
}

func (t *writeTx) SetChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) error {
	if err := t.check(); err != nil {
		return err
	}
	t.raws[chanSKU{ch, sku}] = cell{v: raw, dirty: true}
	return nil
}

func (t *writeTx) SetSafetyStock(s inventory.SafetyStock) error {
	if err := t.check(); err != nil {
		return err
	}
	t.safety[skuLoc{s.SKU, s.Location}] = cell{v: s.Qty, dirty: true}
	return nil
}

func (t *writeTx) PutLocation(l inventory.Location) error {
	if err := t.check(); err != nil {
		return err
	}
	st, err := t.c.stmt(t.ctx, qPutLocation)
	if err == nil {
		_, err = st.ExecContext(t.ctx, string(l.ID), l.Name, string(l.Type), l.Geo.Lat, l.Geo.Lng, int64(l.Capabilities))
	}
	return translate("put location", err)
}

func (t *writeTx) PutChannel(c inventory.Channel) error {
	if err := t.check(); err != nil {
		return err
	}
	st, err := t.c.stmt(t.ctx, qPutChannel)
	if err == nil {
		_, err = st.ExecContext(t.ctx, string(c.ID), c.Name, codec.AppendLocationIDs(nil, c.Pool),
			c.Rule.BufferPercent, c.Rule.BufferUnits, c.Rule.Cap, c.Rule.StoreThreshold)
	}
	return translate("put channel", err)
}

func (t *writeTx) PutSKUs(skus []omnikit.SKU) error {
	if err := t.check(); err != nil {
		return err
	}
	args := make([]any, len(skus))
	for i, s := range skus {
		args[i] = string(s)
	}
	return translate("put skus", t.execRows(mSKUs, args))
}
