package qmgr

import (
	"context"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// decision is what qmgr itself does with a recipient that it does not
// hand to a delivery agent: defer it (dead destination or transport,
// defer_transports, resolver failure, forced expiry), bounce it (null or
// malformed address) or drop it (mail to $double_bounce_sender).
type decision struct {
	rcpt   rcptRef
	action deliver.Status
	dsn    DSN
}

// recordOwn records and logs decisions on a worker, through the same
// bookkeeping as the delivery agents (pkg/deliver), with relay=none and
// no agent hand-off in the delays (defer_append, bounce_append and sent
// as called by Postfix's queue manager).
func (m *Manager) recordOwn(msg *message, ds []decision) {
	msg.refs++
	rcpts := make([]rcptRef, len(ds))
	for i, d := range ds {
		rcpts[i] = d.rcpt
	}
	req := m.newRequest(msg, rcpts, "none", "none")
	var pending bool
	m.async(func() {
		agent := deliver.AgentFunc(func(_ context.Context, d *deliver.Delivery) error {
			d.Stats.Handoff = time.Time{}
			outs := make([]deliver.Outcome, len(ds))
			for i, dc := range ds {
				outs[i] = deliver.Outcome{Rcpt: i, Status: dc.action, Relay: "none",
					DSN: deliver.Simple(dc.dsn.Status, dc.dsn.Reason)}
			}
			d.Record(outs...)
			return nil
		})
		pending = deliver.Handle(context.Background(), req, m.denv, agent).Pending()
	}, func() {
		if pending {
			msg.deferred = true
		}
		msg.refs--
		if msg.refs == 0 {
			m.messageDone(msg)
		}
	})
}
