package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

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

// queries holds the SQL text of a store, with its schema quoted in.
type queries struct {
	beginWrite, beginRead string

	lockKeys, loadBalances, loadSafety, loadRaws string
	lockHead, setHead, readHead                  string

	balance, safety, raw, reservation, idempotency, entry string

	entries, balances, safeties, raws, reservations, due, nextExpiry string
	locations, channels, skus                                        string
	lockTables                                                       string

	putBalances, putSafety, delSafety, putRaws, putEntries    string
	insertReservations, upsertReservations, insertIdempotency string
	putLocation, putChannel, putSKUs                          string
}

func newQueries(s string) queries {
	return queries{
		beginWrite: "BEGIN ISOLATION LEVEL READ COMMITTED",
		beginRead:  "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",

		lockKeys: "SELECT " + s + ".lock_keys($1::int8[])",
		// The loads probe the primary key once per key, whatever the
		// statistics say: "x = ANY($1)" let the planner cache a
		// sequential scan while a table was small (a catalogue being
		// loaded, before autovacuum analyzes it), which then compared
		// every row with every key (measured: 32 ms per batch over
		// 10,000 SKUs). OFFSET 0 keeps the lateral subquery from being
		// flattened into a hash join.
		loadBalances: "SELECT b.sku, b.location, b.bucket, b.peer, b.qty FROM unnest($1::text[], $2::text[]) AS k(sku, location) " +
			"CROSS JOIN LATERAL (SELECT * FROM " + s + ".balances x WHERE x.sku = k.sku AND x.location = k.location OFFSET 0) b",
		loadSafety: "SELECT f.sku, f.location, f.qty FROM unnest($1::text[], $2::text[]) AS k(sku, location) " +
			"CROSS JOIN LATERAL (SELECT * FROM " + s + ".safety_stocks x WHERE x.sku = k.sku AND x.location = k.location OFFSET 0) f",
		loadRaws: "SELECT r.sku, r.channel, r.raw FROM unnest($1::text[]) AS k(sku) " +
			"CROSS JOIN LATERAL (SELECT * FROM " + s + ".channel_raws x WHERE x.sku = k.sku OFFSET 0) r",
		lockHead: "UPDATE " + s + ".ledger_head SET seq = seq WHERE id = 1 RETURNING seq",
		setHead:  "UPDATE " + s + ".ledger_head SET seq = $1 WHERE id = 1",
		readHead: "SELECT seq FROM " + s + ".ledger_head WHERE id = 1",

		balance:     "SELECT qty FROM " + s + ".balances WHERE sku = $1 AND location = $2 AND bucket = $3 AND peer = $4",
		safety:      "SELECT qty FROM " + s + ".safety_stocks WHERE sku = $1 AND location = $2",
		raw:         "SELECT raw FROM " + s + ".channel_raws WHERE sku = $1 AND channel = $2",
		reservation: "SELECT body FROM " + s + ".reservations WHERE id = $1",
		idempotency: "SELECT fingerprint, seq, reservation FROM " + s + ".idempotency WHERE key = $1",
		entry:       "SELECT body FROM " + s + ".entries WHERE seq = $1",

		entries:      "SELECT seq, body FROM " + s + ".entries WHERE seq > $1 ORDER BY seq LIMIT $2",
		balances:     "SELECT sku, location, bucket, peer, qty FROM " + s + ".balances",
		safeties:     "SELECT sku, location, qty FROM " + s + ".safety_stocks",
		raws:         "SELECT channel, sku, raw FROM " + s + ".channel_raws",
		reservations: "SELECT id, body FROM " + s + ".reservations",
		due:          "SELECT id FROM " + s + ".reservations WHERE state = 'active' AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
		nextExpiry:   "SELECT min(expires_at) FROM " + s + ".reservations WHERE state = 'active' AND expires_at IS NOT NULL",
		locations:    "SELECT id, name, type, lat, lng, capabilities FROM " + s + ".locations",
		channels:     "SELECT id, name, pool, buffer_percent, buffer_units, cap, store_threshold FROM " + s + ".channels",
		skus:         "SELECT sku FROM " + s + ".skus",
		lockTables:   "LOCK TABLE " + s + ".balances, " + s + ".safety_stocks, " + s + ".channel_raws, " + s + ".reservations IN SHARE ROW EXCLUSIVE MODE",

		putBalances: "INSERT INTO " + s + ".balances (sku, location, bucket, peer, qty) SELECT * FROM unnest($1::text[], $2::text[], $3::int2[], $4::text[], $5::int8[]) " +
			"ON CONFLICT (sku, location, bucket, peer) DO UPDATE SET qty = EXCLUDED.qty",
		putSafety: "INSERT INTO " + s + ".safety_stocks (sku, location, qty) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) " +
			"ON CONFLICT (sku, location) DO UPDATE SET qty = EXCLUDED.qty",
		delSafety: "DELETE FROM " + s + ".safety_stocks WHERE (sku, location) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
		putRaws: "INSERT INTO " + s + ".channel_raws (sku, channel, raw) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) " +
			"ON CONFLICT (sku, channel) DO UPDATE SET raw = EXCLUDED.raw",
		putEntries: "INSERT INTO " + s + ".entries (seq, kind, body) SELECT * FROM unnest($1::int8[], $2::text[], $3::bytea[])",
		insertReservations: "INSERT INTO " + s + ".reservations (id, state, expires_at, body) " +
			"SELECT id, state, NULLIF(exp, " + fmt.Sprint(int64(codec.NoTime)) + "), body FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[]) AS r(id, state, exp, body)",
		upsertReservations: "INSERT INTO " + s + ".reservations (id, state, expires_at, body) " +
			"SELECT id, state, NULLIF(exp, " + fmt.Sprint(int64(codec.NoTime)) + "), body FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[]) AS r(id, state, exp, body) " +
			"ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at, body = EXCLUDED.body",
		insertIdempotency: "INSERT INTO " + s + ".idempotency (key, fingerprint, seq, reservation) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[])",
		putLocation: "INSERT INTO " + s + ".locations (id, name, type, lat, lng, capabilities) VALUES ($1, $2, $3, $4, $5, $6) " +
			"ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, lat = EXCLUDED.lat, lng = EXCLUDED.lng, capabilities = EXCLUDED.capabilities",
		putChannel: "INSERT INTO " + s + ".channels (id, name, pool, buffer_percent, buffer_units, cap, store_threshold) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
			"ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, pool = EXCLUDED.pool, buffer_percent = EXCLUDED.buffer_percent, " +
			"buffer_units = EXCLUDED.buffer_units, cap = EXCLUDED.cap, store_threshold = EXCLUDED.store_threshold",
		putSKUs: "INSERT INTO " + s + ".skus (sku) SELECT * FROM unnest($1::text[]) ON CONFLICT DO NOTHING",
	}
}

