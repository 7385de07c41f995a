package qmgr

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// drain starts every delivery the scheduler allows now
// (qmgr_active_drain).
func (m *Manager) drain(now time.Time) {
	if m.stopping {
		return
	}
	for e := m.sched.Next(now); e != nil; e = m.sched.Next(now) {
		m.dispatch(e, now)
	}
}

// dispatch runs one delivery attempt in its own goroutine; the agent's
// per-recipient results are recorded in the queue file and the logs
// there, then the event loop applies the outcome.
func (m *Manager) dispatch(e *Entry, now time.Time) {
	req := m.request(e, now)
	m.pending++
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.set.DaemonTimeout)
		reply, err := m.deps.Agent.Deliver(ctx, req)
		cancel()
		var res attempt
		switch {
		case errors.Is(err, ErrAgentUnavailable):
			res.unavailable = true
		case err == nil && len(reply.Rcpts) != len(req.Recipients):
			m.deps.Log.Warn("%s: transport %s: malformed response: %d results for %d recipients",
				req.QueueID, req.Transport, len(reply.Rcpts), len(req.Recipients))
			res.crash = true
		case err != nil:
			m.deps.Log.Warn("%s: transport %s: %v", req.QueueID, req.Transport, err)
			res.crash = true
		default:
			res.site = reply.Site
			res.deferred = m.recordReply(e.msg, e.Rcpts, reply)
		}
		m.events <- func() { m.pending--; m.delivered(e, res) }
	}()
}

// attempt is the outcome of one delivery attempt.
type attempt struct {
	unavailable bool // agent could not be reached: throttle the transport
	crash       bool // agent failed during the request
	site        *DSN
	deferred    bool // a recipient is to be tried again
}

// request builds the delivery request of an entry.
func (m *Manager) request(e *Entry, now time.Time) *Request {
	env := e.msg.env
	req := &Request{
		Transport:   e.queue.t.name,
		Nexthop:     e.queue.nexthop,
		QueueName:   queue.Active,
		QueueID:     e.msg.id,
		Path:        e.msg.path,
		Sender:      env.Sender,
		Arrival:     env.Arrival,
		ContentOff:  env.ContentOff,
		ContentSize: env.ContentSize,
		Attrs:       maps.Clone(env.Attrs),
		Stats:       Stats{IncomingArrival: env.Arrival, ActiveArrival: e.msg.activeAt, AgentHandoff: now},
	}
	for _, r := range e.Rcpts {
		req.Recipients = append(req.Recipients, *e.msg.rcpt(r))
	}
	return req
}

// delivered applies a finished attempt in the event loop
// (qmgr_deliver_update).
func (m *Manager) delivered(e *Entry, res attempt) {
	now := m.now()
	if res.unavailable {
		// The entry never reached an agent: defer it with the others
		// (qmgr_deliver: qmgr_transport_throttle + qmgr_defer_transport).
		why := DSN{Status: "4.3.0", Reason: "mail transport unavailable"}
		m.sched.release(e, now)
		todo := append([]*Entry{e}, m.sched.TransportFail(e.queue.t.name, why, now)...)
		m.deferEntries(todo, why)
		return
	}
	if res.crash || res.deferred {
		e.msg.deferred = true
	}
	dead, why := m.sched.Done(e, Outcome{Site: res.site, Crash: res.crash}, now)
	m.entryDone(e)
	if len(dead) > 0 {
		m.deferEntries(dead, *why)
	}
}

// entryDone drops a finished entry from its message; the last one
// completes the message.
func (m *Manager) entryDone(e *Entry) {
	msg := e.msg
	msg.refs--
	msg.nrcpt -= len(e.Rcpts)
	m.rcpts -= len(e.Rcpts)
	if msg.refs == 0 {
		m.messageDone(msg)
	}
}

// deferEntries records a deferral for every recipient of entries that are
// no longer in the scheduler (qmgr_defer_todo), then finishes them.
func (m *Manager) deferEntries(entries []*Entry, why DSN) {
	byMsg := map[*message][]decision{}
	var order []*message
	for _, e := range entries {
		if _, ok := byMsg[e.msg]; !ok {
			order = append(order, e.msg)
		}
		for _, r := range e.Rcpts {
			byMsg[e.msg] = append(byMsg[e.msg], decision{rcpt: r, action: Deferred, dsn: why})
		}
	}
	for _, msg := range order {
		m.recordOwn(msg, byMsg[msg])
	}
	for _, e := range entries {
		m.entryDone(e)
	}
}
