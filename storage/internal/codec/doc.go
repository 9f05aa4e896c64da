// Package codec is the binary encoding the storage adapters share for
// ledger entries, reservations, reservation lines and location lists.
//
// An encoding is compact and self-delimiting: a format version byte, then
// varints (zig-zag for signed values) and length-prefixed strings, in a
// fixed field order. Appending never fails. Decoding is bounds-checked: a
// truncated, damaged or foreign encoding is reported as an error wrapping
// [ErrCorrupt], never a panic, and a damaged length cannot make the decoder
// allocate more than the input could hold. Trailing bytes are an error.
//
// Times are int64 unix nanoseconds (so only 1678..2262 is representable)
// and decode in UTC. The zero time.Time is stored as [NoTime] and decodes
// as the zero time; the instant time.Unix(0, math.MinInt64) therefore
// cannot be told apart from it.
//
// Empty and nil slices encode the same and decode as nil, which is what the
// adapters have always returned for an entry without postings,
// availability or flagged accounts and for a reservation without lines.
//
// The encodings are storage formats: memory keeps entries in its log,
// sqlite and postgres in blob columns. Changing a layout means bumping the
// version byte and keeping a decoder for every version that was deployed.
package codec
