package dict

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// The on-disk format of Postern's indexed tables (hash:, btree:, cdb:,
// lmdb:), documented in docs/tables.md. All integers are little-endian.
//
//	header (64 bytes)
//	  0  magic    "PSTNMAP1"
//	  8  version  uint32 (1)
//	 12  flags    uint32 (bit 0: keys were lower-cased when built)
//	 16  nrec     uint64  number of records
//	 24  nslots   uint64  slots in the index, a power of two
//	 32  slotOff  uint64  file offset of the index (64)
//	 40  dataOff  uint64  file offset of the records
//	 48  dataLen  uint64  bytes of records
//	 56  check    uint64  xxhash64 of header bytes 0..55
//	index: nslots * uint64; 0 = empty, else tag<<40 | (record offset+1),
//	  tag = the top 24 bits of xxhash64(key); slot = hash & (nslots-1),
//	  linear probing.
//	records, in source order: uvarint keylen, uvarint vallen, key, value.
const (
	hashMagic      = "PSTNMAP1"
	hashVersion    = 1
	hashHeaderLen  = 64
	hashFlagFolded = 1
	slotOffBits    = 40
	slotOffMask    = 1<<slotOffBits - 1
)

var errCorrupt = errors.New("corrupt table file")

// hashEntry is one key/value pair while a table is built.
type hashEntry struct {
	key, value string
	hash       uint64
}

// slotCount returns the index size for n records (load factor <= 1/2).
func slotCount(n int) uint64 {
	if n < 4 {
		return 8
	}
	return 1 << bits.Len64(uint64(2*n-1))
}

func slotTag(h uint64) uint64 { return h >> slotOffBits }

// writeHashFile writes entries in the table format to w.
func writeHashFile(w io.Writer, entries []hashEntry, folded bool) error {
	nslots := slotCount(len(entries))
	slots := make([]uint64, nslots)
	mask := nslots - 1
	var off uint64
	var dataLen uint64
	for i := range entries {
		e := &entries[i]
		for s := e.hash & mask; ; s = (s + 1) & mask {
			if slots[s] == 0 {
				slots[s] = slotTag(e.hash)<<slotOffBits | (off + 1)
				break
			}
		}
		n := recordLen(e)
		off += n
		dataLen += n
	}
	if off >= slotOffMask {
		return errors.New("table too large (over 1 TiB of records)")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := makeHeader(uint64(len(entries)), nslots, dataLen, folded)
	bw.Write(hdr)
	var b8 [8]byte
	for _, s := range slots {
		binary.LittleEndian.PutUint64(b8[:], s)
		bw.Write(b8[:])
	}
	var vb [2 * binary.MaxVarintLen64]byte
	for i := range entries {
		n := binary.PutUvarint(vb[:], uint64(len(entries[i].key)))
		n += binary.PutUvarint(vb[n:], uint64(len(entries[i].value)))
		bw.Write(vb[:n])
		bw.WriteString(entries[i].key)
		bw.WriteString(entries[i].value)
	}
	return bw.Flush()
}

func recordLen(e *hashEntry) uint64 {
	return uint64(uvarintLen(uint64(len(e.key))) + uvarintLen(uint64(len(e.value))) + len(e.key) + len(e.value))
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func makeHeader(nrec, nslots, dataLen uint64, folded bool) []byte {
	h := make([]byte, hashHeaderLen)
	copy(h, hashMagic)
	binary.LittleEndian.PutUint32(h[8:], hashVersion)
	if folded {
		binary.LittleEndian.PutUint32(h[12:], hashFlagFolded)
	}
	binary.LittleEndian.PutUint64(h[16:], nrec)
	binary.LittleEndian.PutUint64(h[24:], nslots)
	binary.LittleEndian.PutUint64(h[32:], hashHeaderLen)
	binary.LittleEndian.PutUint64(h[40:], hashHeaderLen+8*nslots)
	binary.LittleEndian.PutUint64(h[48:], dataLen)
	binary.LittleEndian.PutUint64(h[56:], xxhash.Sum64(h[:56]))
	return h
}

// hashTable is a parsed, validated view of a table file's bytes.
type hashTable struct {
	slots  []byte // nslots*8 bytes
	data   []byte
	mask   uint64
	nrec   uint64
	folded bool
}

// parseHashFile validates the header and region bounds of b. Records are
// bounds-checked when read, so a damaged file cannot crash a reader.
func parseHashFile(b []byte) (*hashTable, error) {
	if len(b) < hashHeaderLen || string(b[:8]) != hashMagic {
		return nil, errors.New("not a Postern table file (bad magic number)")
	}
	if binary.LittleEndian.Uint64(b[56:]) != xxhash.Sum64(b[:56]) {
		return nil, errCorrupt
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != hashVersion {
		return nil, errors.New("unsupported table file version")
	}
	le := binary.LittleEndian
	nrec, nslots := le.Uint64(b[16:]), le.Uint64(b[24:])
	slotOff, dataOff, dataLen := le.Uint64(b[32:]), le.Uint64(b[40:]), le.Uint64(b[48:])
	size := uint64(len(b))
	if nslots == 0 || nslots&(nslots-1) != 0 || nslots > size/8 ||
		slotOff > size || nslots*8 > size-slotOff ||
		dataOff > size || dataLen > size-dataOff || nrec > nslots {
		return nil, errCorrupt
	}
	return &hashTable{
		slots:  b[slotOff : slotOff+nslots*8],
		data:   b[dataOff : dataOff+dataLen],
		mask:   nslots - 1,
		nrec:   nrec,
		folded: le.Uint32(b[12:])&hashFlagFolded != 0,
	}, nil
}

// record decodes the record at off; ok is false when it is out of bounds.
func (t *hashTable) record(off uint64) (key, value []byte, next uint64, ok bool) {
	if off >= uint64(len(t.data)) {
		return nil, nil, 0, false
	}
	d := t.data[off:]
	kl, n1 := binary.Uvarint(d)
	if n1 <= 0 {
		return nil, nil, 0, false
	}
	vl, n2 := binary.Uvarint(d[n1:])
	if n2 <= 0 {
		return nil, nil, 0, false
	}
	h := uint64(n1 + n2)
	rest := uint64(len(d)) - h
	if kl > rest || vl > rest-kl {
		return nil, nil, 0, false
	}
	key = d[h : h+kl]
	value = d[h+kl : h+kl+vl]
	return key, value, off + h + kl + vl, true
}

// get looks key up; err is errCorrupt when the file is damaged.
func (t *hashTable) get(key string) ([]byte, bool, error) {
	h := xxhash.Sum64String(key)
	tag := slotTag(h)
	for i, s := uint64(0), h&t.mask; i <= t.mask; i, s = i+1, (s+1)&t.mask {
		slot := binary.LittleEndian.Uint64(t.slots[s*8:])
		if slot == 0 {
			return nil, false, nil
		}
		if slot>>slotOffBits != tag {
			continue
		}
		k, v, _, ok := t.record(slot&slotOffMask - 1)
		if !ok {
			return nil, false, errCorrupt
		}
		if string(k) == key {
			return v, true, nil
		}
	}
	return nil, false, nil
}

// seq calls fn for each record in file order.
func (t *hashTable) seq(fn func(k, v []byte) bool) error {
	for off := uint64(0); off < uint64(len(t.data)); {
		k, v, next, ok := t.record(off)
		if !ok {
			return errCorrupt
		}
		if !fn(k, v) {
			return nil
		}
		off = next
	}
	return nil
}

func hashOf(key string) uint64 { return xxhash.Sum64String(key) }
