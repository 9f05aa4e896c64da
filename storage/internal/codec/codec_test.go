package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Generators. Strings include the empty string and non-ASCII text, slices
// are nil, empty or filled, times are zero or any representable instant
// in some zone other than UTC.

func genStr() *rapid.Generator[string] {
	return rapid.OneOf(rapid.Just(""), rapid.StringN(0, 12, -1), rapid.SampledFrom([]string{"A", "wh", "web", "ünï", "a\x00b"}))
}

func genInt() *rapid.Generator[int64] {
	return rapid.OneOf(rapid.Int64(), rapid.Int64Range(-3, 3), rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64}))
}

var zone = time.FixedZone("X", -5*3600)

func genTime() *rapid.Generator[time.Time] {
	return rapid.Custom(func(t *rapid.T) time.Time {
		if rapid.Bool().Draw(t, "zero") {
			return time.Time{}
		}
		// NoTime itself is the instant that stands for the zero time.
		return time.Unix(0, rapid.Int64Min(math.MinInt64+1).Draw(t, "nanos")).In(zone)
	})
}

func genSlice[T any](g *rapid.Generator[T]) *rapid.Generator[[]T] {
	return rapid.Custom(func(t *rapid.T) []T {
		switch rapid.IntRange(0, 2).Draw(t, "shape") {
		case 0:
			return nil
		case 1:
			return []T{}
		}
		return rapid.SliceOfN(g, 1, 5).Draw(t, "elems")
	})
}

func genAccount() *rapid.Generator[inventory.Account] {
	return rapid.Custom(func(t *rapid.T) inventory.Account {
		return inventory.Account{
			SKU:      omnikit.SKU(genStr().Draw(t, "sku")),
			Location: omnikit.LocationID(genStr().Draw(t, "loc")),
			Bucket:   inventory.Bucket(rapid.Uint8().Draw(t, "bucket")),
			Peer:     omnikit.LocationID(genStr().Draw(t, "peer")),
		}
	})
}

func genEntry() *rapid.Generator[inventory.Entry] {
	return rapid.Custom(func(t *rapid.T) inventory.Entry {
		return inventory.Entry{
			Kind:           inventory.EntryKind(genStr().Draw(t, "kind")),
			At:             genTime().Draw(t, "at"),
			Reservation:    inventory.ReservationID(genStr().Draw(t, "res")),
			Reference:      genStr().Draw(t, "ref"),
			IdempotencyKey: genStr().Draw(t, "key"),
			Postings: genSlice(rapid.Custom(func(t *rapid.T) inventory.Posting {
				return inventory.Posting{From: genAccount().Draw(t, "from"), To: genAccount().Draw(t, "to"), Qty: genInt().Draw(t, "qty")}
			})).Draw(t, "postings"),
			Availability: genSlice(rapid.Custom(func(t *rapid.T) inventory.ChannelLevel {
				return inventory.ChannelLevel{Channel: omnikit.ChannelID(genStr().Draw(t, "ch")), SKU: omnikit.SKU(genStr().Draw(t, "sku")), Available: genInt().Draw(t, "avail")}
			})).Draw(t, "availability"),
			Flagged: genSlice(genAccount()).Draw(t, "flagged"),
		}
	})
}

func genLine() *rapid.Generator[inventory.ReservationLine] {
	return rapid.Custom(func(t *rapid.T) inventory.ReservationLine {
		return inventory.ReservationLine{
			SKU: omnikit.SKU(genStr().Draw(t, "sku")), Location: omnikit.LocationID(genStr().Draw(t, "loc")),
			Qty: genInt().Draw(t, "qty"), Committed: genInt().Draw(t, "committed"), Released: genInt().Draw(t, "released"),
		}
	})
}

func genReservation() *rapid.Generator[inventory.Reservation] {
	return rapid.Custom(func(t *rapid.T) inventory.Reservation {
		return inventory.Reservation{
			Owner:     genStr().Draw(t, "owner"),
			State:     inventory.ReservationState(genStr().Draw(t, "state")),
			Lines:     genSlice(genLine()).Draw(t, "lines"),
			ExpiresAt: genTime().Draw(t, "expires"),
			CreatedAt: genTime().Draw(t, "created"),
			EndedAt:   genTime().Draw(t, "ended"),
		}
	})
}

func genLocationIDs() *rapid.Generator[[]omnikit.LocationID] {
	return genSlice(rapid.Custom(func(t *rapid.T) omnikit.LocationID { return omnikit.LocationID(genStr().Draw(t, "id")) }))
}

// Expected decodings: times in UTC (the zero time stays zero), empty
// slices as nil.

func wantTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func wantEntry(e inventory.Entry) inventory.Entry {
	e.Seq = 0
	e.At = wantTime(e.At)
	e.Postings, e.Availability, e.Flagged = nilIfEmpty(e.Postings), nilIfEmpty(e.Availability), nilIfEmpty(e.Flagged)
	return e
}

func wantReservation(r inventory.Reservation) inventory.Reservation {
	r.ID = ""
	r.ExpiresAt, r.CreatedAt, r.EndedAt = wantTime(r.ExpiresAt), wantTime(r.CreatedAt), wantTime(r.EndedAt)
	r.Lines = nilIfEmpty(r.Lines)
	return r
}

// kinds lists every encoding: a generator of valid encodings, and a
// decoder that re-encodes what it decoded.
var kinds = []struct {
	name   string
	gen    *rapid.Generator[[]byte]
	decode func([]byte) ([]byte, error)
}{
	{"entry", rapid.Custom(func(t *rapid.T) []byte { e := genEntry().Draw(t, "e"); return AppendEntry(nil, &e) }),
		func(b []byte) ([]byte, error) { e, err := DecodeEntry(b); return AppendEntry(nil, &e), err }},
	{"reservation", rapid.Custom(func(t *rapid.T) []byte { r := genReservation().Draw(t, "r"); return AppendReservation(nil, &r) }),
		func(b []byte) ([]byte, error) { r, err := DecodeReservation(b); return AppendReservation(nil, &r), err }},
	{"lines", rapid.Custom(func(t *rapid.T) []byte { return AppendReservationLines(nil, genSlice(genLine()).Draw(t, "l")) }),
		func(b []byte) ([]byte, error) {
			l, err := DecodeReservationLines(b)
			return AppendReservationLines(nil, l), err
		}},
	{"locations", rapid.Custom(func(t *rapid.T) []byte { return AppendLocationIDs(nil, genLocationIDs().Draw(t, "ids")) }),
		func(b []byte) ([]byte, error) { l, err := DecodeLocationIDs(b); return AppendLocationIDs(nil, l), err }},
}

func TestEntryRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genEntry().Draw(t, "entry")
		e.Seq = rapid.Int64().Draw(t, "seq") // not encoded
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "prefix")
		b := AppendEntry(bytes.Clone(prefix), &e)
		if !bytes.Equal(b[:len(prefix)], prefix) {
			t.Fatalf("AppendEntry changed the bytes it appended to")
		}
		got, err := DecodeEntry(b[len(prefix):])
		if err != nil {
			t.Fatalf("DecodeEntry: %v", err)
		}
		if want := wantEntry(e); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got  %#v\n want %#v", got, want)
		}
	})
}

func TestReservationRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := genReservation().Draw(t, "reservation")
		r.ID = inventory.ReservationID(genStr().Draw(t, "id")) // not encoded
		got, err := DecodeReservation(AppendReservation(nil, &r))
		if err != nil {
			t.Fatalf("DecodeReservation: %v", err)
		}
		if want := wantReservation(r); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got  %#v\n want %#v", got, want)
		}
	})
}

func TestReservationLinesRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lines := genSlice(genLine()).Draw(t, "lines")
		got, err := DecodeReservationLines(AppendReservationLines(nil, lines))
		if err != nil {
			t.Fatalf("DecodeReservationLines: %v", err)
		}
		if want := nilIfEmpty(lines); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got  %#v\n want %#v", got, want)
		}
	})
}

func TestLocationIDsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids := genLocationIDs().Draw(t, "ids")
		got, err := DecodeLocationIDs(AppendLocationIDs(nil, ids))
		if err != nil {
			t.Fatalf("DecodeLocationIDs: %v", err)
		}
		if want := nilIfEmpty(ids); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got  %#v\n want %#v", got, want)
		}
	})
}

func TestTimes(t *testing.T) {
	if got := FromUnixNanos(UnixNanos(time.Time{})); !got.IsZero() || got != (time.Time{}) {
		t.Errorf("zero time decodes as %v", got)
	}
	in := time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone)
	if got := FromUnixNanos(UnixNanos(in)); !got.Equal(in) || got.Location() != time.UTC {
		t.Errorf("%v decodes as %v", in, got)
	}
	if got := FromUnixNanos(0); !got.Equal(time.Unix(0, 0)) || got.IsZero() {
		t.Errorf("the epoch decodes as %v", got)
	}
}

func mustCorrupt(t *rapid.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: decoded without error", what)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: error %v does not wrap ErrCorrupt", what, err)
	}
}

