// Package bounce writes Postfix's delivery status notifications (RFC 3464
// multipart/report messages, bounce(8)) and queues them through cleanup:
//
//   - Failure: a non-delivery notice to the sender from a bounce log
//     (recipients that failed permanently) or, for expired mail, from the
//     defer log; with a "postmaster copy" when notify_classes has bounce.
//     Mail from the null sender is not returned: a "double bounce" goes to
//     $2bounce_notice_recipient when notify_classes has bounce or 2bounce.
//     A notice for $double_bounce_sender itself is discarded.
//   - Delay: a delay warning to the sender from the defer log
//     (delay_warning_time), with a postmaster copy when notify_classes has
//     delay.
//   - Success: a delivery report for recipients with NOTIFY=SUCCESS, from
//     the trace log.
//   - Report: the "Mail Delivery Status Report" of sendmail -v (or -bv)
//     with every recipient of the trace log, with the verify template.
//
// A notice is sent from the null sender (postmaster copies and double
// bounces from $double_bounce_sender) and has three parts: the template
// text followed by one paragraph per recipient ("<rcpt>: reason", lines
// wrapped at 79 columns with a 4-column indent), a message/delivery-status
// part (Reporting-MTA, X-Postfix-Queue-ID, X-Postfix-Sender,
// Arrival-Date, then per recipient Final-Recipient, Original-Recipient,
// Action, Status, Remote-MTA, Diagnostic-Code, and for delay warnings
// Will-Retry-Until), and the original message (message/rfc822) or its
// headers (text/rfc822-headers) when RET=HDRS was asked, for delay
// warnings, success reports and postmaster copies, or when the message is
// larger than bounce_size_limit. The texts are Postfix's built-in
// templates or those of $bounce_template_file (bounce(5)).
//
// Only recipients whose DSN NOTIFY asks for the notice (or that gave no
// NOTIFY) are reported to the sender; when none is left no notice is
// sent. Log lines, as bounce(8): "QID: sender non-delivery notification:
// NEWID", "QID: postmaster non-delivery notification: NEWID", "QID:
// sender delay notification: NEWID", "QID: postmaster delay
// notification: NEWID", "QID: sender delivery status notification:
// NEWID".
//
// Postern's queue manager uses this package in-process; cmd/bounce serves
// the same job as a daemon on the bounce, defer and trace services.
//
// Parameters read: myhostname, mydomain, mail_name, notify_classes,
// bounce_notice_recipient, 2bounce_notice_recipient,
// delay_notice_recipient, double_bounce_sender, bounce_size_limit,
// maximal_queue_lifetime, delay_warning_time, bounce_template_file,
// header_from_format, smtputf8_enable, and any parameter a template names.
package bounce

import (
	"time"

	"github.com/postern/postern/pkg/queue"
)

// Kind selects the notice and its template.
type Kind int

const (
	Failure Kind = iota // undeliverable, or expired in the queue
	Delay               // still being retried
	Success             // delivered, NOTIFY=SUCCESS
	Report              // sendmail -v or -bv: what happened to every recipient
)

func (k Kind) String() string {
	switch k {
	case Failure:
		return "failure"
	case Delay:
		return "delay"
	case Success:
		return "success"
	case Report:
		return "report"
	}
	return "unknown"
}

// Original is the message a notice is about.
type Original struct {
	QueueName string // queue holding the file, e.g. "active"
	Path      string // the queue file; content is read from it
	Envelope  *queue.Envelope
	// NotifyTo is where a non-delivery notice goes instead of the
	// envelope sender: local(8)'s owner- alias (Postfix's bounce_one()
	// with the owner as sender). The notice still names the envelope
	// sender in X-Postfix-Sender: and Return-Path:, as Postfix's does.
	NotifyTo string
}

// Draft is a notice being written into the queue.
type Draft interface {
	ID() string // the new queue ID, known before the content
	Write(p []byte) (int, error)
	Commit() error
	Abort()
}

// Poster starts a new message in the queue (post_mail_fopen).
type Poster interface {
	Open(sender, recipient string) (Draft, error)
}

// Logger receives the log records of notices.
type Logger interface {
	Info(format string, args ...any)
	Warn(format string, args ...any)
}

// Service writes notices.
type Service struct {
	set  Settings
	post Poster
	log  Logger
	now  func() time.Time
}

// New returns a Service. now is nil for time.Now.
func New(set Settings, post Poster, log Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{set: set, post: post, log: log, now: now}
}

// Notify sends the notice of kind about orig for the log records recs. A
// nil error means the notice was queued or was not needed; otherwise the
// log must be kept and the notice tried again later.
func (s *Service) Notify(kind Kind, orig *Original, recs []queue.LogRecord) error {
	switch kind {
	case Failure:
		return s.failure(orig, recs)
	case Delay:
		return s.delay(orig, recs)
	case Success:
		return s.trace(orig, recs, &s.set.Templates.Success)
	case Report:
		return s.trace(orig, recs, &s.set.Templates.Verify)
	}
	return nil
}
