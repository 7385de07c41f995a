package deliver

import (
	"github.com/postern/postern/pkg/queue"
)

// entry is an outcome on its way to the logs (sent.c, defer.c, bounce.c).
type entry struct {
	Outcome
	word  string // status=WORD in the log line
	log   string // per-message log: queue.Bounce, queue.Defer or ""
	trace bool   // also write a trace record
	done  bool   // mark the recipient done in the queue file
	quiet bool   // no log line (a probe outcome the verify service missed)
}

// Record reports outcomes, all with the same time stamps: per-message
// logs first (bounce, trace, defer), then the done marks in the queue
// file (one fsync), then one log line per recipient. A bounce or trace
// record that cannot be written turns the outcome into a deferral, as
// Postfix does; nothing is marked done that is not safely recorded.
func (d *Delivery) Record(outs ...Outcome) {
	st := d.Stats
	if st.Done.IsZero() {
		st.Done = d.env.now()
	}
	var es []entry
	for _, o := range outs {
		if o.Rcpt < 0 || o.Rcpt >= len(d.recorded) || d.recorded[o.Rcpt] {
			d.env.warn("%s: ignoring duplicate or unknown recipient #%d outcome", d.Req.QueueID, o.Rcpt)
			continue
		}
		d.recorded[o.Rcpt] = true
		es = append(es, d.classify(o))
	}
	d.writeLogs(es)
	d.markDone(es)
	for _, e := range es {
		rc := d.Req.Recipients[e.Rcpt]
		d.report(st, rc, e)
		d.results[e.Rcpt] = Result{Index: rc.Index, Status: e.Status, DSN: e.DSN.Status,
			Action: e.DSN.Action, Reason: e.DSN.Reason, Relay: e.Relay}
	}
}

// report logs one outcome and, for a deferral, tells the fast flush
// service (defer.c: log_adhoc, then flush_add for the recipient domain).
func (d *Delivery) report(st Stats, rc Recipient, e entry) {
	if e.quiet {
		return
	}
	d.env.info("%s", LogLine(d.Req.QueueID, st, rc, e.Relay, e.DSN, e.word, d.env.DelayRes, st.Done))
	if e.word == "deferred" && d.env.Flush != nil {
		d.env.Flush.Deferred(d.Req.QueueID, rc.Address, d.env.warn)
	}
}

// classify applies Postfix's rules to one outcome: DSN sanity, default
// actions, address probes, soft_bounce and what gets recorded where.
func (d *Delivery) classify(o Outcome) entry {
	e := entry{Outcome: o}
	flags := d.Req.Flags
	rc := d.Req.Recipients[o.Rcpt]
	probe := flags&(FlagUserVerify|FlagMTAVerify) != 0
	switch o.Status {
	case Sent:
		e.DSN.Status = sane(d, "sent", e.DSN.Status, '2', "2.0.0")
		setAction(&e.DSN, "delivered")
		e.word, e.done = "sent", flags&FlagSuccess != 0
		e.trace = flags&FlagRecord != 0 || rc.Notify&queue.NotifySuccess != 0 ||
			(flags&FlagRecDlySent != 0 && (rc.Notify == 0 || rc.Notify&queue.NotifyDelay != 0))
	case Bounced:
		if ValidStatus(e.DSN.Status) == 0 {
			e.DSN.Status = "5.0.0"
		}
		setAction(&e.DSN, "failed")
		e.word, e.log, e.done, e.trace = "bounced", queue.Bounce, true, flags&FlagRecord != 0
		if d.env.SoftBounce && !probe {
			e.Status, e.word, e.log, e.done = Deferred, "SOFTBOUNCE", queue.Defer, false
			e.DSN.Status = "4" + e.DSN.Status[1:]
			e.DSN.Action = "delayed"
		}
	default:
		e.DSN.Status = sane(d, "defer_append", e.DSN.Status, '4', "4.0.0")
		setAction(&e.DSN, "delayed")
		e.word, e.log, e.trace = "deferred", queue.Defer, flags&FlagRecord != 0
	}
	if flags&FlagMTAVerify != 0 {
		d.verifyAppend(&e)
	} else if probe {
		userVerify(&e, flags)
	}
	return e
}

