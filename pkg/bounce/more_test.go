package bounce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

func TestLineWrap(t *testing.T) {
	in := "<nobody@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)"
	want := []string{
		"<nobody@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1",
		"    <nobody@example.net>: Recipient address rejected: User unknown in local",
		"    recipient table (in reply to RCPT TO command)",
	}
	if got := lineWrap(in, 79, 4); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s", strings.Join(got, "\n"))
	}
	long := strings.Repeat("x", 100)
	if got := lineWrap("a "+long+" b", 79, 4); len(got) != 3 || got[1] != "    "+long {
		t.Errorf("long word: %q", got)
	}
}

func TestNotifyNeverSkipsSender(t *testing.T) {
	rec := unknownUser
	rec.Notify = queue.NotifyNever
	c, lg := notify(t, Failure, original(t, "ABCDEF1234", "alice@example.org", "Subject: x\n\nbody\n"), rec)
	if len(c.drafts) != 1 || c.drafts[0].rcpt != "pm@example.net" {
		t.Fatalf("want only the postmaster copy: %+v %v", c.drafts, lg.lines)
	}
}

func TestNoticeForDoubleBounceDiscarded(t *testing.T) {
	c, lg := notify(t, Failure, original(t, "ABCDEF1234", "double-bounce@mx.example.com", "Subject: x\n\nbody\n"), unknownUser)
	if len(c.drafts) != 0 || strings.Join(lg.lines, "") != "warning: ABCDEF1234: undeliverable postmaster notification discarded" {
		t.Fatalf("%+v %v", c.drafts, lg.lines)
	}
}

func TestSuccessNotice(t *testing.T) {
	rec := queue.LogRecord{Recipient: "bob@example.net", DSNOrcpt: "rfc822;bob@example.net", Notify: queue.NotifySuccess,
		Status: "2.0.0", Action: "relayed", Reason: "host mx[192.0.2.1] said: 250 ok", DiagType: "smtp", DiagText: "250 ok",
		MTAType: "dns", MTAName: "mx.example.net"}
	c, lg := notify(t, Success, original(t, "ABCDEF1234", "alice@example.org", "Subject: x\n\nbody\n"), rec)
	if len(c.drafts) != 1 || lg.lines[0] != "ABCDEF1234: sender delivery status notification: NEW0" {
		t.Fatalf("%+v %v", c.drafts, lg.lines)
	}
	n := c.drafts[0].buf.String()
	for _, want := range []string{"Subject: Successful Mail Delivery Report\n", "Your message was successfully delivered to the destination(s)\n",
		"Action: relayed\nStatus: 2.0.0\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 250 ok\n",
		"Content-Description: Message Headers\nContent-Type: text/rfc822-headers\n"} {
		if !strings.Contains(n, want) {
			t.Errorf("lacks %q:\n%s", want, n)
		}
	}
}

const templateFile = `# comment
failure_template = <<EOF
Charset: us-ascii
From: MAILER-DAEMON (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
Postmaster-Subject: Postmaster Copy: Undelivered Mail

Hello from $myhostname, mail waited $maximal_queue_lifetime_days days.
EOF

delay_template = <<EOF
Bogus-Label: x

text
EOF
`

func TestTemplateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bounce.cf")
	os.WriteFile(path, []byte(templateFile), 0o644)
	var warns []string
	ts, err := LoadTemplates(path, func(m string) { warns = append(warns, m) })
	if err != nil {
		t.Fatal(err)
	}
	if ts.Failure.StdFrom != "MAILER-DAEMON (Mail Delivery System)" || ts.Failure.Text[0] != "Hello from $myhostname, mail waited $maximal_queue_lifetime_days days." {
		t.Errorf("failure template: %+v", ts.Failure)
	}
	if ts.Delay.Subject != defaultDelay.Subject || len(warns) != 1 ||
		warns[0] != path+`: unknown "Bogus-Label" header label in delay template -- ignoring this template` {
		t.Errorf("bad template not ignored: %q", warns)
	}
	lines, err := ts.Failure.expand(func(n string) (string, bool) { return "mx.example.com", n == "myhostname" },
		map[string]time.Duration{"maximal_queue_lifetime": 5 * 24 * time.Hour}, nil)
	if err != nil || lines[0] != "Hello from mx.example.com, mail waited 5 days." {
		t.Errorf("%q %v", lines, err)
	}
	if _, err := LoadTemplates(filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Error("missing template file accepted")
	}
}

// TestFailureNoticeToOwner: a notice for an owner- alias goes to the
// owner (Original.NotifyTo, bounce_one()) but names the message's
// envelope sender in X-Postfix-Sender: and Return-Path:, as Postfix's.
func TestFailureNoticeToOwner(t *testing.T) {
	_, content := sample(t, "postfix-839EB98800E.txt")
	orig := original(t, "7D7C398800B", "alice@example.org", content)
	orig.NotifyTo = "owner-list@mx.example.com"
	c, lg := notify(t, Failure, orig, unknownUser)
	d := c.drafts[0]
	if d.sender != "" || d.rcpt != "owner-list@mx.example.com" {
		t.Errorf("notice envelope: <%s> -> <%s>", d.sender, d.rcpt)
	}
	body := d.buf.String()
	for _, want := range []string{"\nTo: owner-list@mx.example.com\n", "\nX-Postfix-Sender: rfc822; alice@example.org\n",
		"\nReturn-Path: <alice@example.org>\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	if !strings.Contains(strings.Join(lg.lines, "\n"), "7D7C398800B: sender non-delivery notification: NEW0") {
		t.Errorf("log %v", lg.lines)
	}
}
