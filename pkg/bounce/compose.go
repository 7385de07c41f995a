package bounce

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// Return options of the attached original (DSN RET, RFC 3461 4.3).
const (
	retFull = "FULL"
	retHdrs = "HDRS"
)

// notice is one notification being written (bounce_notify_util.c).
type notice struct {
	s        *Service
	tmpl     *Template
	orig     *Original
	recs     []queue.LogRecord
	w        *bufio.Writer
	boundary string
	mimeEnc  string // "", "7bit" or "8bit"
	sender   string // the original sender, quoted; MAILER-DAEMON@host for <>
	mailName string // mail_name made a valid atom
	utf8Req  bool   // the original asked for SMTPUTF8
}

func (s *Service) newNotice(tmpl *Template, orig *Original, recs []queue.LogRecord) *notice {
	env := orig.Envelope
	n := &notice{s: s, tmpl: tmpl, orig: orig, recs: recs}
	switch enc := strings.ToLower(env.Attr(queue.AttrEncoding)); {
	case s.set.SMTPUTF8, enc == "8bit", enc == "8bitmime":
		n.mimeEnc = "8bit"
	case enc == "7bit":
		n.mimeEnc = "7bit"
	}
	n.boundary = fmt.Sprintf("%s.%d/%s", env.ID, s.now().Unix(), s.set.MyHostname)
	n.sender = env.Sender
	if n.sender == "" {
		n.sender = s.set.mailDaemon()
	}
	n.sender = quoteLocal(n.sender)
	n.mailName = atom(s.set.MailName)
	n.utf8Req = env.Attr(queue.AttrSMTPUTF8) == "1"
	return n
}

// atom replaces the characters an RFC 822 atom cannot hold.
func atom(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\r\n()<>@,;:\\\".[]", r) {
			return '-'
		}
		return r
	}, s)
}

func (n *notice) line(format string, args ...any) {
	fmt.Fprintf(n.w, format, args...)
	n.w.WriteByte('\n')
}

func (n *notice) not7bit() bool { return n.mimeEnc != "" && n.mimeEnc != "7bit" }

// header writes the message header and the start of the first part
// (bounce_header).
func (n *notice) header(dest string, postmasterCopy bool) {
	t := n.tmpl
	from := t.ObsFrom
	if n.s.set.StandardFrom {
		from = t.StdFrom
	}
	subject := t.Subject
	if postmasterCopy && t.PostmasterSubject != "" {
		subject = t.PostmasterSubject
	}
	n.line("From: %s", from)
	n.line("Subject: %s", subject)
	n.line("To: %s", quoteLocal(dest))
	if id := n.orig.Envelope.Attr(queue.AttrMessageID); n.s.set.ThreadedBounces && id != "" {
		n.line("References: %s", id)
		n.line("In-Reply-To: %s", id)
	}
	if postmasterCopy {
		n.line("Auto-Submitted: auto-generated")
	} else {
		n.line("Auto-Submitted: auto-replied")
	}
	n.line("MIME-Version: 1.0")
	n.line("Content-Type: multipart/report; report-type=delivery-status;")
	n.line("\tboundary=\"%s\"", n.boundary)
	if n.mimeEnc != "" {
		enc := n.mimeEnc
		if enc == "7bit" {
			enc = t.Encoding
		}
		n.line("Content-Transfer-Encoding: %s", enc)
	}
	n.line("")
	n.line("This is a MIME-encapsulated message.")
	n.line("")
	n.line("--%s", n.boundary)
	n.line("Content-Description: Notification")
	charset := "us-ascii"
	switch {
	case !strings.EqualFold(t.Charset, "us-ascii"):
		charset = t.Charset
	case n.not7bit():
		charset = "utf-8"
	}
	n.line("Content-Type: text/plain; charset=%s", charset)
	if n.not7bit() {
		n.line("Content-Transfer-Encoding: %s", n.mimeEnc)
	}
	n.line("")
}

// boilerplate expands the template text (bounce_boilerplate); expansion
// warnings go to the bounce log.
func (n *notice) boilerplate() ([]string, error) {
	set := &n.s.set
	times := map[string]time.Duration{
		"delay_warning_time":     set.DelayWarningTime,
		"maximal_queue_lifetime": set.MaxQueueLifetime,
	}
	lookup := set.Lookup
	if lookup == nil {
		lookup = func(name string) (string, bool) {
			if name == "myhostname" {
				return set.MyHostname, true
			}
			return "", false
		}
	}
	return n.tmpl.expand(lookup, times, func(m string) { n.s.log.Warn("%s", m) })
}

// diagnostics writes one human-readable paragraph per recipient
// (bounce_diagnostic_log, bounce_recipient_log).
func (n *notice) diagnostics() {
	for _, r := range n.recs {
		n.line("")
		if r.OrigRcpt != "" {
			n.wrap(fmt.Sprintf("<%s> (expanded from <%s>): %s", r.Recipient, r.OrigRcpt, r.Reason))
		} else {
			n.wrap(fmt.Sprintf("<%s>: %s", r.Recipient, r.Reason))
		}
	}
}

// wrap writes text wrapped at 79 columns, continuation lines indented by
// 4 (line_wrap with LENGTH 79, INDENT 4).
func (n *notice) wrap(text string) {
	for _, l := range lineWrap(text, 79, 4) {
		n.line("%s", l)
	}
}
