package bounce

import (
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

func FuzzParseTemplate(f *testing.F) {
	f.Add("Charset: us-ascii\nSubject: x\n\ntext $myhostname\n")
	f.Add("Postmaster-Subject: y\n\n\n")
	f.Add("Bogus: x\n\ntext")
	f.Add("text only\n$maximal_queue_lifetime_days ${myhostname} $$")
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, ok := parseTemplate(defaultFailure, "fuzz", text, func(string) {})
		if !ok {
			return
		}
		if len(tmpl.Text) == 0 {
			t.Fatal("accepted a template without text")
		}
		lines, err := tmpl.expand(func(n string) (string, bool) { return "v", n == "myhostname" }, nil, func(string) {})
		if err == nil && len(lines) != len(tmpl.Text) {
			t.Fatal("expansion changed the line count")
		}
		for _, l := range lines {
			if strings.Contains(l, "\n") {
				t.Fatal("expansion made a line break")
			}
		}
	})
}

func FuzzLineWrap(f *testing.F) {
	f.Add("<a@b>: host x said: 550 no such user here at all, really, none, whatsoever, nothing")
	f.Add("  leading   and trailing  ")
	f.Fuzz(func(t *testing.T, s string) {
		// Text lines never end in a blank; an indent alone may be
		// printed, as Postfix's line_wrap() prints it.
		for _, l := range lineWrap(s, 79, 4) {
			if strings.TrimSpace(l) != "" && (strings.HasSuffix(l, " ") || strings.HasSuffix(l, "\t")) {
				t.Fatalf("trailing blank in %q", l)
			}
		}
	})
}

// FuzzDSNReport composes a notice from delivery log records whose texts
// are arbitrary (a remote server chose the diagnostic; the client chose
// the ORCPT), as queue.ReadLog returns them (no CR or LF). Every line
// of the delivery-status part must be a field of RFC 3464 2.2/2.3, a
// continuation, a blank line or the MIME part's own header: no text
// may start a field of its own.
func FuzzDSNReport(f *testing.F) {
	f.Add("u@example.com", "rfc822;u@example.com", "5.1.1", "550 5.1.1 <u>: no such user", "host said: 550", uint8(0))
	f.Add("", "utf-8;\xc3\xa9", "4.4.1", "", "Status: 2.0.0 Action: delivered", uint8(1))
	f.Add("x: y", "Action: delivered", "Status: 2.0.0", "\t--boundary", ": ", uint8(2))
	orig := fuzzOriginal(f)
	f.Fuzz(func(t *testing.T, rcpt, orcpt, status, diag, reason string, kind uint8) {
		one := strings.NewReplacer("\r", " ", "\n", " ").Replace
		rec := queue.LogRecord{Recipient: one(rcpt), DSNOrcpt: one(orcpt), Status: one(status), Action: "failed",
			DiagType: "smtp", DiagText: one(diag), MTAType: "dns", MTAName: "mx.example", Reason: one(reason)}
		k := []Kind{Failure, Delay, Success, Report}[int(kind)%4]
		c, _ := notify(t, k, orig, rec)
		for _, d := range c.drafts {
			checkStatusPart(t, d.buf.String())
		}
	})
}

// fuzzOriginal is original() for a fuzz target: one queue file in the
// target's directory, made before the inputs run.
func fuzzOriginal(f *testing.F) *Original {
	l, err := queue.NewLayoutFrom(f.TempDir(), nil, 1, false)
	if err != nil {
		f.Fatal(err)
	}
	l.Mkdirs()
	w, _ := l.Create()
	w.SetSender("sender@example.org")
	w.AddRecipient(queue.Recipient{Address: "x@example.net"})
	w.Write([]byte("Subject: hi\n\nbody\n"))
	if err := w.Commit(queue.Active); err != nil {
		f.Fatal(err)
	}
	path := l.Path(queue.Active, w.ID())
	env, err := queue.ReadEnvelope(path)
	if err != nil {
		f.Fatal(err)
	}
	return &Original{QueueName: queue.Active, Path: path, Envelope: env}
}

var dsnFields = map[string]bool{
	"Content-Description": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Reporting-MTA": true, "Original-Envelope-Id": true, "X-Postfix-Queue-ID": true, "X-Postfix-Sender": true,
	"Arrival-Date": true, "Final-Recipient": true, "Original-Recipient": true, "Action": true, "Status": true,
	"Remote-MTA": true, "Diagnostic-Code": true, "Will-Retry-Until": true,
}

// checkStatusPart checks the lines of the delivery-status part.
func checkStatusPart(t *testing.T, msg string) {
	i := strings.Index(msg, "\nContent-Description: Delivery report\n")
	if i < 0 {
		return // a notice without a report (postmaster copies of some kinds)
	}
	part := msg[i+1:]
	if j := strings.Index(part, "\n--"); j >= 0 {
		part = part[:j]
	}
	actions := 0
	for _, l := range strings.Split(part, "\n") {
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		name, _, ok := strings.Cut(l, ":")
		if !ok || !dsnFields[name] {
			t.Fatalf("line %q in the delivery status:\n%s", l, part)
		}
		if name == "Action" {
			actions++
		}
	}
	if actions != 1 {
		t.Fatalf("%d Action fields for one recipient:\n%s", actions, part)
	}
}
