package qmgr

import (
	"container/heap"
	"time"
)

// Outcome is what the scheduler needs to know about a finished delivery
// (qmgr_deliver_update).
type Outcome struct {
	// Site is set when the agent reports trouble with the destination
	// itself (connection refused, ...): negative feedback.
	Site *DSN
	// Crash is set when the agent died or broke the protocol.
	Crash bool
}

// crashDSN is Postfix's status for an agent that failed (qmgr_deliver.c).
var crashDSN = DSN{Status: "4.3.0", Reason: "unknown mail transport error"}

// suspendedPrefix is prepended to a site failure reason that is used to
// defer the other recipients of a dead destination.
const suspendedPrefix = "delivery temporarily suspended: "

// Done records the end of a busy entry's delivery and applies the
// concurrency feedback. When the destination dies, its waiting entries
// are returned with the reason to defer them with; they are no longer in
// the scheduler.
func (s *Scheduler) Done(e *Entry, out Outcome, now time.Time) (deferred []*Entry, why *DSN) {
	q := e.queue
	t := q.t
	site := out.Site
	if out.Crash {
		site = &crashDSN
	}
	if site != nil {
		d := DSN{Status: site.Status, Reason: suspendedPrefix + site.Reason}
		if d.Status == "" || d.Status[0] != '4' && d.Status[0] != '5' {
			d.Status = "4.0.0"
		}
		if q.dead == nil && q.throttle(d) {
			q.deaths++
			gen := q.deaths
			s.timers.add(now.Add(s.minBackoff), func(now time.Time) { s.revive(q, gen, now) })
			deferred, why = q.todo.drain(), q.dead
		}
	}
	if !out.Crash {
		t.dead = nil
		if site == nil {
			q.unthrottle()
		}
	}
	q.busy--
	t.busy--
	s.busy--
	q.lastDone = now
	if t.lim.DestRateDelay > 0 && q.dead == nil {
		q.resumeAt = now.Add(t.lim.DestRateDelay)
		s.timers.add(q.resumeAt, func(now time.Time) { s.update(q, now) })
	}
	s.update(q, now)
	return deferred, why
}

// release returns a busy entry without feedback: its agent was never
// reached.
func (s *Scheduler) release(e *Entry, now time.Time) {
	q := e.queue
	q.busy--
	q.t.busy--
	s.busy--
	s.update(q, now)
}

// revive ends a dead destination's penalty (qmgr_queue_unthrottle_wrapper).
func (s *Scheduler) revive(q *destQueue, gen int, now time.Time) {
	if q.dead == nil || q.deaths != gen {
		return
	}
	q.unthrottle()
	if q.idle() && q.t.queues[q.name] == q {
		delete(q.t.queues, q.name)
		s.queues--
		return
	}
	s.update(q, now)
}

// TransportFail marks a transport dead because its delivery agent cannot
// be reached (qmgr_transport_throttle) and takes every waiting entry of
// that transport out of the scheduler, for the caller to defer with the
// returned reason. The transport comes back after transport_retry_time,
// or at once after a successful delivery.
func (s *Scheduler) TransportFail(name string, why DSN, now time.Time) []*Entry {
	t := s.transportFor(name)
	if t.dead == nil {
		d := why
		t.dead = &d
		t.deaths++
		gen := t.deaths
		s.timers.add(now.Add(s.transportRetry), func(now time.Time) {
			if t.deaths == gen {
				s.reviveTransport(t, now)
			}
		})
	}
	var out []*Entry
	for _, q := range t.queues {
		out = append(out, q.todo.drain()...)
		s.update(q, now)
	}
	return out
}

func (s *Scheduler) reviveTransport(t *transport, now time.Time) {
	t.dead = nil
	for _, q := range t.queues {
		s.update(q, now)
	}
}

// TransportDead returns why a transport is dead, nil when it is alive.
func (s *Scheduler) TransportDead(name string) *DSN {
	if t := s.transports[name]; t != nil {
		return t.dead
	}
	return nil
}

// FlushDead forgets every dead transport and destination (trigger 'F',
// qmgr_enable_all).
func (s *Scheduler) FlushDead(now time.Time) {
	for _, t := range s.transports {
		t.dead = nil
		for _, q := range t.queues {
			if q.dead != nil {
				q.unthrottle()
			}
			s.update(q, now)
		}
	}
}

// Revive brings a dead transport and destination back at once, for a
// message being flushed (QMGR_FLUSH_EACH).
func (s *Scheduler) Revive(transportName, name string, now time.Time) {
	t := s.transports[transportName]
	if t == nil {
		return
	}
	t.dead = nil
	if q := t.queues[name]; q != nil && q.dead != nil {
		q.unthrottle()
		s.update(q, now)
	}
}

// Advance runs the timers that are due.
func (s *Scheduler) Advance(now time.Time) {
	for s.timers.Len() > 0 && !s.timers[0].when.After(now) {
		t := heap.Pop(&s.timers).(*timer)
		t.fn(now)
	}
}

// NextWake returns the time of the earliest pending timer.
func (s *Scheduler) NextWake() (time.Time, bool) {
	if s.timers.Len() == 0 {
		return time.Time{}, false
	}
	return s.timers[0].when, true
}

type timer struct {
	when time.Time
	fn   func(time.Time)
}

type timerHeap []*timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].when.Before(h[j].when) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (h *timerHeap) add(when time.Time, fn func(time.Time)) {
	heap.Push(h, &timer{when: when, fn: fn})
}
