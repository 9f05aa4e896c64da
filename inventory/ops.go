package inventory

import (
	"context"

	"github.com/omnikit/omnikit"
)

// StockRequest moves units of several SKUs at one location.
type StockRequest struct {
	Location omnikit.LocationID
	Lines    []Line
	// Reference is the caller's reference (delivery note, receipt, order).
	Reference string
	// IdempotencyKey, when set, makes the command apply at most once: a
	// retry with the same input returns the first result.
	IdempotencyKey string
}

// AdjustRequest records units found (positive Delta) or lost, stolen or
// damaged (negative Delta) at one location.
type AdjustRequest struct {
	Location       omnikit.LocationID
	Lines          []Adjustment
	Reference      string
	IdempotencyKey string
}

// Adjustment is a signed change of the sellable units of a SKU.
type Adjustment struct {
	SKU   omnikit.SKU
	Delta int64
}

// CountRequest records a stock count: the units physically on hand
// (sellable plus reserved; quarantine is counted apart) of each SKU.
type CountRequest struct {
	Location       omnikit.LocationID
	Lines          []CountLine
	Reference      string
	IdempotencyKey string
}

// CountLine is the counted on-hand quantity of a SKU.
type CountLine struct {
	SKU    omnikit.SKU
	OnHand int64
}

// TransferRequest moves units from one location to another through the
// in-transit bucket of the destination.
type TransferRequest struct {
	From, To       omnikit.LocationID
	Lines          []Line
	Reference      string
	IdempotencyKey string
}

// ReturnRequest takes customer returns into a location, into quarantine for
// inspection or straight back to sellable.
type ReturnRequest struct {
	Location omnikit.LocationID
	Lines    []Line
	// Sellable puts the units straight back on sale instead of quarantine.
	Sellable       bool
	Reference      string
	IdempotencyKey string
}

// stockCommand builds and runs a command whose postings move each line at
// one location from one bucket to another.
func (l *Ledger) stockCommand(ctx context.Context, kind EntryKind, req StockRequest, from, to Bucket, a auth) (Entry, error) {
	defer l.cfgMu.RLock().RUnlock()
	if err := l.checkLines(req.Location, req.Lines, req.Reference); err != nil {
		return Entry{}, err
	}
	c := &command{kind: kind, ref: req.Reference, key: req.IdempotencyKey, auth: a}
	for _, ln := range req.Lines {
		p := Posting{
			From: Account{SKU: ln.SKU, Location: req.Location, Bucket: from},
			To:   Account{SKU: ln.SKU, Location: req.Location, Bucket: to},
			Qty:  ln.Qty,
		}
		c.postings = append(c.postings, p)
		c.keys = append(c.keys, p.From, p.To)
	}
	if c.key != "" {
		f := newFingerprint(string(kind)).str(string(req.Location)).str(req.Reference).str(from.String()).str(to.String())
		for _, ln := range req.Lines {
			f.str(string(ln.SKU)).num(ln.Qty)
		}
		c.fp = f.sum()
	}
	return l.run(ctx, l.cfg, c)
}

func (l *Ledger) checkLines(loc omnikit.LocationID, lines []Line, ref string) error {
	if len(lines) == 0 {
		return invalid("lines", "no lines")
	}
	for i, ln := range lines {
		if err := l.checkSKULoc(ln.SKU, loc, "lines", i); err != nil {
			return err
		}
		if err := checkQty(ln.Qty, "lines", i, ".qty"); err != nil {
			return err
		}
	}
	return checkText(ref, "reference")
}

// Receive records units arriving from a supplier into sellable stock. It is
// a recording write and is never refused for stock.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrIdempotencyConflict.
func (l *Ledger) Receive(ctx context.Context, req StockRequest) (Entry, error) {
	return l.stockCommand(ctx, KindReceive, req, Supplier, Sellable, recording)
}

// Sell records a sale at a till: sellable units handed to the customer
// without a reservation. It is a recording write: a sale of units the book
// does not have is never refused; the sellable balance goes negative, the
// entry flags the account (see Discrepancies) and availability counts it as
// zero.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrIdempotencyConflict.
func (l *Ledger) Sell(ctx context.Context, req StockRequest) (Entry, error) {
	return l.stockCommand(ctx, KindSale, req, Sellable, Customer, recording)
}

// Restock moves inspected units from quarantine back to sellable.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrInsufficientStock (more than is in quarantine), ErrIdempotencyConflict.
func (l *Ledger) Restock(ctx context.Context, req StockRequest) (Entry, error) {
	return l.stockCommand(ctx, KindRestock, req, Quarantine, Sellable, auth{bucket: Quarantine})
}

