package qmgr

import (
	"github.com/postern/postern/pkg/queue"
)

// Recording order per recipient, as Postfix's agents do it: a bounced
// recipient is written to the bounce log before it is marked done, so a
// crash in between repeats the bounce record, never loses it; a delivered
// recipient with NOTIFY=SUCCESS gets its trace record first for the same
// reason; a deferred one only gets a defer log record. Each log append and
// each batch of done marks is fsynced before the next step.

// recordReply records an agent's per-recipient results; it runs in the
// delivery goroutine. It reports whether a recipient must be tried again
// (including when its result could not be recorded).
func (m *Manager) recordReply(msg *message, rcpts []rcptRef, reply *Reply) bool {
	var bounced, traced, deferred []queue.LogRecord
	var done []int64
	for i, r := range rcpts {
		rc := msg.rcpt(r)
		res := reply.Rcpts[i]
		rec := m.logRecord(rc, res.Log)
		switch res.Action {
		case Sent:
			if rc.Notify&queue.NotifySuccess != 0 {
				traced = append(traced, rec)
			}
			done = append(done, rc.Offset)
		case Bounced:
			bounced = append(bounced, rec)
			done = append(done, rc.Offset)
		default:
			deferred = append(deferred, rec)
		}
	}
	return m.writeRecords(msg, bounced, traced, deferred, done)
}

// writeRecords appends the log records and marks recipients done; a
// failure leaves the message deferred (bounce_append failure → defer).
func (m *Manager) writeRecords(msg *message, bounced, traced, deferred []queue.LogRecord, done []int64) bool {
	l := m.deps.Layout
	again := len(deferred) > 0
	ok := true
	for _, lg := range []struct {
		name string
		recs []queue.LogRecord
	}{{queue.Bounce, bounced}, {queue.Trace, traced}, {queue.Defer, deferred}} {
		if len(lg.recs) == 0 {
			continue
		}
		if err := l.AppendLog(lg.name, msg.id, lg.recs...); err != nil {
			m.deps.Log.Warn("%s: %v", msg.id, err)
			ok, again = false, true
		}
	}
	if ok && len(done) > 0 {
		if err := queue.MarkDoneAt(msg.path, done...); err != nil {
			m.deps.Log.Warn("%s: %v", msg.id, err)
			again = true
		}
	}
	return again
}

// logRecord completes an agent's log record with the recipient's
// envelope data.
func (m *Manager) logRecord(rc *queue.Recipient, rec queue.LogRecord) queue.LogRecord {
	rec.Recipient = rc.Address
	rec.OrigRcpt = rc.Orig
	rec.Offset = rc.Offset
	rec.DSNOrcpt = rc.ORCPT
	rec.Notify = rc.Notify
	return rec
}

// recordOwn records and logs decisions qmgr made without an agent
// (defer_append/bounce_append/sent with relay=none), on a worker.
func (m *Manager) recordOwn(msg *message, ds []decision) {
	msg.refs++
	st := msg.stats()
	var again bool
	m.async(func() {
		var bounced, traced, deferred []queue.LogRecord
		var done []int64
		now := m.now()
		for _, d := range ds {
			rc := msg.rcpt(d.rcpt)
			rec := m.logRecord(rc, queue.LogRecord{Status: d.dsn.Status, Reason: d.dsn.Reason})
			word := "deferred"
			switch d.action {
			case Sent:
				word, rec.Action = "sent", "delivered"
				done = append(done, rc.Offset)
				if rc.Notify&queue.NotifySuccess != 0 {
					traced = append(traced, rec)
				}
			case Bounced:
				word, rec.Action = "bounced", "failed"
				bounced = append(bounced, rec)
				done = append(done, rc.Offset)
			default:
				rec.Action = "delayed"
				deferred = append(deferred, rec)
			}
			m.deps.Log.Info("%s", deliveryLine(msg.id, rc.Address, rc.Orig, "none", st, now, d.dsn, word, m.set.DelayResolution))
		}
		again = m.writeRecords(msg, bounced, traced, deferred, done)
	}, func() {
		if again {
			msg.deferred = true
		}
		msg.refs--
		if msg.refs == 0 {
			m.messageDone(msg)
		}
	})
}
