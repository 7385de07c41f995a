package deliver

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Fan-out: one queue recipient delivered to several destinations. The
// local(8) agent expands a recipient through aliases, :include: files and
// ~/.forward into mailboxes, files, commands and other addresses, and
// Postfix reports each of them on its own with sent(), defer_append() and
// bounce_append(): one log line per destination naming the expanded
// address (to=<expanded>, orig_to=<original>), one bounce or defer record
// per destination. The queue recipient is finished only when every
// destination is: marked done when none was deferred, left pending
// otherwise (and the whole expansion is tried again later, Postfix's
// documented "better safe than sorry" duplicate).
//
// RecordAs records one destination; Settle then gives the queue recipient
// its final result. PassAs hands one destination to another agent
// (mailbox_transport, fallback_transport: Postfix's deliver_pass()).

// RecordAs records one outcome of recipient o.Rcpt as Record does, except
// that the log line and the bounce, defer and trace records name as (the
// address the recipient was expanded to; as.Index and as.Offset are taken
// from the queue recipient) and that the queue recipient is neither
// marked done nor given its result: several outcomes may be recorded for
// one recipient. It returns the status after soft_bounce and log write
// failures (a bounce whose record could not be written is a deferral).
func (d *Delivery) RecordAs(as Recipient, o Outcome) Status {
	if o.Rcpt < 0 || o.Rcpt >= len(d.recorded) || d.recorded[o.Rcpt] {
		d.env.warn("%s: ignoring outcome for finished or unknown recipient #%d", d.Req.QueueID, o.Rcpt)
		return Deferred
	}
	orig := d.Req.Recipients[o.Rcpt]
	as.Index, as.Offset = orig.Index, orig.Offset
	d.Req.Recipients[o.Rcpt] = as
	defer func() { d.Req.Recipients[o.Rcpt] = orig }()
	st := d.Stats
	if st.Done.IsZero() {
		st.Done = d.env.now()
	}
	es := []entry{d.classify(o)}
	d.writeLogs(es)
	d.report(st, as, es[0])
	return es[0].Status
}

// Settle gives recipient rcpt, whose outcomes were recorded with
// RecordAs or PassAs, its final result for qmgr. A Sent or Bounced
// result finishes the recipient: it is marked done in the queue file
// (a Sent one only with FlagSuccess or for a verify(8) probe; nothing
// is marked for a recipient passed with offset -1).
// A Deferred result leaves it pending.
func (d *Delivery) Settle(rcpt int, res Result) {
	if rcpt < 0 || rcpt >= len(d.recorded) || d.recorded[rcpt] {
		d.env.warn("%s: ignoring duplicate or unknown recipient #%d result", d.Req.QueueID, rcpt)
		return
	}
	d.recorded[rcpt] = true
	res.Index = d.Req.Recipients[rcpt].Index
	d.results[rcpt] = res
	flags := d.Req.Flags
	done := res.Status == Bounced || (res.Status == Sent && flags&(FlagSuccess|FlagMTAVerify) != 0)
	if !done || d.Req.Recipients[rcpt].ReportOnly() {
		return
	}
	if err := d.File.MarkDone(res.Index); err != nil {
		// XXX: as in markDone, the outcome is reported anyway.
		d.env.warn("%s: mark recipients done: %v", d.Req.QueueID, err)
	}
}

// PassAs hands one destination of recipient rcpt (the address as) to the
// agent of another master.cf service, as Postfix's deliver_pass() does
// for mailbox_transport and fallback_transport: service is
// "transport[:nexthop]" (the request's nexthop when none is given). It
// logs "QID: passing <ADDR> to transport=NAME". The other agent delivers,
// logs and writes the bounce or defer record itself; the returned status
// is its outcome. When the agent cannot be reached or its answer is
// unreadable the destination is deferred here, with Postfix's texts.
// The recipient goes with offset -1, as Postfix passes it, so that the
// other agent reports but never marks it done: Settle decides.
func (d *Delivery) PassAs(ctx context.Context, c *Client, service string, rcpt int, as Recipient) Status {
	transport, nexthop, _ := strings.Cut(service, ":")
	if nexthop == "" {
		nexthop = d.Req.Nexthop
	}
	d.env.info("%s: passing <%s> to transport=%s", d.Req.QueueID, as.Address, transport)
	orig := d.Req.Recipients[rcpt]
	as.Index, as.Offset = orig.Index, -1
	req := *d.Req
	req.Transport, req.Nexthop = transport, nexthop
	req.Recipients = []Recipient{as}
	reply, err := c.Deliver(ctx, &req)
	switch {
	case err == nil:
		return reply.Results[0].Status
	case transport == "" || errors.Is(err, ErrUnavailable):
		d.env.warn("%s: %v", d.Req.QueueID, passError(transport, err))
		return d.RecordAs(as, Outcome{Rcpt: rcpt, Status: Deferred, Relay: "none",
			DSN: Simple("4.3.0", "mail transport unavailable")})
	default:
		d.env.warn("%s: %v", d.Req.QueueID, err)
		return d.RecordAs(as, Outcome{Rcpt: rcpt, Status: Deferred, Relay: "none",
			DSN: Simple("4.3.0", "unknown mail transport error")})
	}
}

func passError(transport string, err error) error {
	if transport == "" {
		return fmt.Errorf("missing transport name")
	}
	return err
}
