package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"

	"github.com/omnikit/omnikit"
)

// auth says how a command's postings are checked.
type auth struct {
	// bucket is the bucket an authorizing write may not drive below its
	// floor; 0 makes the command a recording write, never refused.
	bucket Bucket
	// safety makes the floor of a sellable account its safety stock
	// (reservations promise ATP, not every sellable unit).
	safety bool
}

var recording = auth{}

// balChange is an account a command changes. It is 80 bytes: loops over
// them take each by pointer, not by copy.
type balChange struct {
	acct     Account
	old, new int64
	safety   int64 // of a sellable account that changed
}

// post checks e's postings against the balances in tx, computes the new
// balances and the channel availability they cause, and appends e. It
// writes nothing when it returns a *ShortageError.
func (l *Ledger) post(tx Tx, cfg *config, e *Entry, a auth) error {
	return l.postWith(tx, cfg, e, a, nil)
}

// postScratch holds buffers a pooled command lends to postWith, and the
// head of its entry if the store encoded it before the transaction (see
// Preencoder), with the transaction to append it through.
type postScratch struct {
	balances []Balance
	levels   []ChannelLevel
	head     []byte
	ptx      PreencodedTx // set with head
}

func (s postScratch) reset() postScratch {
	if cap(s.balances) > 64 || cap(s.levels) > 64 {
		return postScratch{}
	}
	if s.head != nil || len(s.balances) > 0 {
		// Used since the last reset (a command through postWith): drop
		// what its buffers point to. A reservation through a
		// DirectReserver leaves them untouched.
		clear(s.balances[:cap(s.balances)])
		clear(s.levels[:cap(s.levels)])
	}
	return postScratch{balances: s.balances[:0], levels: s.levels[:0]}
}

// postWith is post with the balances handed to the store built in
// scratch's buffers, when scratch is not nil. The entry then shares them:
// it must not outlive the scratch's next use.
func (l *Ledger) postWith(tx Tx, cfg *config, e *Entry, a auth, scratch *postScratch) error {
	// A command touches few accounts: keep them on the stack.
	var buf [8]balChange
	changes := buf[:0]
	for _, p := range e.Postings {
		var err error
		if changes, err = move(tx, changes, p.From, -p.Qty); err != nil {
			return err
		}
		if changes, err = move(tx, changes, p.To, p.Qty); err != nil {
			return err
		}
	}

	// The safety stock of every sellable account that changed: needed for
	// the check of a reservation and for channel availability.
	for i := range changes {
		c := &changes[i]
		if c.acct.Bucket == Sellable && c.new != c.old {
			s, err := tx.SafetyStock(c.acct.SKU, c.acct.Location)
			if err != nil {
				return err
			}
			c.safety = s
		}
	}

	if a.bucket != 0 {
		var short []Shortage
		for i := range changes {
			c := &changes[i]
			if c.acct.Bucket != a.bucket || c.new >= c.old {
				continue
			}
			var floor int64
			if a.safety && c.acct.Bucket == Sellable {
				floor = c.safety
			}
			if c.new < floor {
				short = append(short, Shortage{
					SKU: c.acct.SKU, Location: c.acct.Location, Bucket: c.acct.Bucket,
					Requested: c.old - c.new, Available: max(0, c.old-floor),
				})
			}
		}
		if short != nil {
			return &ShortageError{Lines: short}
		}
	}

	var dbuf [4]channelDelta
	deltas := dbuf[:0]
	n := 0
	for i := range changes {
		if changes[i].new != changes[i].old {
			n++
		}
	}
	var balances []Balance
	if scratch != nil {
		balances = scratch.balances[:0]
	} else {
		balances = make([]Balance, 0, n)
	}
	for i := range changes {
		c := &changes[i]
		if c.new == c.old {
			continue
		}
		balances = append(balances, Balance{Account: c.acct, Qty: c.new})
		if !c.acct.Bucket.IsWorld() && c.new < 0 && c.new < c.old {
			e.Flagged = append(e.Flagged, c.acct)
		}
		if c.acct.Bucket == Sellable {
			deltas = addDelta(deltas, cfg.byLocation[c.acct.Location], c.acct.SKU, atp(c.old, c.safety), atp(c.new, c.safety))
		}
	}
	var levels []ChannelLevel
	if scratch != nil {
		scratch.balances = balances
		levels = scratch.levels[:0]
	}
	levels, err := applyDeltas(tx, deltas, levels)
	if err != nil {
		return err
	}
	if scratch != nil && cap(levels) > cap(scratch.levels) {
		scratch.levels = levels[:0]
	}
	e.Availability = levels
	if scratch != nil && scratch.head != nil && scratch.ptx != nil {
		return scratch.ptx.AppendPreencoded(e, scratch.head, balances)
	}
	return tx.Append(e, balances)
}

