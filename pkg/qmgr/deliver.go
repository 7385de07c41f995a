package qmgr

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/deliver"
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

// dispatch runs one delivery attempt in its own goroutine; the event
// loop then applies the outcome (qmgr_deliver, qmgr_deliver_update).
func (m *Manager) dispatch(e *Entry, now time.Time) {
	req := m.request(e)
	m.pending++
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.set.DaemonTimeout)
		reply, err := m.deps.Agent.Deliver(ctx, req)
		cancel()
		var res attempt
		switch {
		case errors.Is(err, deliver.ErrUnavailable):
			// qmgr_transport_alloc: "connect to transport private/smtp: %m".
			m.deps.Log.Warn("connect to transport private/%s: %s", req.Transport, errnoText(err))
			res.unavailable = true
		case err != nil:
			m.deps.Log.Warn("%s: %v", req.QueueID, err)
			res.crash = true
		default:
			res.deferred = reply.Pending()
			if reply.HopStatus != "" {
				res.site = &DSN{Status: reply.HopStatus, Reason: reply.HopReason}
			}
		}
		m.events <- func() { m.pending--; m.delivered(e, res) }
	}()
}

// errnoText is the strerror(3) text of the system error in err's chain
// ("No such file or directory"), or err's own text.
func errnoText(err error) string {
	var errno syscall.Errno
	t := err.Error()
	if errors.As(err, &errno) {
		t = errno.Error()
	} else if i := strings.LastIndex(t, ": "); i >= 0 {
		// XXX: pkg/deliver formats the cause with %v; its last part is
		// the system error text.
		t = t[i+2:]
	}
	if t == "" {
		return t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// attempt is the outcome of one delivery attempt.
type attempt struct {
	unavailable bool // agent could not be reached: throttle the transport
	crash       bool // agent failed during the request
	site        *DSN // the destination failed as a whole
	deferred    bool // a recipient is to be tried again
}

// request builds the delivery request of an entry
// (qmgr_deliver_send_request).
func (m *Manager) request(e *Entry) *deliver.Request {
	req := m.newRequest(e.msg, e.Rcpts, e.queue.t.name, e.queue.nexthop)
	req.Flags |= e.ConnFlags
	return req
}

// newRequest builds a request for some recipients of a message.
func (m *Manager) newRequest(msg *message, rcpts []rcptRef, transport, nexthop string) *deliver.Request {
	env := msg.env
	a := env.Attr
	req := &deliver.Request{
		Flags: deliver.FlagDefault | msg.tflags,
		// Relative to the queue directory, as Postfix's agents open
		// queue_name/queue_id from their cwd: a chrooted agent sees the
		// queue directory as "/", where qmgr's absolute path does not exist.
		QueueName: queue.Active, QueueID: msg.id, QueueFile: m.deps.Layout.RelPath(queue.Active, msg.id),
		Transport: transport, Nexthop: nexthop,
		Sender:   env.Sender,
		Encoding: a(queue.AttrEncoding), SMTPUTF8: a(queue.AttrSMTPUTF8) == "1",
		DSNEnvID: a(queue.AttrDSNEnvID), DSNRet: a(queue.AttrDSNRet),
		ArrivalTime: env.Arrival, ActiveTime: msg.activeAt,
		ClientName: a(queue.AttrClientName), ClientAddr: a(queue.AttrClientAddr),
		ClientPort: a(queue.AttrClientPort), ClientProto: a(queue.AttrProtocol),
		ClientHelo: a(queue.AttrHelo), SASLMethod: a(queue.AttrSASLMethod),
		SASLUsername: a(queue.AttrSASLUser), SASLSender: a(queue.AttrSASLSender),
		LogIdent: a(queue.AttrLogIdent), RewriteContext: a(queue.AttrRewrite),
	}
	for _, r := range rcpts {
		rc := msg.rcpt(r)
		req.Recipients = append(req.Recipients, deliver.Recipient{
			Address: msg.address(r), OrigAddress: rc.Orig, Index: int(r),
			Offset: rc.Offset, Notify: rc.Notify, ORCPT: rc.ORCPT,
		})
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
			byMsg[e.msg] = append(byMsg[e.msg], decision{rcpt: r, action: deliver.Deferred, dsn: why})
		}
	}
	for _, msg := range order {
		m.recordOwn(msg, byMsg[msg])
	}
	for _, e := range entries {
		m.entryDone(e)
	}
}
