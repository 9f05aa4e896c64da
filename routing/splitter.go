package routing

import (
	"fmt"
	"slices"

	"github.com/omnikit/omnikit"
)

// PackageItem is Qty units of one line in a package.
type PackageItem struct {
	// Line is the line id.
	Line string
	// SKU is the line's SKU.
	SKU omnikit.SKU
	// Qty is the number of units, > 0.
	Qty int64
}

// Package is one parcel (or tote) prepared at a location.
type Package struct {
	// Location prepares the package.
	Location omnikit.LocationID
	// TransferTo is the pickup store the package is transferred to, or
	// empty.
	TransferTo omnikit.LocationID
	// Items are the package's contents, by line id.
	Items []PackageItem
}

// Units returns the number of units in the package.
func (p Package) Units() int64 {
	var u int64
	for _, it := range p.Items {
		u += it.Qty
	}
	return u
}

// Splitter breaks a location's package into several after the plan is
// chosen; it never changes locations or quantities (the engine checks,
// and refuses a splitter that does with a *PlanError). Splitters run in
// strategy order, each on every package the previous one produced. The
// engine passes a copy: a splitter may reuse its argument. Implementations
// must be deterministic; a panic fails the call with a *PanicError.
type Splitter interface {
	// Name is the splitter's stable name.
	Name() string
	// Split returns the packages that replace p, at least one.
	Split(p Package) []Package
}

// MaxUnitsSplitter splits packages so that none holds more than Max units,
// filling packages in line order and splitting a line across packages
// when it does not fit: a location with u units gets ceil(u/Max)
// packages.
type MaxUnitsSplitter struct {
	// Max is the most units per package, > 0.
	Max int64
}

// Name returns "max_units".
func (MaxUnitsSplitter) Name() string { return "max_units" }

// Split implements Splitter.
func (m MaxUnitsSplitter) Split(p Package) []Package {
	var out []Package
	cur := Package{Location: p.Location, TransferTo: p.TransferTo}
	var room int64 = m.Max
	for _, it := range p.Items {
		for q := it.Qty; q > 0; {
			if room == 0 {
				out = append(out, cur)
				cur = Package{Location: p.Location, TransferTo: p.TransferTo}
				room = m.Max
			}
			take := min(q, room)
			cur.Items = append(cur.Items, PackageItem{Line: it.Line, SKU: it.SKU, Qty: take})
			q -= take
			room -= take
		}
	}
	if len(cur.Items) > 0 {
		out = append(out, cur)
	}
	return out
}

func (m MaxUnitsSplitter) validate() error {
	if m.Max <= 0 {
		return errBadMax
	}
	return nil
}

// MaxItemsSplitter splits packages so that none holds more than Max items
// (line entries), in line order; lines are never split.
type MaxItemsSplitter struct {
	// Max is the most items per package, > 0.
	Max int
}

// Name returns "max_items".
func (MaxItemsSplitter) Name() string { return "max_items" }

// Split implements Splitter.
func (m MaxItemsSplitter) Split(p Package) []Package {
	var out []Package
	for items := p.Items; len(items) > 0; {
		k := min(m.Max, len(items))
		out = append(out, Package{Location: p.Location, TransferTo: p.TransferTo, Items: slices.Clone(items[:k])})
		items = items[k:]
	}
	return out
}

func (m MaxItemsSplitter) validate() error {
	if m.Max <= 0 {
		return errBadMax
	}
	return nil
}

// packages builds one package per used location (allocations are sorted
// by line then location) and runs the splitters.
func packages(as []Allocation, sps []Splitter) ([]Package, error) {
	if len(as) == 0 {
		return nil, nil
	}
	locs := make([]omnikit.LocationID, 0, len(as))
	for _, a := range as {
		locs = append(locs, a.Location)
	}
	slices.Sort(locs)
	locs = slices.Compact(locs)
	pkgs := make([]Package, len(locs))
	at := make([]int, len(as)) // allocation -> package
	count := make([]int, len(locs))
	for j, a := range as {
		i, _ := slices.BinarySearch(locs, a.Location)
		at[j] = i
		count[i]++
	}
	items := make([]PackageItem, 0, len(as)) // one backing array, split by package
	for i, l := range locs {
		pkgs[i].Location = l
		pkgs[i].Items = items[len(items) : len(items) : len(items)+count[i]]
		items = items[:len(items)+count[i]]
	}
	for j, a := range as {
		i := at[j]
		pkgs[i].TransferTo = a.TransferTo
		pkgs[i].Items = append(pkgs[i].Items, PackageItem{Line: a.Line, SKU: a.SKU, Qty: a.Qty})
	}
	for _, sp := range sps {
		var next []Package
		for _, pk := range pkgs {
			out, err := runSplitter(sp, pk)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
		}
		pkgs = next
	}
	return pkgs, nil
}

func runSplitter(sp Splitter, pk Package) (out []Package, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, &PanicError{Plugin: sp.Name(), Value: v}
		}
	}()
	in := pk
	in.Items = slices.Clone(pk.Items)
	out = sp.Split(in)
	// The output must hold exactly the input, at the same location.
	want := map[string]int64{}
	for _, it := range pk.Items {
		want[it.Line+"\x00"+string(it.SKU)] += it.Qty
	}
	if len(out) == 0 {
		return nil, &PlanError{Solver: sp.Name(), Reason: fmt.Sprintf("splitter returned no package for %s", pk.Location)}
	}
	for _, o := range out {
		if o.Location != pk.Location || o.TransferTo != pk.TransferTo {
			return nil, &PlanError{Solver: sp.Name(), Reason: fmt.Sprintf("splitter moved a package from %s to %s", pk.Location, o.Location)}
		}
		if len(o.Items) == 0 {
			return nil, &PlanError{Solver: sp.Name(), Reason: "splitter returned an empty package"}
		}
		for _, it := range o.Items {
			k := it.Line + "\x00" + string(it.SKU)
			if it.Qty <= 0 || want[k] < it.Qty {
				return nil, &PlanError{Solver: sp.Name(), Reason: fmt.Sprintf("splitter changed the quantity of line %s at %s", it.Line, pk.Location)}
			}
			want[k] -= it.Qty
		}
	}
	for _, it := range pk.Items {
		if want[it.Line+"\x00"+string(it.SKU)] != 0 {
			return nil, &PlanError{Solver: sp.Name(), Reason: fmt.Sprintf("splitter dropped units of line %s at %s", it.Line, pk.Location)}
		}
	}
	return out, nil
}
