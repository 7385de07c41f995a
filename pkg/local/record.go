package local

import (
	"context"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// Outcomes of the delivery functions, as Postfix's int status: ok when
// the destination is finished (delivered, or bounced and recorded),
// retry when it must be tried again (deferred and recorded). Statuses of
// several destinations are combined with |.
type result int

const (
	ok    result = 0
	retry result = 1
)

// job is one queue recipient being delivered, with everything shared by
// the copies of its state: the request, the duplicate filter, the
// forwarded messages and the outcomes so far.
type job struct {
	a         *Agent
	ctx       context.Context
	d         *deliver.Delivery
	idx       int             // position in d.Req.Recipients
	dup       *dupFilter      // been_here() table
	loop      map[string]bool // Delivered-To: addresses of the message
	fwd       *forwarder
	sent      bool
	bounced   bool
	lastDefer deliver.DSN // last deferral
}

// as is the recipient as logged and recorded for the current state.
func (s *state) as() deliver.Recipient {
	r := s.msg.rcpt
	return deliver.Recipient{Address: r.address, OrigAddress: r.origAddr, ORCPT: r.orcpt, Notify: r.notify}
}

// record logs and records one outcome of the current destination (the
// sent(), defer_append() and bounce_append() calls of Postfix).
func (s *state) record(st deliver.Status, dsn deliver.DSN) result {
	j := s.job
	got := j.d.RecordAs(s.as(), deliver.Outcome{Rcpt: j.idx, Status: st, Relay: s.msg.relay, DSN: dsn})
	switch got {
	case deliver.Sent:
		j.sent = true
	case deliver.Bounced:
		j.bounced = true
	default:
		j.lastDefer = dsn
		return retry
	}
	return ok
}

func (s *state) sent(status, reason string) result {
	return s.record(deliver.Sent, deliver.Simple(status, reason))
}

func (s *state) bounce(status, reason string) result {
	return s.record(deliver.Bounced, deliver.Simple(status, reason))
}

func (s *state) deferTo(status, reason string) result {
	return s.record(deliver.Deferred, deliver.Simple(status, reason))
}

// bounceOrDefer records a failure as a bounce or a deferral by its
// status class.
func (s *state) bounceOrDefer(status, reason string) result {
	return s.fail(deliver.Simple(status, reason))
}

// fail records a failure with its full DSN, by its status class.
func (s *state) fail(dsn deliver.DSN) result {
	if dsn.Status != "" && dsn.Status[0] == '4' {
		return s.record(deliver.Deferred, dsn)
	}
	return s.record(deliver.Bounced, dsn)
}

// unixDSN is dsb_unix(): a status with a reason and, when diag is not
// empty, the diagnostic "x-unix; DIAG" for the delivery status notice.
func unixDSN(status, reason, diag string) deliver.DSN {
	dsn := deliver.Simple(status, reason)
	if diag != "" {
		dsn.DiagType, dsn.DiagText = "x-unix", diag
	}
	return dsn
}

// settle gives the queue recipient its final result.
func (j *job) settle(r result) {
	res := deliver.Result{Status: deliver.Sent, DSN: "2.0.0", Relay: j.d.Req.Transport}
	switch {
	case r != ok:
		res = deliver.Result{Status: deliver.Deferred, DSN: j.lastDefer.Status, Action: "delayed",
			Reason: j.lastDefer.Reason, Relay: "none"}
		if res.DSN == "" {
			res.DSN, res.Reason = "4.3.0", "unknown mail transport error"
		}
	case !j.sent && j.bounced:
		res.Status, res.DSN = deliver.Bounced, "5.0.0"
	}
	j.d.Settle(j.idx, res)
}

// traceExpanded writes the "alias expanded" DSN success record for a
// recipient that asked for NOTIFY=SUCCESS (trace_append() in alias.c
// and dotforward.c): action is "expanded" for an alias or .forward,
// "delivered" for a mailing list with an owner- alias.
func (s *state) traceExpanded(action string) {
	j := s.job
	r := s.msg.rcpt
	rec := queue.LogRecord{Recipient: r.address, OrigRcpt: r.origAddr, Offset: j.d.Req.Recipients[j.idx].Offset,
		DSNOrcpt: r.orcpt, Notify: r.notify, Status: "2.0.0", Action: action, Reason: "alias expanded"}
	if err := j.a.env.Layout.AppendLog(queue.Trace, j.d.Req.QueueID, rec); err != nil {
		j.a.warn("%s: %v", j.d.Req.QueueID, err)
	}
}

// traceOnly reports whether this is an address probe: report what
// would happen, deliver nothing (DEL_REQ_TRACE_ONLY).
func (s *state) traceOnly() bool { return s.job.d.Verify() }
