package anvil

import "time"

// Expiry. Postfix sets a timer of one time unit on each entry whose
// connection count drops to zero (anvil_remote_expire) and cancels it
// when the client connects again. Every such timer has the same length,
// so the entries waiting to expire form a queue in expiry order: a
// doubly linked list through the entries themselves, with O(1) insert,
// cancel and removal of the oldest. Each table operation first removes
// the entries whose time has come, as Postfix's event loop runs due
// timers before it reads the next request; Table.Expire does the same
// for a server that waits for requests.

// expiryFIFO is the queue of entries without connections.
type expiryFIFO struct {
	head, tail *remote
	n          int
}

func (q *expiryFIFO) push(r *remote) {
	r.prev, r.next, r.queued = q.tail, nil, true
	if q.tail != nil {
		q.tail.next = r
	} else {
		q.head = r
	}
	q.tail = r
	q.n++
}

func (q *expiryFIFO) remove(r *remote) {
	if !r.queued {
		return
	}
	if r.prev != nil {
		r.prev.next = r.next
	} else {
		q.head = r.next
	}
	if r.next != nil {
		r.next.prev = r.prev
	} else {
		q.tail = r.prev
	}
	r.prev, r.next, r.queued = nil, nil, false
	q.n--
}

// shrinkMin is the table size below which the map is never rebuilt.
const shrinkMin = 4096

// expire removes the entries due at now. Go maps do not give memory
// back when entries are deleted, so once the table has shrunk to a
// quarter of its peak the map is rebuilt at its current size: memory
// follows the number of clients seen in the last time unit, not the
// most ever seen.
func (t *Table) expire(now int64) {
	removed := false
	for r := t.exp.head; r != nil && r.expireAt <= now; r = t.exp.head {
		t.exp.remove(r)
		delete(t.remotes, r.ident)
		removed = true
	}
	if removed && t.hiwater >= shrinkMin && len(t.remotes)*4 <= t.hiwater {
		m := make(map[string]*remote, len(t.remotes))
		for k, v := range t.remotes {
			m[k] = v
		}
		t.remotes, t.hiwater = m, len(m)
		t.shrinks++
	}
}

// Expire removes the entries whose time has come and returns how long
// until the next one is due (0: none is waiting).
func (t *Table) Expire() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.expire(now.Unix())
	if t.exp.head == nil {
		return 0
	}
	// Due at the start of second expireAt; wake just after it begins.
	return time.Unix(t.exp.head.expireAt, 0).Sub(now) + time.Millisecond
}

// Shrinks returns how many times the map was rebuilt smaller.
func (t *Table) Shrinks() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shrinks
}

// Waiting returns the number of entries waiting to expire.
func (t *Table) Waiting() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exp.n
}