// resSlot is what a transaction knows of one reservation.
type resSlot struct {
	r      inventory.Reservation
	exists bool // r is set; false: known not to exist
	// known: whether the row is in the database was read, so that a new
	// reservation is inserted (a concurrent insert of the same ID fails
	// and the transaction runs again) rather than upserted over another's.
	known bool
	inDB  bool
	dirty bool
}

type idemSlot struct {
	rec    inventory.IdempotencyRecord
	exists bool
	dirty  bool
}

// pgTx is one transaction on one pooled connection, with the overlay:
// what it loaded and what it wrote, served to its reads and sent to the
// database with the commit. It is not safe for concurrent use.
type pgTx struct {
	s    *Inventory
	ctx  context.Context
	conn *pgx.Conn

	write  bool
	begun  bool // BEGIN was sent
	done   bool // COMMIT succeeded
	closed bool
	err    error // the first database error: the transaction is aborted

	pairs map[skuLoc]bool      // balances and safety stocks loaded for these
	skus  map[omnikit.SKU]bool // channel sums loaded for these
	bal   map[inventory.Account]int64
	sfty  map[skuLoc]int64
	raws  map[chanSKU]int64

	dirtyBal  map[inventory.Account]struct{}
	dirtySfty map[skuLoc]struct{}
	dirtyRaws map[chanSKU]struct{}

	res  map[inventory.ReservationID]*resSlot
	idem map[string]*idemSlot

	headLocked bool
	seq        int64             // last sequence number assigned
	flushedSeq int64             // entries up to this are in the database
	entries    []inventory.Entry // pending, Seq flushedSeq+1...
	headSeq    int64             // the head as last written

	locs    []inventory.Location
	chans   []inventory.Channel
	newSKUs []omnikit.SKU

	scanLocked bool
}

