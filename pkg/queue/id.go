package queue

import (
	"strings"
	"time"
)

// Queue IDs (global/mail_queue.h MQID_*):
//
//   - short (enable_long_queue_ids = no): "%05X" of the microseconds of
//     the creation time, then "%lX" of the file's inode number, e.g.
//     "3F2A81C2E5". IDs repeat over time.
//   - long (enable_long_queue_ids = yes): seconds in base 52 (at least six
//     characters), microseconds in base 52 (exactly four), 'z', then the
//     inode number in base 51 (an alphabet that stops before 'z').
//
// The inode makes an ID unique among the files that exist; the time part
// keeps the Message-ID that cleanup derives from it from repeating within
// one second.

// safeChars is the vowel-free alphabet of safe_ultostr().
const safeChars = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"

const (
	longSecPad  = 6
	longUsecPad = 4
	longTimePad = longSecPad + longUsecPad
	longSep     = 'z'
	maxIDLen    = 255 // VALID_HOSTNAME_LEN: mail_queue_id_ok()
)

// NewID returns the queue ID for a file created at t with inode ino.
func NewID(t time.Time, ino uint64, long bool) string {
	usec := uint64(t.Nanosecond() / 1000)
	if !long {
		return hex05(usec) + strings.ToUpper(formatUint(ino, 16))
	}
	return safeEncode(uint64(t.Unix()), 52, longSecPad) +
		safeEncode(usec, 52, longUsecPad) + string(longSep) +
		safeEncode(ino, 51, 0)
}

func hex05(v uint64) string {
	s := strings.ToUpper(formatUint(v, 16))
	for len(s) < 5 {
		s = "0" + s
	}
	return s
}

func formatUint(v uint64, base uint64) string {
	if v == 0 {
		return "0"
	}
	var b [64]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = "0123456789abcdef"[v%base]
		v /= base
	}
	return string(b[i:])
}

// safeEncode is safe_ultostr(): base ≤ 52 digits from safeChars, left
// padded with '0' to pad characters.
func safeEncode(v uint64, base uint64, pad int) string {
	var b [80]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = safeChars[v%base]
		v /= base
	}
	for len(b)-i < pad {
		i--
		b[i] = '0'
	}
	return string(b[i:])
}

// safeDecode is safe_strtoul() for the given base; ok is false for a
// character outside the base or an overflow.
func safeDecode(s string, base uint64) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(safeChars[:base], s[i])
		if d < 0 {
			return 0, false
		}
		nv := v*base + uint64(d)
		if nv/base != v {
			return 0, false
		}
		v = nv
	}
	return v, true
}

// IsLongID reports whether id has the long form (a 'z' separator after
// at least ten time characters: MQID_FIND_LG_INUM_SEPARATOR).
func IsLongID(id string) bool {
	i := strings.LastIndexByte(id, longSep)
	return i >= longTimePad
}

// longIDUsec returns the microseconds encoded in a long ID.
func longIDUsec(id string) (uint64, bool) {
	i := strings.LastIndexByte(id, longSep)
	if i < longTimePad {
		return 0, false
	}
	v, ok := safeDecode(id[i-longUsecPad:i], 52)
	if !ok {
		return 0, true // Postfix hashes an undecodable value as 0
	}
	return v, true
}

// ValidID reports whether id may name a queue file: non-empty, at most
// 255 characters, letters, digits and '_' only (mail_queue_id_ok(); the
// '_' allows fast-flush log names).
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// IDInode returns the inode number encoded in a queue ID (MQID_GET_INUM),
// used by postsuper to check that a file's name matches its inode.
func IDInode(id string) (uint64, bool) {
	if i := strings.LastIndexByte(id, longSep); i >= longTimePad {
		return safeDecode(id[i+1:], 51)
	}
	if len(id) <= 5 {
		return 0, false
	}
	var v uint64
	for _, c := range id[5:] {
		d := strings.IndexRune("0123456789ABCDEF", c)
		if d < 0 {
			d = strings.IndexRune("0123456789abcdef", c)
		}
		if d < 0 || v>>60 != 0 {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// IDTime returns the time encoded in a long queue ID; short IDs carry
// only microseconds, so ok is false for them.
func IDTime(id string) (time.Time, bool) {
	i := strings.LastIndexByte(id, longSep)
	if i < longTimePad {
		return time.Time{}, false
	}
	sec, ok1 := safeDecode(id[:i-longUsecPad], 52)
	usec, ok2 := safeDecode(id[i-longUsecPad:i], 52)
	if !ok1 || !ok2 || usec >= 1e6 {
		return time.Time{}, false
	}
	return time.Unix(int64(sec), int64(usec)*1000), true
}
