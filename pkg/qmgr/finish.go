package qmgr

import (
	"errors"
	"os"
	"time"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/queue"
)

// messageDone disposes of a message whose recipients have all been tried
// (qmgr_active_done): on a worker it sends the notifications that are
// due, then removes the file or moves it to the deferred queue.
func (m *Manager) messageDone(msg *message) {
	m.async(func() { m.finish(msg) }, func() { m.messages-- })
}

// finish runs on a worker.
func (m *Manager) finish(msg *message) {
	orig := &bounce.Original{QueueName: queue.Active, Path: msg.path, Envelope: msg.env}
	// Permanent failures: the bounce log becomes a non-delivery notice.
	if err := m.flushLog(bounce.Failure, queue.Bounce, orig); err != nil {
		msg.deferred = true
	}
	// A delivery agent marks a queue file as corrupt by changing its
	// mode and pretending that delivery was deferred.
	if msg.deferred {
		if st, err := os.Stat(msg.path); err == nil && !queue.IsComplete(st.Mode()) {
			m.corrupt(msg.id)
			return
		}
	}
	if msg.wantsTraceFlush() {
		if err := m.traceFlush(msg, orig); err != nil {
			msg.deferred = true
		}
	}
	if msg.deferred {
		m.expireOrWarn(msg, orig)
	}
	m.dispose(msg)
}

// flushLog sends the notice for one delivery log and removes the log
// when the notice is queued. An empty log is removed without a notice.
func (m *Manager) flushLog(kind bounce.Kind, logQueue string, orig *bounce.Original) error {
	id := orig.Envelope.ID
	recs, exists, err := m.deps.Layout.ReadLogFile(logQueue, id)
	if err != nil {
		m.deps.Log.Warn("%s: read %s log: %v", id, logQueue, err)
		return err
	}
	if !exists {
		return nil
	}
	if len(recs) > 0 {
		if err := m.deps.Notifier.Notify(kind, orig, recs); err != nil {
			return err
		}
	}
	if err := m.removeLog(logQueue, id); err != nil {
		m.deps.Log.Warn("%s: remove %s log: %v", id, logQueue, err)
		return err
	}
	return nil
}

// expireOrWarn returns expired mail to the sender, or sends the delay
// warning when it is due (qmgr_active_done_25_generic).
func (m *Manager) expireOrWarn(msg *message, orig *bounce.Original) {
	now := m.now()
	env := msg.env
	life := m.set.MaxQueueLifetime
	if env.Sender == "" {
		life = m.set.BounceQueueLifetime
	}
	status := ""
	switch {
	case msg.forceExpire:
		status = "force-expired"
	case !now.Before(env.Arrival.Add(life)):
		status = "expired"
	}
	if status != "" {
		m.deps.Log.Info("%s: from=<%s>, status=%s, returned to sender", msg.id, env.Sender, status)
		if m.flushLog(bounce.Failure, queue.Defer, orig) == nil {
			msg.deferred = false
		}
		return
	}
	if env.WarnTime.IsZero() || now.Before(env.WarnTime.Add(-time.Second)) {
		return
	}
	recs, err := m.deps.Layout.ReadLog(queue.Defer, msg.id)
	if err != nil || len(recs) == 0 {
		return
	}
	if m.deps.Notifier.Notify(bounce.Delay, orig, recs) != nil {
		return
	}
	f, err := queue.Open(msg.path, true)
	if err == nil {
		err = f.SetWarnTime(time.Time{})
		f.Close()
	}
	if err != nil {
		m.deps.Log.Warn("%s: update warning time: %v", msg.id, err)
	}
}

// dispose moves a deferred message to the deferred queue with its next
// attempt time as time stamp, or removes a finished one.
func (m *Manager) dispose(msg *message) {
	if msg.deferred {
		delay := m.set.Backoff(msg.env.Arrival, m.now())
		if err := m.deferFile(msg.id, queue.Deferred, delay); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.deps.Log.Warn("%s: defer: %v", msg.id, err)
		}
		return
	}
	// The file goes to the recycle directory for reuse (pkg/queue).
	if err := m.deps.Layout.Recycle(msg.path); err != nil {
		m.deps.Log.Warn("%s: remove %s from %s: %v", msg.id, msg.id, queue.Active, err)
		return
	}
	// Same format as logged by postsuper.
	m.deps.Log.Info("%s: removed", msg.id)
}