func newTx(ctx context.Context, s *Inventory, conn *pgx.Conn, write bool) *pgTx {
	t := &pgTx{s: s, ctx: ctx, conn: conn, write: write,
		bal: map[inventory.Account]int64{}, sfty: map[skuLoc]int64{}, raws: map[chanSKU]int64{},
		res: map[inventory.ReservationID]*resSlot{}, idem: map[string]*idemSlot{},
	}
	if write {
		t.dirtyBal = map[inventory.Account]struct{}{}
		t.dirtySfty = map[skuLoc]struct{}{}
		t.dirtyRaws = map[chanSKU]struct{}{}
		t.pairs = map[skuLoc]bool{}
		t.skus = map[omnikit.SKU]bool{}
	}
	return t
}

func (t *pgTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return translate(err)
}

func (t *pgTx) check() error {
	if t.closed {
		return ErrTxClosed
	}
	if t.err != nil {
		return translate(t.err)
	}
	return nil
}

func (t *pgTx) checkWrite() error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.write {
		return ErrReadOnly
	}
	return nil
}

// send sends b, with BEGIN in front if the transaction has not begun, and
// returns the results of b's own statements.
func (t *pgTx) send(b *pgx.Batch) (pgx.BatchResults, error) {
	if t.begun {
		return t.conn.SendBatch(t.ctx, b), nil
	}
	begin := t.s.q.beginRead
	if t.write {
		begin = t.s.q.beginWrite
	}
	nb := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	nb.Queue(begin)
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	t.begun = true
	br := t.conn.SendBatch(t.ctx, nb)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

// rows runs one query and calls scan for each row.
func (t *pgTx) rows(scan func(pgx.Rows) error, sql string, args ...any) error {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br, err := t.send(b)
	if err != nil {
		return t.fail(err)
	}
	rows, err := br.Query()
	if err == nil {
		for rows.Next() {
			if err = scan(rows); err != nil {
				break
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return err
		}
		return t.fail(err)
	}
	return nil
}

// row runs a query for one row; found is false when it returns none.
func (t *pgTx) row(dest []any, sql string, args ...any) (found bool, err error) {
	err = t.rows(func(r pgx.Rows) error {
		found = true
		return r.Scan(dest...)
	}, sql, args...)
	return found, err
}

// prelude begins the transaction, takes the SKUs' advisory locks and,
// for a write, the ledger head (none for a read), and loads the keys'
// balances, safety stocks and channel sums: one round trip.
func (t *pgTx) prelude(lockKeys []int64, pairs [2][]string, skus []string) error {
	q := &t.s.q
	b := &pgx.Batch{}
	if len(lockKeys) > 0 {
		b.Queue(q.lockKeys, lockKeys)
	}
	b.Queue(q.loadBalances, pairs[0], pairs[1])
	b.Queue(q.loadSafety, pairs[0], pairs[1])
	b.Queue(q.loadRaws, skus)
	// A write that locks keys nearly always appends: take the head in the
	// same round trip, after the keys (the order every writer takes them)
	// and last, so that the loads are not made while holding it: the head
	// is what writers of different SKUs wait for.
	lockHead := t.write && len(lockKeys) > 0 && !t.headLocked
	if lockHead {
		b.Queue(q.lockHead)
	}
	br, err := t.send(b)
	if err != nil {
		return t.fail(err)
	}
	defer br.Close()
	if len(lockKeys) > 0 {
		if _, err := br.Exec(); err != nil {
			return t.fail(err)
		}
	}
	for i := range pairs[0] {
		t.pairs[skuLoc{omnikit.SKU(pairs[0][i]), omnikit.LocationID(pairs[1][i])}] = true
	}
	for _, s := range skus {
		t.skus[omnikit.SKU(s)] = true
	}
	rows, err := br.Query()
	if err != nil {
		return t.fail(err)
	}
	var sku, loc, peer, ch string
	var bucket int16
	var qty int64
	for rows.Next() {
		if err := rows.Scan(&sku, &loc, &bucket, &peer, &qty); err != nil {
			rows.Close()
			return t.fail(err)
		}
		t.bal[inventory.Account{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc), Bucket: inventory.Bucket(bucket), Peer: omnikit.LocationID(peer)}] = qty
	}
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	if rows, err = br.Query(); err != nil {
		return t.fail(err)
	}
	for rows.Next() {
		if err := rows.Scan(&sku, &loc, &qty); err != nil {
			rows.Close()
			return t.fail(err)
		}
		t.sfty[skuLoc{omnikit.SKU(sku), omnikit.LocationID(loc)}] = qty
	}
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	if rows, err = br.Query(); err != nil {
		return t.fail(err)
	}
	for rows.Next() {
		if err := rows.Scan(&sku, &ch, &qty); err != nil {
			rows.Close()
			return t.fail(err)
		}
		t.raws[chanSKU{omnikit.ChannelID(ch), omnikit.SKU(sku)}] = qty
	}
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	if lockHead {
		var seq int64
		if err := br.QueryRow().Scan(&seq); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return t.headMissing()
			}
			return t.fail(err)
		}
		t.headAt(seq)
	}
	if err := br.Close(); err != nil {
		return t.fail(err)
	}
	return nil
}

