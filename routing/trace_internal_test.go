package routing

import (
	"reflect"
	"slices"
	"testing"
	"unsafe"
)

// TestDecisionJSONFields checks that decisionJSON, the JSON shape of a
// Decision, has Decision's exported fields, in order, with Candidates
// before Attempts: a field added to Decision must be added there too.
func TestDecisionJSONFields(t *testing.T) {
	var want []string
	for f := range reflect.TypeFor[Decision]().Fields() {
		if f.IsExported() {
			want = append(want, f.Name+" "+f.Type.String())
		}
	}
	i := slices.Index(want, "Attempts []routing.Attempt")
	want = slices.Insert(want, i, "Candidates []routing.Candidate")
	var got []string
	for f := range reflect.TypeFor[decisionJSON]().Fields() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("decisionJSON fields\n%q\nwant\n%q", got, want)
	}
}

// TestTraceRowCompact checks that a trace row holds no pointer (so that
// the rows are allocated noscan) and stays 24 bytes.
func TestTraceRowCompact(t *testing.T) {
	if s := unsafe.Sizeof(traceRow{}); s != 24 {
		t.Fatalf("traceRow is %d bytes", s)
	}
	for f := range reflect.TypeFor[traceRow]().Fields() {
		if k := f.Type.Kind(); k < reflect.Int || k > reflect.Uint64 {
			t.Fatalf("traceRow.%s is a %s", f.Name, k)
		}
	}
}
