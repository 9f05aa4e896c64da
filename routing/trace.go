package routing

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/omnikit/omnikit"
)

// The candidate traces of a decision are stored compactly: one
// pointer-free 24-byte traceRow per candidate (allocated noscan, so the
// collector never scans it and writing it costs no write barrier; 1,000
// rows stay below the 32 KiB size above which allocation is much slower),
// the parts of the reasons that repeat (status, code, rule, unit, soft
// flag, units) interned in a small table, the non-zero measured values in
// a side table, the ranker keys in one shared []int64, and the location
// ids in a table the rows index (the network's own, for a routed
// decision). Decision.Candidates builds the exported view.

// traceRow is one candidate's trace.
type traceRow struct {
	dist   int64 // DistanceMeters
	site   int32 // index into traceSet.ids
	shape  int32 // index of the reasonShape, see traceSet.shape
	keyOff int32 // Keys start at keys[keyOff], see traceSet.keyLen; -1 means nil Keys
	meas   int32 // index into traceSet.measures; -1 means Measured and Limit are 0
}

// measure is a reason's Measured and Limit.
type measure struct{ measured, limit int64 }

// reasonShape is what a candidate's trace shares with others: its status,
// its reason without the measured values, and its units.
type reasonShape struct {
	status           CandidateStatus
	code, rule, unit string
	soft             bool
	units            int64
}

// Shapes every routed decision may use, at fixed indexes before the
// decision's own table.
const (
	shapeNotNeeded int32 = iota
	shapeStockNone
	shapeUnfulfillable
	nBuiltinShapes
)

var builtinShapes = [nBuiltinShapes]reasonShape{
	shapeNotNeeded:     {status: Unused, code: CodeNotNeeded, rule: "solver"},
	shapeStockNone:     {status: Unused, code: CodeStockNone, rule: "stock"},
	shapeUnfulfillable: {status: Unused, code: CodeUnfulfillable, rule: "policy"},
}

// traceSet is the compact trace of a decision's candidates.
type traceSet struct {
	rows     []traceRow // nil when the decision has no trace (the zero Decision)
	shapes   []reasonShape
	measures []measure
	keys     []int64
	nkeys    int32   // the length of every row's Keys (one per ranker) ...
	keyLens  []int32 // ... unless keyLens, parallel to rows, is set (UnmarshalJSON)
	ids      []omnikit.LocationID
}

// keyLen returns the number of keys of row i.
func (t *traceSet) keyLen(i int) int32 {
	if t.keyLens != nil {
		return t.keyLens[i]
	}
	return t.nkeys
}

// setMeasure records r's measured values in row tr.
func (t *traceSet) setMeasure(tr *traceRow, r *Reason) {
	if r.Measured != 0 || r.Limit != 0 {
		tr.meas = int32(len(t.measures))
		if t.measures == nil {
			t.measures = make([]measure, 0, 16)
		}
		t.measures = append(t.measures, measure{r.Measured, r.Limit})
	}
}

func (t *traceSet) shape(i int32) *reasonShape {
	if i < nBuiltinShapes {
		return &builtinShapes[i]
	}
	return &t.shapes[i-nBuiltinShapes]
}

// reason returns row r's Reason.
func (t *traceSet) reason(r *traceRow) Reason {
	s := t.shape(r.shape)
	out := Reason{Code: s.code, Rule: s.rule, Unit: s.unit, Soft: s.soft}
	if r.meas >= 0 {
		m := &t.measures[r.meas]
		out.Measured, out.Limit = m.measured, m.limit
	}
	return out
}

// fill sets *c, a zero Candidate, to row i's, with its keys in keys (the
// trace's keys or a copy of them). It writes the fields one by one and
// skips the zero ones: c is usually fresh heap memory, and single pointer
// writes cost less than copying whole structs while the GC marks.
func (t *traceSet) fill(c *Candidate, i int, keys []int64) {
	r := &t.rows[i]
	s := t.shape(r.shape)
	c.Location, c.Status, c.DistanceMeters = t.ids[r.site], s.status, r.dist
	c.Reason.Code, c.Reason.Rule = s.code, s.rule
	if s.unit != "" {
		c.Reason.Unit = s.unit
	}
	c.Reason.Soft, c.Units = s.soft, s.units
	if r.meas >= 0 {
		m := &t.measures[r.meas]
		c.Reason.Measured, c.Reason.Limit = m.measured, m.limit
	}
	if r.keyOff >= 0 {
		end := r.keyOff + t.keyLen(i)
		c.Keys = keys[r.keyOff:end:end]
	}
}

// find returns the index of the row of location id; rows are sorted by id.
func (t *traceSet) find(id omnikit.LocationID) (int, bool) {
	return slices.BinarySearchFunc(t.rows, id, func(r traceRow, id omnikit.LocationID) int {
		return strings.Compare(string(t.ids[r.site]), string(id))
	})
}

// shapeTable interns reason shapes while a trace is built; the decision
// keeps only the table.
type shapeTable struct {
	set   *traceSet
	last  int32
	index map[reasonShape]int32 // built once the table outgrows a scan
}

// maxShapeScan is the table size up to which intern scans linearly: the
// built-in filters give a handful of shapes, plug-ins may give many.
const maxShapeScan = 16