// move adds q to the new balance of acct in changes, reading the account
// from tx the first time it is touched.
func move(tx ReadTx, changes []balChange, acct Account, q int64) ([]balChange, error) {
	for i := range changes {
		if changes[i].acct == acct {
			changes[i].new += q
			return changes, nil
		}
	}
	b, err := tx.Balance(acct)
	if err != nil {
		return changes, err
	}
	return append(changes, balChange{acct: acct, old: b, new: b + q}), nil
}

// replay looks up the result of an earlier command with the same
// idempotency key. It returns hit=false when the key is empty or unused, and
// an *IdempotencyConflictError when the key was used with another input.
func replay(tx ReadTx, key, fp string) (IdempotencyRecord, bool, error) {
	if key == "" {
		return IdempotencyRecord{}, false, nil
	}
	rec, err := tx.Idempotency(key)
	if errors.Is(err, ErrNotFound) {
		return IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return IdempotencyRecord{}, false, err
	}
	if rec.Fingerprint != fp {
		return IdempotencyRecord{}, false, &IdempotencyConflictError{Key: key}
	}
	return rec, true, nil
}

// fingerprint identifies a command's input for idempotency.
type fingerprint struct{ b []byte }

func newFingerprint(op string) *fingerprint {
	f := &fingerprint{b: make([]byte, 0, 128)}
	return f.str(op)
}

func (f *fingerprint) str(s string) *fingerprint {
	f.b = strconv.AppendInt(f.b, int64(len(s)), 10)
	f.b = append(f.b, ':')
	f.b = append(f.b, s...)
	return f
}

func (f *fingerprint) num(n int64) *fingerprint {
	f.b = strconv.AppendInt(f.b, n, 10)
	f.b = append(f.b, ';')
	return f
}

func (f *fingerprint) sum() string {
	h := sha256.Sum256(f.b)
	return hex.EncodeToString(h[:16])
}

// sortKeys sorts and deduplicates lock keys.
func sortKeys(keys []Account) []Account {
	if len(keys) == 2 && keys[0].Compare(keys[1]) < 0 {
		return keys // one line's two accounts, the commonest command
	}
	slices.SortFunc(keys, Account.Compare)
	return slices.Compact(keys)
}

// fieldName names a request field in a validation error: prefix, with
// "[i]" when i >= 0, then sub. It is built only when an error is returned,
// never on the hot path.
func fieldName(prefix string, i int, sub string) string {
	if i < 0 {
		return prefix + sub
	}
	return prefix + "[" + itoa(i) + "]" + sub
}

func (l *Ledger) checkSKULoc(sku omnikit.SKU, loc omnikit.LocationID, prefix string, i int) error {
	if _, ok := l.cfg.locations[loc]; ok && l.KnowsSKU(sku) {
		return nil // both were validated when they were defined
	}
	if err := sku.Validate(); err != nil {
		return invalid(fieldName(prefix, i, ".sku"), "%v", err)
	}
	if err := loc.Validate(); err != nil {
		return invalid(fieldName(prefix, i, ".location"), "%v", err)
	}
	if !l.KnowsSKU(sku) {
		return &UnknownError{Kind: "sku", ID: string(sku)}
	}
	if _, ok := l.cfg.locations[loc]; !ok {
		return &UnknownError{Kind: "location", ID: string(loc)}
	}
	return nil
}

func checkQty(q int64, prefix string, i int, sub string) error {
	if q <= 0 || q > MaxQty {
		return invalid(fieldName(prefix, i, sub), "quantity %d is not within 1..%d", q, int64(MaxQty))
	}
	return nil
}

func checkText(s, field string) error {
	if len(s) > 1024 {
		return invalid(field, "longer than 1024 bytes")
	}
	return nil
}
