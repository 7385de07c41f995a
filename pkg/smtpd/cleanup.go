package smtpd

import (
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
)

// CleanupQueue hands smtpd's messages to pkg/cleanup in the same
// process.
type CleanupQueue struct {
	C *cleanup.Cleanup
}

// Begin implements Queue.
func (q CleanupQueue) Begin(m Meta) (Message, error) {
	msg, err := q.C.Begin(cleanup.Meta{
		ClientName: m.ClientName, ClientAddr: m.ClientAddr, ClientPort: m.ClientPort,
		Helo: m.Helo, Protocol: m.Protocol, SASLMethod: m.SASLMethod, SASLUser: m.SASLUser,
		SASLSender: m.SASLSender, TLS: m.TLS, TLSActive: m.TLSActive, Origin: "smtpd", LocalUID: -1, RewriteContext: m.RewriteContext,
	})
	if err != nil {
		return nil, err
	}
	if m.Encoding != "" {
		if err := msg.SetAttr(queue.AttrEncoding, m.Encoding); err != nil {
			msg.Abort()
			return nil, err
		}
	}
	return cleanupMessage{msg}, nil
}

type cleanupMessage struct{ m *cleanup.Message }

func (c cleanupMessage) QueueID() string { return c.m.QueueID() }

func (c cleanupMessage) SetSender(addr string, ret int, envid string) error {
	r := ""
	switch ret {
	case RetFull:
		r = "FULL"
	case RetHdrs:
		r = "HDRS"
	}
	return c.m.SetSender(addr, r, envid)
}

func (c cleanupMessage) AddRecipient(addr, orcpt string, notify int) error {
	return c.m.AddRecipient(addr, orcpt, queue.FormatNotify(notify))
}

func (c cleanupMessage) Write(p []byte) error {
	_, err := c.m.Write(p)
	return err
}

func (c cleanupMessage) Commit() (string, error) { return c.m.Commit() }

func (c cleanupMessage) Abort() { c.m.Abort() }