// TestDamaged checks that every truncation of a valid encoding, a trailing
// byte and a wrong version are errors, and that arbitrary byte damage never
// panics: the decoder either reports an error or returns a value, and a
// value it returns encodes and decodes again to itself.
func TestDamaged(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				b := k.gen.Draw(t, "valid")
				if _, err := k.decode(b); err != nil {
					t.Fatalf("valid encoding: %v", err)
				}
				for i := range len(b) {
					_, err := k.decode(bytes.Clone(b[:i]))
					mustCorrupt(t, "truncated", err)
				}
				_, err := k.decode(append(bytes.Clone(b), rapid.Byte().Draw(t, "trailing")))
				mustCorrupt(t, "trailing byte", err)
				bad := bytes.Clone(b)
				bad[0] = rapid.ByteRange(version+1, 255).Draw(t, "version")
				_, err = k.decode(bad)
				mustCorrupt(t, "version", err)

				// Overwrite, insert or delete a few bytes anywhere.
				dam := bytes.Clone(b)
				for range rapid.IntRange(1, 4).Draw(t, "damages") {
					i := rapid.IntRange(0, len(dam)).Draw(t, "at")
					switch rapid.IntRange(0, 2).Draw(t, "how") {
					case 0:
						if i < len(dam) {
							dam[i] = rapid.Byte().Draw(t, "byte")
						}
					case 1:
						dam = append(dam[:i], append([]byte{rapid.Byte().Draw(t, "byte")}, dam[i:]...)...)
					case 2:
						if i < len(dam) {
							dam = append(dam[:i], dam[i+1:]...)
						}
					}
				}
				again, err := k.decode(dam)
				if err != nil {
					mustCorrupt(t, "damaged", err)
					return
				}
				// Accepted: the decoded value must be stable.
				if third, err := k.decode(again); err != nil || !bytes.Equal(third, again) {
					t.Fatalf("accepted damaged encoding %x does not re-encode stably: %x, %x, %v", dam, again, third, err)
				}
			})
		})
	}
}

// TestGarbage feeds arbitrary bytes, with a valid version byte, to every
// decoder.
func TestGarbage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := append([]byte{version}, rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "garbage")...)
		for _, k := range kinds {
			if _, err := k.decode(b); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: error %v does not wrap ErrCorrupt", k.name, err)
			}
		}
	})
}

// TestHugeCount checks that a length larger than the input is refused
// before anything is allocated for it.
func TestHugeCount(t *testing.T) {
	huge := binary.AppendUvarint(nil, math.MaxUint64)
	cases := map[string]func([]byte) error{
		"entry":       func(b []byte) error { _, err := DecodeEntry(b); return err },
		"reservation": func(b []byte) error { _, err := DecodeReservation(b); return err },
		"lines":       func(b []byte) error { _, err := DecodeReservationLines(b); return err },
		"locations":   func(b []byte) error { _, err := DecodeLocationIDs(b); return err },
	}
	inputs := map[string][]byte{
		"entry":       append([]byte{version, 0, 0, 0, 0, 0}, huge...),                  // postings count
		"reservation": append([]byte{version, 0, 0, 0, 0, 0}, huge...),                  // lines count
		"lines":       append([]byte{version}, huge...),                                 // lines count
		"locations":   append(append([]byte{version, 2}, huge...), make([]byte, 32)...), // string length
	}
	for name, decode := range cases {
		b := inputs[name]
		err := decode(b)
		if err == nil || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
		const runs = 100
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			_ = decode(b)
		}
		runtime.ReadMemStats(&after)
		if n := (after.TotalAlloc - before.TotalAlloc) / runs; n > 1024 {
			t.Errorf("%s: %d bytes allocated per refused length", name, n)
		}
	}
}

func BenchmarkAppendEntry(b *testing.B) {
	e := benchEntry()
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendEntry(buf[:0], &e)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeEntry(b *testing.B) {
	e := benchEntry()
	buf := AppendEntry(nil, &e)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := DecodeEntry(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEntry() inventory.Entry {
	return inventory.Entry{
		Kind: inventory.KindReserve, At: time.Unix(1700000000, 123), Reservation: "cart-123", IdempotencyKey: "k-123",
		Postings: []inventory.Posting{{
			From: inventory.Account{SKU: "SKU-1", Location: "wh", Bucket: inventory.Sellable},
			To:   inventory.Account{SKU: "SKU-1", Location: "wh", Bucket: inventory.Reserved}, Qty: 2,
		}},
		Availability: []inventory.ChannelLevel{{Channel: "web", SKU: "SKU-1", Available: 97}},
	}
}
