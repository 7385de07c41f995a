package anvil

import (
	"math"
	"sync"
	"time"
)

// Table is anvil's in-memory state: one entry per (service, client)
// ident, as anvil.c's anvil_remote_map of ANVIL_REMOTE. It is safe for
// concurrent use; every operation takes its lock, first expires the
// entries whose time has come, then does its work.
type Table struct {
	mu      sync.Mutex
	unit    int64            // anvil_rate_time_unit in seconds
	now     func() time.Time // the clock (time.Now outside tests)
	remotes map[string]*remote
	hiwater int        // most entries since remotes was last rebuilt
	shrinks int        // times remotes was rebuilt smaller
	exp     expiryFIFO // entries with no connection, oldest first
	max     peaks      // maximal values since the last Report
}

// remote is the state of one ident (ANVIL_REMOTE).
type remote struct {
	ident                        string
	count                        int   // connection count
	rate, mail, rcpt, ntls, auth int32 // event rates in the current window
	start                        int64 // start of the rate window; 0 after a stale lookup
	expireAt                     int64 // when count == 0: when the entry goes away
	prev, next                   *remote
	queued                       bool // in the expiry FIFO
}

// Counts is what a lookup request reports.
type Counts struct {
	Count, Rate, Mail, Rcpt, NewTLS, Auth int
}

// NewTable returns an empty table that computes rates per unit (whole
// seconds, at least one) and reads time from now (nil: time.Now).
func NewTable(unit time.Duration, now func() time.Time) *Table {
	if now == nil {
		now = time.Now
	}
	secs := int64(unit / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Table{unit: secs, now: now, remotes: make(map[string]*remote)}
}

// Unit returns the rate time unit.
func (t *Table) Unit() time.Duration { return time.Duration(t.unit) * time.Second }

// Len returns the number of entries (expired ones are removed first).
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(t.now().Unix())
	return len(t.remotes)
}

// lock takes the table lock, expires what is due and returns the time
// in seconds, as each anvil event sees event_time().
func (t *Table) lock() int64 {
	t.mu.Lock()
	now := t.now().Unix()
	t.expire(now)
	return now
}

// firstConn creates the entry for a first connection
// (ANVIL_REMOTE_FIRST_CONN) and records the cache size peak.
func (t *Table) firstConn(ident string, now int64) *remote {
	r := &remote{ident: ident, count: 1, rate: 1, start: now}
	t.remotes[ident] = r
	if n := len(t.remotes); n > t.hiwater {
		t.hiwater = n
	}
	if n := len(t.remotes); n > t.max.cache {
		t.max.cache, t.max.cacheWhen = n, now
	}
	return r
}

// nextConn counts one more connection (ANVIL_REMOTE_NEXT_CONN).
func (t *Table) nextConn(r *remote, now int64) {
	t.incr(r, &r.rate, now)
	if r.count == 0 {
		t.exp.remove(r)
	}
	r.count++
}

// dropOne forgets one connection (ANVIL_REMOTE_DROP_ONE); an entry
// without connections expires one time unit later.
func (t *Table) dropOne(r *remote, now int64) {
	if r == nil || r.count <= 0 {
		return
	}
	if r.count--; r.count == 0 {
		r.expireAt = now + t.unit
		t.exp.push(r)
	}
}

// incr counts one event in the current window, starting a new window
// when the old one is over (ANVIL_REMOTE_INCR_RATE): a fixed window
// reset every time unit, not a moving average, as in Postfix.
func (t *Table) incr(r *remote, what *int32, now int64) {
	if r.start+t.unit < now {
		r.resetRates(now)
	}
	if *what < math.MaxInt32 {
		*what++
	}
}

// resetRates zeroes the rates (ANVIL_REMOTE_RSET_RATE).
func (r *remote) resetRates(start int64) {
	r.rate, r.mail, r.rcpt, r.ntls, r.auth = 0, 0, 0, 0, 0
	r.start = start
}

// unstale hides rates of a window that is over from a report without
// starting a new one ("do not report stale information").
func (t *Table) unstale(r *remote, now int64) {
	if r.start != 0 && r.start+t.unit < now {
		r.resetRates(0)
	}
}