// lockHead locks the ledger head: from here to commit this transaction is
// the only one that appends.
func (t *pgTx) lockHead() error {
	if t.headLocked {
		return nil
	}
	var seq int64
	found, err := t.row([]any{&seq}, t.s.q.lockHead)
	if err != nil {
		return err
	}
	if !found {
		return t.headMissing()
	}
	t.headAt(seq)
	return nil
}

// headAt records that the transaction holds the head, which stood at seq.
func (t *pgTx) headAt(seq int64) {
	t.headLocked = true
	t.seq, t.flushedSeq, t.headSeq = seq, seq, seq
}

func (t *pgTx) headMissing() error {
	return t.fail(fmt.Errorf("postgres: ledger head missing in schema %q: %w", t.s.schema, ErrCorrupt))
}

// prepareScan readies a read of whole tables inside Update: it takes the
// head lock and share locks on the tables that commands write, so that a
// recomputation (a channel rebuild) sees no command commit under it, then
// flushes the transaction's own writes so that the query sees them.
func (t *pgTx) prepareScan() error {
	if !t.write {
		return nil
	}
	if !t.scanLocked {
		if err := t.lockHead(); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(t.s.q.lockTables)
		if err := t.execBatch(b); err != nil {
			return err
		}
		t.scanLocked = true
	}
	return t.flush(false)
}

func (t *pgTx) execBatch(b *pgx.Batch) error {
	br, err := t.send(b)
	if err != nil {
		return t.fail(err)
	}
	for range b.QueuedQueries {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return t.fail(err)
		}
	}
	if err := br.Close(); err != nil {
		return t.fail(err)
	}
	return nil
}

