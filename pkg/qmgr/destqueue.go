package qmgr

import (
	"container/list"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// transport is one master.cf delivery service (qmgr_transport.c).
type transport struct {
	name     string
	lim      Limits
	queues   map[string]*destQueue
	ready    list.List     // *destQueue that can take a delivery now
	elem     *list.Element // in Scheduler.active
	busy     int
	dead     *DSN // agent unavailable: why
	deaths   int  // generation of dead, for the revival timer
	resumeAt time.Time
}

// canStart reports whether the transport may start another delivery.
func (t *transport) canStart(now time.Time) bool {
	if t.dead != nil || now.Before(t.resumeAt) || t.ready.Len() == 0 {
		return false
	}
	return t.lim.ProcessLimit == 0 || t.busy < t.lim.ProcessLimit
}

// destQueue is the in-core queue of one destination (qmgr_queue.c): a
// next hop, or a recipient when the transport's recipient limit is 1.
// Its concurrency window follows Postfix's slow start: it starts at the
// initial concurrency, grows with positive feedback while deliveries
// succeed, shrinks with negative feedback, and after
// failed_cohort_limit failed pseudo-cohorts the destination is dead
// until minimal_backoff_time has passed.
type destQueue struct {
	name, nexthop string
	t             *transport
	todo          fifo
	busy          int
	window        int
	success       float64
	failure       float64
	failCohorts   float64
	dead          *DSN // why, while the destination is dead
	deaths        int  // generation of dead, for the revival timer
	resumeAt      time.Time
	elem          *list.Element // in transport.ready
	lastDone      time.Time
	connFlags     deliver.Flags // connection caching, while it is on
	lingering     bool          // idle, kept until a timer frees it
}

// backToBack reports whether a delivery starting now follows the last
// one back to back: within the same or the next second
// (qmgr_entry_select's BACK_TO_BACK_DELIVERY).
func (q *destQueue) backToBack(now time.Time) bool {
	return !q.lastDone.IsZero() && now.Unix() <= q.lastDone.Unix()+1
}

func (q *destQueue) suspended(now time.Time) bool { return now.Before(q.resumeAt) }

func (q *destQueue) idle() bool { return q.todo.len() == 0 && q.busy == 0 }

func (q *destQueue) ready(now time.Time) bool {
	return q.dead == nil && !q.suspended(now) && q.todo.len() > 0 && q.busy < q.window
}

// Window returns the current concurrency window (tests, verbose logs).
func (q *destQueue) Window() int { return q.window }

// unthrottle is positive feedback after a delivery without site trouble,
// or the revival of a dead destination (qmgr_queue_unthrottle).
func (q *destQueue) unthrottle() {
	lim := q.t.lim
	q.failCohorts = 0
	if q.dead != nil {
		q.dead = nil
		// Back from the almost grave, best concurrency is anyone's guess.
		if q.busy > 0 {
			q.window = q.busy
		} else {
			q.window = lim.InitConcurrency
		}
		q.success, q.failure = 0, 0
		return
	}
	if lim.DestConcurrency != 0 && lim.DestConcurrency <= q.window {
		return
	}
	if q.window >= q.busy+lim.InitConcurrency {
		return
	}
	fb := lim.PosFeedback.Value(q.window)
	q.success += fb
	// Prepare for overshoot (feedback > hysteresis, rounding error).
	for q.success+fb/2 >= 1 {
		q.window++
		q.success--
		q.failure = 0
	}
	if lim.DestConcurrency > 0 && q.window > lim.DestConcurrency {
		q.window = lim.DestConcurrency
	}
}

// throttle is negative feedback after a delivery that failed for the
// whole site (qmgr_queue_throttle). It reports whether the destination
// is now dead.
func (q *destQueue) throttle(why DSN) bool {
	lim := q.t.lim
	q.failCohorts += 1 / float64(q.window)
	if lim.FailCohortLimit > 0 && q.failCohorts >= float64(lim.FailCohortLimit) {
		d := why
		q.dead = &d
		return true
	}
	fb := lim.NegFeedback.Value(q.window)
	q.failure -= fb
	for q.failure-fb/2 < 0 {
		q.window--
		q.success = 0
		q.failure++
	}
	if q.window < 1 {
		q.window = 1
	}
	return false
}

// connCaching returns the connection cache flags for a delivery just
// selected from q (qmgr_entry_select's on-demand session caching):
// caching turns on when a delivery starts back to back with the last
// one (within the same or the next second), so that the agent both
// stores its session and reuses one next time, and it stays on while
// deliveries are concurrent or back to back; when neither holds any
// more, agents still reuse cached sessions but store no new ones. The
// agent decides whether to honour the flags
// (smtp_connection_cache_on_demand).
func (q *destQueue) connCaching(now time.Time) deliver.Flags {
	backToBack := q.backToBack(now)
	if q.connFlags&deliver.FlagConnStore == 0 {
		if backToBack {
			q.connFlags |= deliver.FlagConnMask
		}
	} else if q.busy <= 1 && !backToBack {
		q.connFlags &^= deliver.FlagConnStore
	}
	return q.connFlags
}

// fifo is a first-in first-out list of entries.
type fifo struct {
	items []*Entry
	head  int
}

func (f *fifo) len() int { return len(f.items) - f.head }

func (f *fifo) push(e *Entry) { f.items = append(f.items, e) }

func (f *fifo) pop() *Entry {
	e := f.items[f.head]
	f.items[f.head] = nil
	f.head++
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	} else if f.head > 64 && f.head*2 > len(f.items) {
		n := copy(f.items, f.items[f.head:])
		f.items, f.head = f.items[:n], 0
	}
	return e
}

// drain removes and returns every entry.
func (f *fifo) drain() []*Entry {
	out := append([]*Entry(nil), f.items[f.head:]...)
	f.items, f.head = nil, 0
	return out
}
