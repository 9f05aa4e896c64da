package memory

// interner numbers values of K in the order it first sees them. num
// writes (a new number, the last value remembered), so only write
// transactions call it; readers, under the read lock, read idx and keys.
type interner[K comparable] struct {
	idx  map[K]uint32
	keys []K // by number
	// The last value numbered, for the next record: on a hot SKU, the
	// same.
	last    K
	lastNum uint32
	lastOK  bool
}

func newInterner[K comparable]() interner[K] {
	return interner[K]{idx: map[K]uint32{}}
}

// num returns the number of k, numbering it if it is new.
func (in *interner[K]) num(k K) uint32 {
	if in.lastOK && in.last == k {
		return in.lastNum
	}
	i, ok := in.idx[k]
	if !ok {
		i = uint32(len(in.keys))
		in.keys = append(in.keys, k)
		in.idx[k] = i
	}
	in.last, in.lastNum, in.lastOK = k, i, true
	return i
}