// flush sends every buffered write in one pipelined batch, followed by
// COMMIT when commit is set.
func (t *pgTx) flush(commit bool) error {
	q := &t.s.q
	b := &pgx.Batch{}
	if n := len(t.dirtyBal); n > 0 {
		skus, locs, peers := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		buckets, qtys := make([]int16, 0, n), make([]int64, 0, n)
		for a := range t.dirtyBal {
			skus, locs, peers = append(skus, string(a.SKU)), append(locs, string(a.Location)), append(peers, string(a.Peer))
			buckets, qtys = append(buckets, int16(a.Bucket)), append(qtys, t.bal[a])
		}
		b.Queue(q.putBalances, skus, locs, buckets, peers, qtys)
		clear(t.dirtyBal)
	}
	if len(t.dirtySfty) > 0 {
		var ps, pl, ds, dl []string
		var pq []int64
		for k := range t.dirtySfty {
			if v := t.sfty[k]; v != 0 {
				ps, pl, pq = append(ps, string(k.sku)), append(pl, string(k.loc)), append(pq, v)
			} else {
				ds, dl = append(ds, string(k.sku)), append(dl, string(k.loc))
			}
		}
		if len(ps) > 0 {
			b.Queue(q.putSafety, ps, pl, pq)
		}
		if len(ds) > 0 {
			b.Queue(q.delSafety, ds, dl)
		}
		clear(t.dirtySfty)
	}
	if n := len(t.dirtyRaws); n > 0 {
		skus, chans, raws := make([]string, 0, n), make([]string, 0, n), make([]int64, 0, n)
		for k := range t.dirtyRaws {
			skus, chans, raws = append(skus, string(k.sku)), append(chans, string(k.ch)), append(raws, t.raws[k])
		}
		b.Queue(q.putRaws, skus, chans, raws)
		clear(t.dirtyRaws)
	}
	if n := len(t.entries); n > 0 {
		seqs, kinds, bodies := make([]int64, n), make([]string, n), make([][]byte, n)
		for i := range t.entries {
			e := &t.entries[i]
			seqs[i], kinds[i] = e.Seq, string(e.Kind)
			bodies[i] = codec.AppendEntry(make([]byte, 0, 64+48*len(e.Postings)), e)
		}
		b.Queue(q.putEntries, seqs, kinds, bodies)
		t.flushedSeq = t.seq
		t.entries = t.entries[:0]
	}
	var ins, ups resCols
	for _, sl := range t.res {
		if !sl.dirty {
			continue
		}
		if sl.known && !sl.inDB {
			ins.add(&sl.r)
		} else {
			ups.add(&sl.r)
		}
		sl.dirty, sl.known, sl.inDB = false, true, true
	}
	if len(ins.ids) > 0 {
		b.Queue(q.insertReservations, ins.ids, ins.states, ins.exps, ins.bodies)
	}
	if len(ups.ids) > 0 {
		b.Queue(q.upsertReservations, ups.ids, ups.states, ups.exps, ups.bodies)
	}
	var ik, ifp, ires []string
	var iseq []int64
	for _, sl := range t.idem {
		if sl.dirty {
			ik, ifp, ires, iseq = append(ik, sl.rec.Key), append(ifp, sl.rec.Fingerprint), append(ires, string(sl.rec.Reservation)), append(iseq, sl.rec.Seq)
			sl.dirty = false
		}
	}
	if len(ik) > 0 {
		b.Queue(q.insertIdempotency, ik, ifp, iseq, ires)
	}
	for _, l := range t.locs {
		b.Queue(q.putLocation, string(l.ID), l.Name, string(l.Type), l.Geo.Lat, l.Geo.Lng, int16(l.Capabilities))
	}
	t.locs = t.locs[:0]
	for _, c := range t.chans {
		pool := make([]string, len(c.Pool))
		for i, p := range c.Pool {
			pool[i] = string(p)
		}
		b.Queue(q.putChannel, string(c.ID), c.Name, pool, c.Rule.BufferPercent, c.Rule.BufferUnits, c.Rule.Cap, c.Rule.StoreThreshold)
	}
	t.chans = t.chans[:0]
	if len(t.newSKUs) > 0 {
		s := make([]string, len(t.newSKUs))
		for i, k := range t.newSKUs {
			s[i] = string(k)
		}
		b.Queue(q.putSKUs, s)
		t.newSKUs = t.newSKUs[:0]
	}
	if t.headLocked && t.seq != t.headSeq {
		b.Queue(q.setHead, t.seq)
		t.headSeq = t.seq
	}
	if commit {
		if !t.begun && len(b.QueuedQueries) == 0 {
			return nil // nothing read, nothing written
		}
		b.Queue("COMMIT")
	}
	if len(b.QueuedQueries) == 0 {
		return nil
	}
	if err := t.execBatch(b); err != nil {
		return err
	}
	if commit {
		t.done = true
	}
	return nil
}

type resCols struct {
	ids, states []string
	exps        []int64
	bodies      [][]byte
}

func (c *resCols) add(r *inventory.Reservation) {
	c.ids = append(c.ids, string(r.ID))
	c.states = append(c.states, string(r.State))
	c.exps = append(c.exps, codec.UnixNanos(r.ExpiresAt))
	c.bodies = append(c.bodies, codec.AppendReservation(nil, r))
}

func (t *pgTx) commit() error {
	if err := t.flush(true); err != nil {
		return err
	}
	return nil
}

// ReadTx.