// WriteOff moves units from quarantine to shrinkage: damaged beyond sale.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrInsufficientStock (more than is in quarantine), ErrIdempotencyConflict.
func (l *Ledger) WriteOff(ctx context.Context, req StockRequest) (Entry, error) {
	return l.stockCommand(ctx, KindWriteOff, req, Quarantine, Shrinkage, auth{bucket: Quarantine})
}

// Return records customer returns into quarantine, or into sellable when
// req.Sellable is set. It is a recording write.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrIdempotencyConflict.
func (l *Ledger) Return(ctx context.Context, req ReturnRequest) (Entry, error) {
	to := Quarantine
	if req.Sellable {
		to = Sellable
	}
	return l.stockCommand(ctx, KindReturn, StockRequest{
		Location: req.Location, Lines: req.Lines, Reference: req.Reference, IdempotencyKey: req.IdempotencyKey,
	}, Customer, to, recording)
}

// Adjust records units found or lost. It is a recording write.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrIdempotencyConflict.
func (l *Ledger) Adjust(ctx context.Context, req AdjustRequest) (Entry, error) {
	defer l.cfgMu.RLock().RUnlock()
	if len(req.Lines) == 0 {
		return Entry{}, invalid("lines", "no lines")
	}
	c := &command{kind: KindAdjust, ref: req.Reference, key: req.IdempotencyKey}
	f := newFingerprint(string(KindAdjust)).str(string(req.Location)).str(req.Reference)
	for i, ln := range req.Lines {
		if err := l.checkSKULoc(ln.SKU, req.Location, "lines", i); err != nil {
			return Entry{}, err
		}
		if ln.Delta == 0 || ln.Delta > MaxQty || ln.Delta < -MaxQty {
			return Entry{}, invalid(fieldName("lines", i, ".delta"), "%d is zero or beyond ±%d", ln.Delta, int64(MaxQty))
		}
		sell := Account{SKU: ln.SKU, Location: req.Location, Bucket: Sellable}
		shr := Account{SKU: ln.SKU, Location: req.Location, Bucket: Shrinkage}
		p := Posting{From: shr, To: sell, Qty: ln.Delta}
		if ln.Delta < 0 {
			p = Posting{From: sell, To: shr, Qty: -ln.Delta}
		}
		c.postings = append(c.postings, p)
		c.keys = append(c.keys, sell, shr)
		f.str(string(ln.SKU)).num(ln.Delta)
	}
	if err := checkText(req.Reference, "reference"); err != nil {
		return Entry{}, err
	}
	if c.key != "" {
		c.fp = f.sum()
	}
	return l.run(ctx, l.cfg, c)
}

// Count records a stock count: for each line the sellable balance is set so
// that sellable plus reserved equals the counted on-hand units, the
// difference posted against shrinkage. It is a recording write: a count
// below the reserved units drives sellable negative and flags it.
//
// Errors: ErrInvalidInput (also for a SKU counted twice), ErrUnknownSKU,
// ErrUnknownLocation, ErrIdempotencyConflict.
func (l *Ledger) Count(ctx context.Context, req CountRequest) (Entry, error) {
	defer l.cfgMu.RLock().RUnlock()
	if len(req.Lines) == 0 {
		return Entry{}, invalid("lines", "no lines")
	}
	c := &command{kind: KindCount, ref: req.Reference, key: req.IdempotencyKey}
	f := newFingerprint(string(KindCount)).str(string(req.Location)).str(req.Reference)
	seen := make(map[omnikit.SKU]bool, len(req.Lines))
	for i, ln := range req.Lines {
		if err := l.checkSKULoc(ln.SKU, req.Location, "lines", i); err != nil {
			return Entry{}, err
		}
		if ln.OnHand < 0 || ln.OnHand > MaxQty {
			return Entry{}, invalid(fieldName("lines", i, ".on_hand"), "%d is not within 0..%d", ln.OnHand, int64(MaxQty))
		}
		if seen[ln.SKU] {
			return Entry{}, invalid(fieldName("lines", i, ".sku"), "%s is counted twice", ln.SKU)
		}
		seen[ln.SKU] = true
		c.keys = append(c.keys,
			Account{SKU: ln.SKU, Location: req.Location, Bucket: Sellable},
			Account{SKU: ln.SKU, Location: req.Location, Bucket: Reserved},
			Account{SKU: ln.SKU, Location: req.Location, Bucket: Shrinkage})
		f.str(string(ln.SKU)).num(ln.OnHand)
	}
	if err := checkText(req.Reference, "reference"); err != nil {
		return Entry{}, err
	}
	if c.key != "" {
		c.fp = f.sum()
	}
	c.build = func(tx ReadTx) ([]Posting, error) {
		var ps []Posting
		for _, ln := range req.Lines {
			sell := Account{SKU: ln.SKU, Location: req.Location, Bucket: Sellable}
			res := Account{SKU: ln.SKU, Location: req.Location, Bucket: Reserved}
			shr := Account{SKU: ln.SKU, Location: req.Location, Bucket: Shrinkage}
			s, err := tx.Balance(sell)
			if err != nil {
				return nil, err
			}
			r, err := tx.Balance(res)
			if err != nil {
				return nil, err
			}
			switch d := ln.OnHand - (s + r); {
			case d > 0:
				ps = append(ps, Posting{From: shr, To: sell, Qty: d})
			case d < 0:
				ps = append(ps, Posting{From: sell, To: shr, Qty: -d})
			}
		}
		return ps, nil
	}
	return l.run(ctx, l.cfg, c)
}