// intern returns the index of s, adding it to the table when new.
func (st *shapeTable) intern(s reasonShape) int32 {
	t := st.set
	if st.last >= nBuiltinShapes && t.shapes[st.last-nBuiltinShapes] == s {
		return st.last
	}
	var i int32 = -1
	if st.index != nil {
		if j, ok := st.index[s]; ok {
			i = j
		}
	} else {
		for j := range t.shapes {
			if t.shapes[j] == s {
				i = int32(j) + nBuiltinShapes
				break
			}
		}
	}
	if i < 0 {
		i = int32(len(t.shapes)) + nBuiltinShapes
		if t.shapes == nil {
			t.shapes = make([]reasonShape, 0, 8) // enough for most decisions
		}
		t.shapes = append(t.shapes, s)
		if st.index != nil {
			st.index[s] = i
		} else if len(t.shapes) > maxShapeScan {
			st.index = make(map[reasonShape]int32, 2*len(t.shapes))
			for j, x := range t.shapes {
				st.index[x] = int32(j) + nBuiltinShapes
			}
		}
	}
	st.last = i
	return i
}

// internReason is intern for a candidate of the given status and reason
// (its measured values go in the row, not the shape).
func (st *shapeTable) internReason(status CandidateStatus, r *Reason) int32 {
	return st.intern(reasonShape{status: status, code: r.Code, rule: r.Rule, unit: r.Unit, soft: r.Soft})
}

// Candidates returns one Candidate per candidate location, sorted by id:
// status, reason, units, exact distance and ranker keys. The slice and
// the keys are built afresh on each call, so the caller may keep or
// modify them; it allocates about 150 bytes per candidate (some 150 KiB
// for 1,000 locations), so to read one location use Candidate or WhyNot.
// It returns nil for a Decision without candidate traces (the zero
// Decision).
func (d *Decision) Candidates() []Candidate {
	t := &d.cands
	if t.rows == nil {
		return nil
	}
	out := make([]Candidate, len(t.rows))
	keys := make([]int64, len(t.keys)) // non-nil even when empty, like the keys it copies
	copy(keys, t.keys)
	for i := range t.rows {
		t.fill(&out[i], i, keys)
	}
	return out
}

// Candidate returns the trace of the candidate location id (its Keys are
// a copy), and false when id was not a candidate of the request.
func (d *Decision) Candidate(id omnikit.LocationID) (Candidate, bool) {
	t := &d.cands
	i, ok := t.find(id)
	if !ok {
		return Candidate{}, false
	}
	var c Candidate
	t.fill(&c, i, t.keys)
	c.Keys = slices.Clone(c.Keys)
	return c, true
}

// WhyNot returns the reason a location was not used: its candidate reason
// (filter, exclusion, "not_needed"...), "used" when it was used, or
// "scope.out" when it was not a candidate.
func (d *Decision) WhyNot(id omnikit.LocationID) Reason {
	t := &d.cands
	i, ok := t.find(id)
	if !ok {
		return Reason{Code: CodeOutOfScope, Rule: "scope"}
	}
	return t.reason(&t.rows[i])
}

// decisionJSON is Decision with its candidates as an exported field: the
// JSON encoding of a Decision. Its fields are Decision's exported fields
// with Candidates in its place, in order (TestDecisionJSONFields).
type decisionJSON struct {
	Status      Status
	Strategy    string
	Solver      string
	Relaxed     []string
	Allocations []Allocation
	Unfulfilled []Shortfall
	Packages    []Package
	Objective   Objective
	RunnerUp    *Objective
	Certificate Certificate
	Candidates  []Candidate
	Attempts    []Attempt
}

func (d *Decision) toJSON() decisionJSON {
	return decisionJSON{
		Status: d.Status, Strategy: d.Strategy, Solver: d.Solver, Relaxed: d.Relaxed,
		Allocations: d.Allocations, Unfulfilled: d.Unfulfilled, Packages: d.Packages,
		Objective: d.Objective, RunnerUp: d.RunnerUp, Certificate: d.Certificate,
		Candidates: d.Candidates(), Attempts: d.Attempts,
	}
}

// MarshalJSON encodes the decision as an object of its exported fields
// with "Candidates" (the list Candidates returns) between "Certificate"
// and "Attempts". It has a value receiver so that a Decision value, not
// only a pointer, encodes this way.
func (d Decision) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.toJSON())
}

// UnmarshalJSON decodes what MarshalJSON encodes. As for a struct, fields
// absent from data keep their values; the candidates keep the order they
// have in data (WhyNot and Candidate expect it sorted by id).
func (d *Decision) UnmarshalJSON(data []byte) error {
	j := d.toJSON()
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*d = Decision{
		Status: j.Status, Strategy: j.Strategy, Solver: j.Solver, Relaxed: j.Relaxed,
		Allocations: j.Allocations, Unfulfilled: j.Unfulfilled, Packages: j.Packages,
		Objective: j.Objective, RunnerUp: j.RunnerUp, Certificate: j.Certificate,
		Attempts: j.Attempts, cands: newTraceSet(j.Candidates),
	}
	return nil
}

// newTraceSet is the compact trace of cs, in their order.
func newTraceSet(cs []Candidate) traceSet {
	if cs == nil {
		return traceSet{}
	}
	t := traceSet{rows: make([]traceRow, len(cs)), ids: make([]omnikit.LocationID, len(cs)), keyLens: make([]int32, len(cs))}
	nk := 0
	for i := range cs {
		nk += len(cs[i].Keys)
	}
	t.keys = make([]int64, 0, nk)
	st := shapeTable{set: &t}
	for i := range cs {
		c := &cs[i]
		t.ids[i] = c.Location
		r := &t.rows[i]
		*r = traceRow{dist: c.DistanceMeters, site: int32(i), keyOff: -1, meas: -1}
		r.shape = st.intern(reasonShape{status: c.Status, code: c.Reason.Code, rule: c.Reason.Rule, unit: c.Reason.Unit, soft: c.Reason.Soft, units: c.Units})
		t.setMeasure(r, &c.Reason)
		if c.Keys != nil {
			r.keyOff, t.keyLens[i] = int32(len(t.keys)), int32(len(c.Keys))
			t.keys = append(t.keys, c.Keys...)
		}
	}
	return t
}
