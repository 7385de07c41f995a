package smtpclient

import (
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// Failure handling as Postfix's smtp_trouble.c: a temporary failure on a
// server that is not the last one to try keeps the recipients for the
// next server (and is only logged); anything else is final: 4xx defers,
// 5xx bounces.

func soft(dsn deliver.DSN) bool { return dsn.Status != "" && dsn.Status[0] == '4' }

// bulkFail fails every recipient left in this session (smtp_bulk_fail).
// With f.throttle the destination is reported to qmgr as in trouble.
func (a *attempt) bulkFail(s *session, f *failure) {
	a.why = &f.dsn
	left := a.left()
	if soft(f.dsn) && !a.final {
		a.cfg.info("%s: %s", a.d.Req.QueueID, f.dsn.Reason)
		for _, i := range left {
			a.kept[i] = true
		}
		return
	}
	a.connSetupDone()
	a.record(left, relay(s), f.dsn)
	if f.throttle && soft(f.dsn) {
		a.d.SetHopStatus(f.dsn)
	}
}

// mesgFail fails the whole transaction without throttling the
// destination (smtp_mesg_fail: MAIL FROM, DATA, end of DATA rejected).
func (a *attempt) mesgFail(s *session, dsn deliver.DSN) {
	a.bulkFail(s, &failure{dsn: dsn})
}

// rcptFail fails one recipient (smtp_rcpt_fail).
func (a *attempt) rcptFail(s *session, i int, dsn deliver.DSN) {
	a.why = &dsn
	if soft(dsn) && !a.final {
		a.cfg.info("%s: %s", a.d.Req.QueueID, dsn.Reason)
		a.kept[i] = true
		return
	}
	a.record([]int{i}, relay(s), dsn)
}

// rcptDone reports recipients delivered with the server's reply
// (smtp_rcpt_done). A server that speaks DSN takes over success
// notifications; with lmtp_assume_final an LMTP server without DSN is
// final delivery.
func (a *attempt) rcptDone(s *session, rcpts []int, r *Reply) {
	action := "relayed"
	if a.cfg.LMTP && !s.feat.dsn && a.cfg.AssumeFinal {
		action = "delivered"
	}
	for _, i := range rcpts {
		if s.feat.dsn {
			a.d.Req.Recipients[i].Notify &^= queue.NotifySuccess
		}
	}
	dsn := deliver.DSN{Status: r.DSN, Action: action, Reason: r.Line(), DiagType: "smtp",
		DiagText: r.Line(), MTAType: "dns", MTAName: s.host}
	outs := make([]deliver.Outcome, 0, len(rcpts))
	for _, i := range rcpts {
		outs = append(outs, deliver.Outcome{Rcpt: i, Status: deliver.Sent, Relay: s.namaddrport, DSN: dsn})
	}
	a.d.Record(outs...)
}

// record gives recipients their final outcome by the class of dsn, with
// the current time as the end of the attempt (smtp_bulk_fail updates
// deliver_done).
func (a *attempt) record(rcpts []int, relay string, dsn deliver.DSN) {
	a.d.Stats.Done = time.Now()
	st := deliver.Bounced
	if soft(dsn) {
		st = deliver.Deferred
	}
	outs := make([]deliver.Outcome, 0, len(rcpts))
	for _, i := range rcpts {
		outs = append(outs, deliver.Outcome{Rcpt: i, Status: st, Relay: relay, DSN: dsn})
	}
	a.d.Record(outs...)
}

// relay is the relay= of the log: the session's host[addr]:port, or
// "none" without a session.
func relay(s *session) string {
	if s == nil {
		return "none"
	}
	return s.namaddrport
}