// Preload implements inventory.Preloader: the balances and safety stocks of
// the pairs (skus[i], locs[i]) in one round trip; the reads that follow
// are answered from the transaction's cache.
func (t *pgTx) Preload(skus []omnikit.SKU, locs []omnikit.LocationID) error {
	if err := t.check(); err != nil {
		return err
	}
	var pairs [2][]string
	for i := range skus {
		if !t.pairs[skuLoc{skus[i], locs[i]}] {
			pairs[0] = append(pairs[0], string(skus[i]))
			pairs[1] = append(pairs[1], string(locs[i]))
		}
	}
	if len(pairs[0]) == 0 {
		return nil
	}
	if t.pairs == nil {
		t.pairs, t.skus = map[skuLoc]bool{}, map[omnikit.SKU]bool{}
	}
	return t.prelude(nil, pairs, nil)
}

func (t *pgTx) Balance(a inventory.Account) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if v, ok := t.bal[a]; ok {
		return v, nil
	}
	if t.pairs[skuLoc{a.SKU, a.Location}] {
		return 0, nil
	}
	var v int64
	if _, err := t.row([]any{&v}, t.s.q.balance, string(a.SKU), string(a.Location), int16(a.Bucket), string(a.Peer)); err != nil {
		return 0, err
	}
	t.bal[a] = v
	return v, nil
}

func (t *pgTx) SafetyStock(sku omnikit.SKU, loc omnikit.LocationID) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	k := skuLoc{sku, loc}
	if v, ok := t.sfty[k]; ok {
		return v, nil
	}
	if t.pairs[k] {
		return 0, nil
	}
	var v int64
	if _, err := t.row([]any{&v}, t.s.q.safety, string(sku), string(loc)); err != nil {
		return 0, err
	}
	t.sfty[k] = v
	return v, nil
}

func (t *pgTx) Reservation(id inventory.ReservationID) (inventory.Reservation, error) {
	if err := t.check(); err != nil {
		return inventory.Reservation{}, err
	}
	sl, err := t.loadReservation(id)
	if err != nil {
		return inventory.Reservation{}, err
	}
	if !sl.exists {
		return inventory.Reservation{}, fmt.Errorf("%w: reservation %q", inventory.ErrNotFound, id)
	}
	return sl.r.Clone(), nil
}

func (t *pgTx) loadReservation(id inventory.ReservationID) (*resSlot, error) {
	if sl, ok := t.res[id]; ok && (sl.exists || sl.known) {
		return sl, nil
	}
	var body []byte
	found, err := t.row([]any{&body}, t.s.q.reservation, string(id))
	if err != nil {
		return nil, err
	}
	sl := &resSlot{known: true, inDB: found, exists: found}
	if found {
		if sl.r, err = decodeReservation(string(id), body); err != nil {
			return nil, fmt.Errorf("postgres: reservation %q: %w", id, err)
		}
	}
	t.res[id] = sl
	return sl, nil
}

func (t *pgTx) Idempotency(key string) (inventory.IdempotencyRecord, error) {
	if err := t.check(); err != nil {
		return inventory.IdempotencyRecord{}, err
	}
	sl, ok := t.idem[key]
	if !ok {
		var rec inventory.IdempotencyRecord
		var res string
		found, err := t.row([]any{&rec.Fingerprint, &rec.Seq, &res}, t.s.q.idempotency, key)
		if err != nil {
			return inventory.IdempotencyRecord{}, err
		}
		rec.Key, rec.Reservation = key, inventory.ReservationID(res)
		sl = &idemSlot{rec: rec, exists: found}
		t.idem[key] = sl
	}
	if !sl.exists {
		return inventory.IdempotencyRecord{}, fmt.Errorf("%w: idempotency key %q", inventory.ErrNotFound, key)
	}
	return sl.rec, nil
}

func (t *pgTx) ChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	k := chanSKU{ch, sku}
	if v, ok := t.raws[k]; ok {
		return v, nil
	}
	if t.skus[sku] {
		return 0, nil
	}
	var v int64
	if _, err := t.row([]any{&v}, t.s.q.raw, string(sku), string(ch)); err != nil {
		return 0, err
	}
	t.raws[k] = v
	return v, nil
}

