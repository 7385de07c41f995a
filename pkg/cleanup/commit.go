package cleanup

import (
	"os"

	"github.com/postern/postern/pkg/queue"
)

// Hold makes Commit put the message in the hold queue (access HOLD).
func (m *Message) Hold() { m.hold = true }

// Discard makes Commit drop the message while reporting success (access
// DISCARD); the caller logs the action.
func (m *Message) Discard() { m.discard = true }

// Prepend adds a header above cleanup's Received: header (access
// PREPEND). It must be called before the content; h is "Name: value",
// possibly folded with "\n\t".
func (m *Message) Prepend(h string) error {
	if err := m.check(); err != nil {
		return err
	}
	if m.body != nil {
		m.c.logf("warning", "%s: PREPEND after the start of the content ignored: %.100s", m.id, h)
		return nil
	}
	m.prepend = append(m.prepend, h)
	return nil
}

// Commit finishes the message and makes it durable: the queue file is
// complete, fsynced and renamed to its queue ID, its directory fsynced,
// and qmgr is woken. It returns the queue ID, or an *smtperr.Error with
// the reply smtpd gives (and the message does not exist).
func (m *Message) Commit() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	m.finishContent()
	if m.failed == nil {
		m.alwaysBcc()
	}
	if m.failed == nil && m.nrcpt == 0 {
		m.fail(errNoRecipients())
	}
	if m.failed == nil && !m.senderSet {
		m.c.logf("warning", "%s: message rejected: no sender", m.id)
		m.fail(errBad("internal protocol error"))
	}
	if m.failed != nil || m.discard {
		m.Abort()
		if m.failed != nil {
			return "", m.failed.err
		}
		return m.id, nil
	}
	if err := m.finish(); err != nil {
		return "", err
	}
	m.c.wake()
	return m.id, nil
}

// finish writes the trace records and commits the queue file.
func (m *Message) finish() error {
	m.closed = true
	c := m.c
	if d := c.p.delayWarning; d > 0 {
		m.w.SetWarnTime(m.w.Arrival().Add(d))
	}
	if len(m.trace) > 0 {
		if err := c.layout.AppendLog(queue.Trace, m.id, m.trace...); err != nil {
			c.logf("warning", "%s: %v", m.id, err)
			m.w.Abort()
			return errWrite(err).err
		}
	}
	q := queue.Incoming
	if m.hold {
		q = queue.Hold
	}
	if err := m.w.Commit(q); err != nil {
		c.logf("warning", "%s: %v", m.id, err)
		if len(m.trace) > 0 {
			os.Remove(c.layout.Path(queue.Trace, m.id))
		}
		return errWrite(err).err
	}
	return nil
}

// Abort discards the message. It is safe to call more than once and
// after Commit (then it does nothing).
func (m *Message) Abort() {
	if m.closed {
		return
	}
	m.closed = true
	m.w.Abort()
}