// userVerify classifies the outcome of a sendmail -bv recipient: it is
// reported in the trace log only ("deliverable" or "undeliverable"),
// and once that is written the recipient is finished (sent(),
// defer_append() and bounce_append() return trace_append()'s status,
// and the agent marks the recipient done). Its result for qmgr is Sent
// or Bounced, never Deferred, so that qmgr removes the message after
// mailing the report; nothing goes to the bounce or defer log.
func userVerify(e *entry, flags Flags) {
	e.word, e.DSN.Action = "deliverable", "deliverable"
	e.done = flags&FlagSuccess != 0
	if e.Status != Sent {
		e.word, e.DSN.Action = "undeliverable", "undeliverable"
		e.Status, e.done = Bounced, true
	}
	e.log, e.trace = "", true
}

func setAction(dsn *DSN, def string) {
	if dsn.Action == "" {
		dsn.Action = def
	}
}

// sane enforces the class digit of a status code, with Postfix's warning.
func sane(d *Delivery, who, status string, class byte, def string) string {
	if ValidStatus(status) == len(status) && status != "" && status[0] == class {
		return status
	}
	d.env.warn("%s: ignoring dsn code \"%s\"", who, status)
	return def
}

// writeLogs appends the bounce, trace and defer records. A failed bounce
// or trace write defers the recipient instead (4.3.0).
func (d *Delivery) writeLogs(es []entry) {
	for _, q := range []string{queue.Bounce, queue.Trace} {
		idx := d.appendLog(q, es, func(e *entry) bool {
			return (q == queue.Bounce && e.log == queue.Bounce) || (q == queue.Trace && e.trace)
		})
		for _, i := range idx {
			es[i].Status, es[i].word, es[i].log, es[i].done = Deferred, "deferred", queue.Defer, false
			es[i].DSN = Simple("4.3.0", d.Req.QueueID+": bounce or trace service failure")
			es[i].DSN.Action = "delayed"
		}
	}
	for _, i := range d.appendLog(queue.Defer, es, func(e *entry) bool { return e.log == queue.Defer }) {
		d.env.warn("%s: recipient %s: defer log not written", d.Req.QueueID, d.Req.Recipients[es[i].Rcpt].Address)
	}
}

// appendLog writes the selected entries to one log and returns the
// positions (in es) of those that could not be written.
func (d *Delivery) appendLog(q string, es []entry, pick func(*entry) bool) []int {
	var recs []queue.LogRecord
	var idx []int
	for i := range es {
		if pick(&es[i]) {
			recs = append(recs, d.logRecord(&es[i]))
			idx = append(idx, i)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	if err := d.env.Layout.AppendLog(q, d.Req.QueueID, recs...); err != nil {
		d.env.warn("%s: %v", d.Req.QueueID, err)
		return idx
	}
	return nil
}

func (d *Delivery) logRecord(e *entry) queue.LogRecord {
	rc := d.Req.Recipients[e.Rcpt]
	return queue.LogRecord{
		Recipient: rc.Address, OrigRcpt: rc.OrigAddress, Offset: rc.Offset,
		DSNOrcpt: rc.ORCPT, Notify: rc.Notify,
		Status: e.DSN.Status, Action: e.DSN.Action, Reason: e.DSN.Reason,
		DiagType: e.DSN.DiagType, DiagText: e.DSN.DiagText,
		MTAType: e.DSN.MTAType, MTAName: e.DSN.MTAName,
	}
}

// markDone marks finished recipients in the queue file with one fsync.
// A recipient passed with offset -1 is never marked: the agent that
// passed it (local's mailbox_transport) does that.
func (d *Delivery) markDone(es []entry) {
	var idx []int
	for _, e := range es {
		if e.done && !d.Req.Recipients[e.Rcpt].ReportOnly() {
			idx = append(idx, d.Req.Recipients[e.Rcpt].Index)
		}
	}
	if len(idx) == 0 {
		return
	}
	if err := d.File.MarkDone(idx...); err != nil {
		// XXX: Postfix's deliver_completed() is fatal here. The
		// outcome is reported to qmgr anyway; at worst the recipient
		// is tried again after a crash.
		d.env.warn("%s: mark recipients done: %v", d.Req.QueueID, err)
	}
}
