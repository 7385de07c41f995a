package bounce

import (
	"bufio"
	"strings"

	"github.com/postern/postern/pkg/queue"
)

// filter keeps the records whose NOTIFY asks for this notice, or that
// gave no NOTIFY (bounce_diagnostic_log's notify_filter).
func filter(recs []queue.LogRecord, mask int) []queue.LogRecord {
	var out []queue.LogRecord
	for _, r := range recs {
		if r.Notify == 0 || r.Notify&mask != 0 {
			out = append(out, r)
		}
	}
	return out
}

const notifyAll = queue.NotifyNever | queue.NotifySuccess | queue.NotifyFailure | queue.NotifyDelay

// job describes one notice to send.
type job struct {
	tmpl       *Template
	sender     string // envelope sender of the notice
	dest       string // its recipient
	postmaster bool   // a postmaster copy: no boilerplate text
	mask       int    // NOTIFY filter
	ret        string // retFull or retHdrs
	what       string // for the log: "sender non-delivery", ...
}

// send writes and queues one notice. It returns (false, nil) when no
// record applies, and an error when the notice could not be queued.
func (s *Service) send(j job, orig *Original, recs []queue.LogRecord) (bool, error) {
	recs = filter(recs, j.mask)
	if len(recs) == 0 {
		return false, nil
	}
	n := s.newNotice(j.tmpl, orig, recs)
	var text []string
	if !j.postmaster {
		var err error
		if text, err = n.boilerplate(); err != nil {
			return false, err
		}
	}
	d, err := s.post.Open(j.sender, j.dest)
	if err != nil {
		return false, err
	}
	s.log.Info("%s: %s notification: %s", orig.Envelope.ID, j.what, d.ID())
	n.w = bufio.NewWriterSize(d, 32*1024)
	n.header(j.dest, j.postmaster)
	for _, l := range text {
		n.line("%s", l)
	}
	n.diagnostics()
	n.statusPart()
	if err := n.originalPart(j.ret); err != nil {
		d.Abort()
		return false, err
	}
	if err := n.w.Flush(); err != nil {
		d.Abort()
		return false, err
	}
	if err := d.Commit(); err != nil {
		return false, err
	}
	return true, nil
}

// retOf returns the RET the sender asked for, FULL when none.
func retOf(orig *Original) string {
	if strings.EqualFold(orig.Envelope.Attr(queue.AttrDSNRet), retHdrs) {
		return retHdrs
	}
	return retFull
}

// failure sends a non-delivery notice (bounce_notify_service).
func (s *Service) failure(orig *Original, recs []queue.LogRecord) error {
	set := &s.set
	t := &set.Templates.Failure
	rcpt := orig.Envelope.Sender
	if orig.NotifyTo != "" {
		rcpt = orig.NotifyTo
	}
	id := orig.Envelope.ID
	switch {
	case strings.EqualFold(rcpt, set.doubleBounce()):
		// Double bounce failed. Never send a triple bounce.
		s.log.Warn("%s: undeliverable postmaster notification discarded", id)
		return nil
	case rcpt == "":
		// Single bounce failed: a double bounce to postmaster.
		if !set.NotifyClasses["bounce"] && !set.NotifyClasses["2bounce"] {
			return nil
		}
		_, err := s.send(job{tmpl: t, sender: set.doubleBounce(), dest: set.TwoBounceRecipient,
			postmaster: true, mask: notifyAll, ret: retFull, what: "postmaster non-delivery"}, orig, recs)
		if err != nil {
			s.log.Warn("%s: postmaster notification failed: %v", id, err)
		}
		return err
	}
	_, err := s.send(job{tmpl: t, sender: "", dest: rcpt, mask: queue.NotifyFailure,
		ret: retOf(orig), what: "sender non-delivery"}, orig, recs)
	if err != nil {
		s.log.Warn("%s: sender notification failed to %s: %v", id, rcpt, err)
		return err
	}
	if set.NotifyClasses["bounce"] {
		_, perr := s.send(job{tmpl: t, sender: set.doubleBounce(), dest: set.BounceRecipient,
			postmaster: true, mask: notifyAll, ret: retHdrs, what: "postmaster non-delivery"}, orig, recs)
		if perr != nil {
			s.log.Warn("%s: postmaster notice failed while bouncing to %s", id, rcpt)
		}
	}
	return nil
}

// delay sends a delay warning (bounce_warn_service).
func (s *Service) delay(orig *Original, recs []queue.LogRecord) error {
	set := &s.set
	t := &set.Templates.Delay
	rcpt := orig.Envelope.Sender
	id := orig.Envelope.ID
	switch {
	case strings.EqualFold(rcpt, set.doubleBounce()):
		s.log.Warn("%s: undeliverable postmaster notification discarded", id)
		return nil
	case rcpt == "":
		if !set.NotifyClasses["delay"] {
			return nil
		}
		_, err := s.send(job{tmpl: t, sender: set.doubleBounce(), dest: set.DelayRecipient,
			postmaster: true, mask: notifyAll, ret: retFull, what: "postmaster delay"}, orig, recs)
		if err != nil {
			s.log.Warn("%s: postmaster notification failed: %v", id, err)
		}
		return err
	}
	_, err := s.send(job{tmpl: t, sender: "", dest: rcpt, mask: queue.NotifyDelay,
		ret: retHdrs, what: "sender delay"}, orig, recs)
	if err != nil {
		s.log.Warn("%s: sender notification failed to %s: %v", id, rcpt, err)
		return err
	}
	if set.NotifyClasses["delay"] {
		_, perr := s.send(job{tmpl: t, sender: set.doubleBounce(), dest: set.DelayRecipient,
			postmaster: true, mask: notifyAll, ret: retHdrs, what: "postmaster delay"}, orig, recs)
		if perr != nil {
			s.log.Warn("%s: postmaster notice failed while warning %s", id, rcpt)
		}
	}
	return nil
}

// trace sends a delivery report from the trace log with template tmpl:
// the success template for NOTIFY=SUCCESS recipients, the verify
// template for sendmail -v and -bv (bounce_trace_service).
func (s *Service) trace(orig *Original, recs []queue.LogRecord, tmpl *Template) error {
	set := &s.set
	rcpt := orig.Envelope.Sender
	id := orig.Envelope.ID
	sender := ""
	switch {
	case strings.EqualFold(rcpt, set.doubleBounce()):
		s.log.Info("%s: not sending trace/success notification for double-bounce message", id)
		return nil
	case rcpt == "" && set.NotifyClasses["2bounce"]:
		rcpt, sender = set.TwoBounceRecipient, set.doubleBounce()
	case rcpt == "":
		s.log.Info("%s: not sending trace/success notification for single-bounce message", id)
		return nil
	}
	_, err := s.send(job{tmpl: tmpl, sender: sender, dest: rcpt,
		mask: notifyAll, ret: retHdrs, what: "sender delivery status"}, orig, recs)
	if err != nil {
		s.log.Warn("%s: sender notification failed to %s: %v", id, rcpt, err)
	}
	return err
}