// TransferOut sends sellable units from req.From towards req.To: they wait
// in the in-transit bucket of the destination until TransferIn.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrInsufficientStock (more than is sellable at the origin),
// ErrIdempotencyConflict.
func (l *Ledger) TransferOut(ctx context.Context, req TransferRequest) (Entry, error) {
	return l.transfer(ctx, KindTransferOut, req)
}

// TransferIn receives transferred units at req.To into sellable stock. A
// receipt of fewer units than were sent leaves the rest in transit.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation,
// ErrInsufficientStock (more than is in transit from req.From to req.To),
// ErrIdempotencyConflict.
func (l *Ledger) TransferIn(ctx context.Context, req TransferRequest) (Entry, error) {
	return l.transfer(ctx, KindTransferIn, req)
}

func (l *Ledger) transfer(ctx context.Context, kind EntryKind, req TransferRequest) (Entry, error) {
	defer l.cfgMu.RLock().RUnlock()
	if req.From == req.To {
		return Entry{}, invalid("to", "transfer from %q to itself", req.From)
	}
	if err := l.checkLines(req.From, req.Lines, req.Reference); err != nil {
		return Entry{}, err
	}
	// The lines were checked at the origin; the destination only needs to exist.
	if err := req.To.Validate(); err != nil {
		return Entry{}, invalid("to", "%v", err)
	}
	if _, ok := l.cfg.locations[req.To]; !ok {
		return Entry{}, &UnknownError{Kind: "location", ID: string(req.To)}
	}
	c := &command{kind: kind, ref: req.Reference, key: req.IdempotencyKey}
	f := newFingerprint(string(kind)).str(string(req.From)).str(string(req.To)).str(req.Reference)
	for _, ln := range req.Lines {
		transit := Account{SKU: ln.SKU, Location: req.To, Bucket: InTransit, Peer: req.From}
		p := Posting{From: Account{SKU: ln.SKU, Location: req.From, Bucket: Sellable}, To: transit, Qty: ln.Qty}
		c.auth = auth{bucket: Sellable}
		if kind == KindTransferIn {
			p = Posting{From: transit, To: Account{SKU: ln.SKU, Location: req.To, Bucket: Sellable}, Qty: ln.Qty}
			c.auth = auth{bucket: InTransit}
		}
		c.postings = append(c.postings, p)
		c.keys = append(c.keys, p.From, p.To)
		f.str(string(ln.SKU)).num(ln.Qty)
	}
	if c.key != "" {
		c.fp = f.sum()
	}
	return l.run(ctx, l.cfg, c)
}

// command is a ledger write prepared outside the store transaction.
type command struct {
	kind     EntryKind
	ref      string
	key, fp  string
	keys     []Account
	postings []Posting
	// build, when set, makes the postings from balances read in the
	// transaction (a count).
	build func(tx ReadTx) ([]Posting, error)
	auth  auth
}

func (l *Ledger) run(ctx context.Context, cfg *config, c *command) (Entry, error) {
	keys := sortKeys(c.keys)
	var out Entry
	err := l.exec(ctx, keys, func(tx Tx) error {
		rec, hit, err := replay(tx, c.key, c.fp)
		if err != nil {
			return err
		}
		if hit {
			out, err = tx.Entry(rec.Seq)
			return err
		}
		postings := c.postings
		if c.build != nil {
			if postings, err = c.build(tx); err != nil {
				return err
			}
		}
		e := &Entry{Kind: c.kind, At: l.clock.Now(), Reference: c.ref, IdempotencyKey: c.key, Postings: postings}
		if err := l.post(tx, cfg, e, c.auth); err != nil {
			return err
		}
		if c.key != "" {
			if err := tx.PutIdempotency(IdempotencyRecord{Key: c.key, Fingerprint: c.fp, Seq: e.Seq}); err != nil {
				return err
			}
		}
		out = *e
		return nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}
