package qmgr

import (
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// message is one message in the active queue (qmgr_message.c). Its
// envelope is read once when it enters the active queue; the queue file
// is reopened only to mark recipients done.
type message struct {
	id       string
	path     string // in the active queue
	env      *queue.Envelope
	activeAt time.Time
	refs     int  // entries not yet finished
	deferred bool // a recipient must be tried again (message->flags)
	nrcpt    int  // in-core recipients, for qmgr_message_recipient_limit

	resolved map[rcptRef]string // resolver output that differs from the file

	tflags      deliver.Flags // trace_flags: sendmail -v, -bv, probes (trace.go)
	forceExpire bool          // postsuper -e/-f (mode g+x)
	flushEach   bool          // fast flush: revive dead destinations (mode g+r)
	ignoreDefer bool          // override defer_transports (flush)
}

// rcptRef is a recipient of a message: an index into env.Recipients.
type rcptRef int

func (m *message) rcpt(r rcptRef) *queue.Recipient { return &m.env.Recipients[r] }

// address returns the address to deliver recipient r to: as resolved,
// or as in the queue file.
func (m *message) address(r rcptRef) string {
	if a, ok := m.resolved[r]; ok {
		return a
	}
	return m.rcpt(r).Address
}

func (m *message) setAddress(r rcptRef, addr string) {
	if addr == m.rcpt(r).Address {
		return
	}
	if m.resolved == nil {
		m.resolved = map[rcptRef]string{}
	}
	m.resolved[r] = addr
}

// wantsSuccessNotice reports whether a recipient asked for NOTIFY=SUCCESS,
// so a trace log may exist (qmgr_active_done_2_generic).
func (m *message) wantsSuccessNotice() bool {
	for i := range m.env.Recipients {
		if m.env.Recipients[i].Notify&queue.NotifySuccess != 0 {
			return true
		}
	}
	return false
}