func (t *pgTx) Entry(seq int64) (inventory.Entry, error) {
	if err := t.check(); err != nil {
		return inventory.Entry{}, err
	}
	if seq > t.flushedSeq && seq <= t.seq && t.headLocked {
		return t.entries[seq-t.flushedSeq-1].Clone(), nil
	}
	var body []byte
	found, err := t.row([]any{&body}, t.s.q.entry, seq)
	if err != nil {
		return inventory.Entry{}, err
	}
	if !found {
		return inventory.Entry{}, fmt.Errorf("%w: entry %d", inventory.ErrNotFound, seq)
	}
	e, err := decodeEntry(seq, body)
	if err != nil {
		return inventory.Entry{}, fmt.Errorf("postgres: entry %d: %w", seq, err)
	}
	return e, nil
}

func (t *pgTx) Entries(after int64, limit int) ([]inventory.Entry, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	if t.write {
		if err := t.flush(false); err != nil {
			return nil, err
		}
	}
	var out []inventory.Entry
	var seq int64
	var body []byte
	err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&seq, &body); err != nil {
			return err
		}
		e, err := decodeEntry(seq, body)
		if err != nil {
			return fmt.Errorf("postgres: entry %d: %w", seq, err)
		}
		out = append(out, e)
		return nil
	}, t.s.q.entries, max(after, 0), limit)
	return out, err
}

func (t *pgTx) LastSeq() (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if t.headLocked {
		return t.seq, nil
	}
	var seq int64
	found, err := t.row([]any{&seq}, t.s.q.readHead)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("postgres: ledger head missing in schema %q: %w", t.s.schema, ErrCorrupt)
	}
	return seq, nil
}

func (t *pgTx) DueReservations(now time.Time, limit int) ([]inventory.ReservationID, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	if err := t.prepareScan(); err != nil {
		return nil, err
	}
	var out []inventory.ReservationID
	var id string
	err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&id); err != nil {
			return err
		}
		out = append(out, inventory.ReservationID(id))
		return nil
	}, t.s.q.due, now.UnixNano(), limit)
	return out, err
}

func (t *pgTx) NextExpiry() (time.Time, bool, error) {
	if err := t.check(); err != nil {
		return time.Time{}, false, err
	}
	if err := t.prepareScan(); err != nil {
		return time.Time{}, false, err
	}
	var n *int64
	if _, err := t.row([]any{&n}, t.s.q.nextExpiry); err != nil {
		return time.Time{}, false, err
	}
	if n == nil {
		return time.Time{}, false, nil
	}
	return codec.FromUnixNanos(*n), true, nil
}

func (t *pgTx) Reservations(fn func(inventory.Reservation) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.prepareScan(); err != nil {
		return err
	}
	var all []inventory.Reservation
	var id string
	var body []byte
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&id, &body); err != nil {
			return err
		}
		res, err := decodeReservation(id, body)
		if err != nil {
			return fmt.Errorf("postgres: reservation %q: %w", id, err)
		}
		all = append(all, res)
		return nil
	}, t.s.q.reservations); err != nil {
		return err
	}
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTx) Balances(fn func(inventory.Balance) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.prepareScan(); err != nil {
		return err
	}
	var all []inventory.Balance
	var sku, loc, peer string
	var bucket int16
	var qty int64
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&sku, &loc, &bucket, &peer, &qty); err != nil {
			return err
		}
		all = append(all, inventory.Balance{Account: inventory.Account{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc),
			Bucket: inventory.Bucket(bucket), Peer: omnikit.LocationID(peer)}, Qty: qty})
		return nil
	}, t.s.q.balances); err != nil {
		return err
	}
	for _, b := range all {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTx) SafetyStocks(fn func(inventory.SafetyStock) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.prepareScan(); err != nil {
		return err
	}
	var all []inventory.SafetyStock
	var sku, loc string
	var qty int64
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&sku, &loc, &qty); err != nil {
			return err
		}
		all = append(all, inventory.SafetyStock{SKU: omnikit.SKU(sku), Location: omnikit.LocationID(loc), Qty: qty})
		return nil
	}, t.s.q.safeties); err != nil {
		return err
	}
	for _, s := range all {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTx) ChannelRaws(fn func(inventory.ChannelRaw) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.prepareScan(); err != nil {
		return err
	}
	var all []inventory.ChannelRaw
	var ch, sku string
	var raw int64
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&ch, &sku, &raw); err != nil {
			return err
		}
		all = append(all, inventory.ChannelRaw{Channel: omnikit.ChannelID(ch), SKU: omnikit.SKU(sku), Raw: raw})
		return nil
	}, t.s.q.raws); err != nil {
		return err
	}
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTx) Config() (inventory.Config, error) {
	if err := t.check(); err != nil {
		return inventory.Config{}, err
	}
	if t.write {
		if err := t.flush(false); err != nil {
			return inventory.Config{}, err
		}
	}
	var c inventory.Config
	var id, name, typ string
	var lat, lng float64
	var caps int16
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&id, &name, &typ, &lat, &lng, &caps); err != nil {
			return err
		}
		c.Locations = append(c.Locations, inventory.Location{ID: omnikit.LocationID(id), Name: name, Type: inventory.LocationType(typ),
			Geo: omnikit.GeoPoint{Lat: lat, Lng: lng}, Capabilities: inventory.Capabilities(caps)})
		return nil
	}, t.s.q.locations); err != nil {
		return inventory.Config{}, err
	}
	var pool []string
	var rule inventory.ChannelRule
	if err := t.rows(func(r pgx.Rows) error {
		pool = nil
		if err := r.Scan(&id, &name, &pool, &rule.BufferPercent, &rule.BufferUnits, &rule.Cap, &rule.StoreThreshold); err != nil {
			return err
		}
		ch := inventory.Channel{ID: omnikit.ChannelID(id), Name: name, Rule: rule}
		if len(pool) > 0 {
			ch.Pool = make([]omnikit.LocationID, len(pool))
			for i, p := range pool {
				ch.Pool[i] = omnikit.LocationID(p)
			}
		}
		c.Channels = append(c.Channels, ch)
		return nil
	}, t.s.q.channels); err != nil {
		return inventory.Config{}, err
	}
	if err := t.rows(func(r pgx.Rows) error {
		if err := r.Scan(&id); err != nil {
			return err
		}
		c.SKUs = append(c.SKUs, omnikit.SKU(id))
		return nil
	}, t.s.q.skus); err != nil {
		return inventory.Config{}, err
	}
	return c, nil
}

