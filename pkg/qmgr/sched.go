package qmgr

import (
	"container/list"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// Scheduler is the in-core part of the queue manager: transports, their
// per-destination queues and the delivery entries waiting in them. It
// does no I/O and keeps no clock of its own; every call is given the time,
// so tests drive it step by step.
//
// Selection is round robin over transports that have a queue able to
// take a delivery, then round robin over such queues within the
// transport (qmgr_transport_select, qmgr_queue_select). A queue can take
// a delivery while it is alive, not suspended by a rate delay, has an
// entry waiting and has fewer deliveries in progress than its concurrency
// window. A dead queue takes no slot at all, so it cannot starve others.
type Scheduler struct {
	limits         func(transport string) Limits
	minBackoff     time.Duration // dead destination retry (minimal_backoff_time)
	transportRetry time.Duration // dead transport retry (transport_retry_time)

	transports map[string]*transport
	active     list.List // *transport with at least one ready queue
	timers     timerHeap
	busy       int // deliveries in progress
	queues     int // in-core destination queues
}

// NewScheduler returns an empty scheduler. limits is called once per
// transport, when the transport is first seen.
func NewScheduler(limits func(string) Limits, minBackoff, transportRetry time.Duration) *Scheduler {
	return &Scheduler{
		limits:         limits,
		minBackoff:     minBackoff,
		transportRetry: transportRetry,
		transports:     map[string]*transport{},
	}
}

// DSN is a delivery status: an RFC 3463 code and a reason text.
type DSN struct {
	Status string // "4.4.1"
	Reason string
}

// Entry is one delivery request: recipients of one message for one
// destination queue, at most the transport's recipient limit of them.
type Entry struct {
	msg   *message
	queue *destQueue
	Rcpts []rcptRef
	// ConnFlags are the connection cache flags of the request
	// (deliver.FlagConnLoad, FlagConnStore), set when it is selected.
	ConnFlags deliver.Flags
}

// Transport returns the entry's transport name.
func (e *Entry) Transport() string { return e.queue.t.name }

// Nexthop returns the entry's next-hop destination.
func (e *Entry) Nexthop() string { return e.queue.nexthop }

// QueueName returns the name of the entry's destination queue.
func (e *Entry) QueueName() string { return e.queue.name }

// Busy returns the number of deliveries in progress.
func (s *Scheduler) Busy() int { return s.busy }

// transportFor finds or creates a transport.
func (s *Scheduler) transportFor(name string) *transport {
	t := s.transports[name]
	if t == nil {
		t = &transport{name: name, lim: s.limits(name).normalize(), queues: map[string]*destQueue{}}
		s.transports[name] = t
	}
	return t
}

// Lookup finds or creates the destination queue name of transport, with
// the given next hop. When the transport or the queue is dead it returns
// the reason and no queue: the caller defers the recipient.
func (s *Scheduler) Lookup(transportName, name, nexthop string) (*destQueue, *DSN) {
	t := s.transportFor(transportName)
	if t.dead != nil {
		return nil, t.dead
	}
	q := t.queues[name]
	if q == nil {
		q = &destQueue{name: name, nexthop: nexthop, t: t, window: t.lim.InitConcurrency}
		t.queues[name] = q
		s.queues++
	}
	if q.dead != nil {
		return nil, q.dead
	}
	return q, nil
}

// RecipientLimit returns the recipient limit of a transport.
func (s *Scheduler) RecipientLimit(transportName string) int {
	return s.transportFor(transportName).lim.RecipientLimit
}

// add appends an entry to its queue's todo list.
func (s *Scheduler) add(e *Entry, now time.Time) {
	q := e.queue
	q.todo.push(e)
	s.update(q, now)
}

// Next selects the next entry to deliver and marks it busy, or returns
// nil when nothing can be delivered now.
func (s *Scheduler) Next(now time.Time) *Entry {
	for n := s.active.Len(); n > 0; n-- {
		el := s.active.Front()
		t := el.Value.(*transport)
		s.active.MoveToBack(el)
		if !t.canStart(now) {
			continue
		}
		qel := t.ready.Front()
		q := qel.Value.(*destQueue)
		t.ready.MoveToBack(qel)
		e := q.todo.pop()
		q.busy++
		t.busy++
		s.busy++
		e.ConnFlags = q.connCaching(now)
		if t.lim.TransportRateDly > 0 {
			t.resumeAt = now.Add(t.lim.TransportRateDly)
			s.timers.add(t.resumeAt, func(now time.Time) {})
		}
		s.update(q, now)
		return e
	}
	return nil
}

// update puts a queue on or takes it off its transport's ready list, the
// transport on or off the active list, and drops an idle live queue.
func (s *Scheduler) update(q *destQueue, now time.Time) {
	t := q.t
	ready := q.ready(now)
	switch {
	case ready && q.elem == nil:
		q.elem = t.ready.PushBack(q)
	case !ready && q.elem != nil:
		t.ready.Remove(q.elem)
		q.elem = nil
	}
	switch {
	case t.ready.Len() > 0 && t.elem == nil:
		t.elem = s.active.PushBack(t)
	case t.ready.Len() == 0 && t.elem != nil:
		s.active.Remove(t.elem)
		t.elem = nil
	}
	if q.idle() && q.dead == nil && !q.suspended(now) && t.queues[q.name] == q {
		s.retire(q, now)
	}
}

// retire frees an idle queue, or keeps it while a new delivery would
// still be back to back with its last one: Postfix frees an empty queue
// at once (qmgr_queue_done), and a message arriving a moment later
// starts a new one with the initial concurrency and without connection
// caching, so a destination whose deliveries keep up with its mail (the
// queue empties between messages) would open a new connection for many
// of them. Kept, the queue's window and caching state carry over to the
// next message; a timer frees it when the back-to-back time has passed.
func (s *Scheduler) retire(q *destQueue, now time.Time) {
	if q.backToBack(now) {
		if !q.lingering {
			q.lingering = true
			s.timers.add(time.Unix(q.lastDone.Unix()+2, 0), func(now time.Time) {
				q.lingering = false
				s.update(q, now)
			})
		}
		return
	}
	delete(q.t.queues, q.name)
	s.queues--
}