// Tx.

func (t *pgTx) Append(e *inventory.Entry, balances []inventory.Balance) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := t.lockHead(); err != nil {
		return err
	}
	for _, b := range balances {
		t.bal[b.Account] = b.Qty
		t.dirtyBal[b.Account] = struct{}{}
	}
	t.seq++
	e.Seq = t.seq
	t.entries = append(t.entries, e.Clone())
	return nil
}

func (t *pgTx) PutReservation(r inventory.Reservation) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	sl := t.res[r.ID]
	if sl == nil {
		sl = &resSlot{}
		t.res[r.ID] = sl
	}
	sl.r, sl.exists, sl.dirty = r.Clone(), true, true
	return nil
}

func (t *pgTx) PutIdempotency(rec inventory.IdempotencyRecord) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if sl, ok := t.idem[rec.Key]; ok && sl.exists {
		return fmt.Errorf("postgres: idempotency key %q already recorded", rec.Key)
	}
	t.idem[rec.Key] = &idemSlot{rec: rec, exists: true, dirty: true}
	return nil
}

func (t *pgTx) AddChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, delta int64) (int64, error) {
	if err := t.checkWrite(); err != nil {
		return 0, err
	}
	v, err := t.ChannelRaw(ch, sku)
	if err != nil {
		return 0, err
	}
	k := chanSKU{ch, sku}
	t.raws[k] = v + delta
	t.dirtyRaws[k] = struct{}{}
	return v + delta, nil
}

func (t *pgTx) SetChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := chanSKU{ch, sku}
	t.raws[k] = raw
	t.dirtyRaws[k] = struct{}{}
	return nil
}

func (t *pgTx) SetSafetyStock(s inventory.SafetyStock) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := skuLoc{s.SKU, s.Location}
	t.sfty[k] = s.Qty
	t.dirtySfty[k] = struct{}{}
	return nil
}

func (t *pgTx) PutLocation(l inventory.Location) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	t.locs = append(t.locs, l)
	return nil
}

func (t *pgTx) PutChannel(c inventory.Channel) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	c.Pool = slices.Clone(c.Pool)
	t.chans = append(t.chans, c)
	return nil
}

func (t *pgTx) PutSKUs(skus []omnikit.SKU) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	t.newSKUs = append(t.newSKUs, skus...)
	return nil
}
