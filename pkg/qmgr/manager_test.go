package qmgr

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

const userUnknown = "host mx.example.net[192.0.2.25] said: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)"

func bounceUnknown(d *deliver.Delivery) error {
	d.BounceAll("mx.example.net[192.0.2.25]:25", deliver.DSN{Status: "5.1.1", Reason: userUnknown,
		DiagType: "smtp", DiagText: "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table",
		MTAType: "dns", MTAName: "mx.example.net"})
	return nil
}

func TestDeferThenRetry(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.DeferAll("mx.example.net[192.0.2.25]:25", deliver.Simple("4.2.0",
			"host mx.example.net[192.0.2.25] said: 450 4.2.0 Mailbox busy (in reply to RCPT TO command)"))
		return nil
	})
	h.start()
	id := h.inject("alice@example.org", "bob@example.net")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred queue file", func() bool { return h.exists(queue.Deferred, id) })
	text := h.log.text()
	for _, want := range []string{
		id + ": from=<alice@example.org>, size=",
		", nrcpt=1 (queue active)",
		id + ": to=<bob@example.net>, relay=mx.example.net[192.0.2.25]:25, delay=",
		"dsn=4.2.0, status=deferred (host mx.example.net[192.0.2.25] said: 450 4.2.0 Mailbox busy (in reply to RCPT TO command))",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	// The file's time stamp is the next attempt: minimal_backoff_time
	// for a young message.
	st, err := os.Stat(h.layout.Path(queue.Deferred, id))
	if err != nil {
		t.Fatal(err)
	}
	if wait := st.ModTime().Sub(h.clk.now()); wait < 290*time.Second || wait > 301*time.Second {
		t.Errorf("next attempt in %v, want about 300s", wait)
	}
	if !strings.Contains(h.readLog(queue.Defer, id), "reason=host mx.example.net[192.0.2.25] said: 450 4.2.0 Mailbox busy") {
		t.Errorf("defer log: %q", h.readLog(queue.Defer, id))
	}
	// A deferred scan before the time stamp leaves it alone.
	n := h.agent.count()
	h.m.Trigger([]byte("D"))
	time.Sleep(100 * time.Millisecond)
	if h.agent.count() != n || !h.exists(queue.Deferred, id) {
		t.Fatal("message retried before its time")
	}
	h.agent.set(func(d *deliver.Delivery) error {
		for _, i := range d.Pending() {
			d.Sent(i, "mx.example.net[192.0.2.25]:25", deliver.Simple("2.0.0", "250 2.0.0 Ok: queued as 4711"))
		}
		return nil
	})
	// The periodic deferred scan (queue_run_delay) picks it up.
	h.clk.advance(301 * time.Second)
	h.m.Trigger([]byte("x")) // wake the loop; unknown bytes are ignored
	h.waitLog(id + ": removed")
	if h.exists(queue.Deferred, id) || h.exists(queue.Defer, id) {
		t.Error("queue file or defer log left behind")
	}
	if strings.Count(h.log.text(), id+": from=<alice@example.org>") != 2 {
		t.Errorf("want two (queue active) lines:\n%s", h.log.text())
	}
}

func TestBounceSendsDSN(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(bounceUnknown)
	h.start()
	id := h.inject("alice@example.org", "nobody@example.net")
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	text := h.log.text()
	m := regexp.MustCompile(id + `: sender non-delivery notification: ([0-9A-F]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no notification line:\n%s", text)
	}
	if strings.Index(text, m[0]) > strings.Index(text, id+": removed") {
		t.Error("notification logged after removal")
	}
	h.waitFor("notice delivery attempt", func() bool { return len(h.agent.noticeList()) > 0 })
	notice := h.agent.noticeList()[0]
	checkFailureNotice(t, notice, id)
}

// checkFailureNotice checks a non-delivery notice against Postfix's
// bounce(8) output for the same failure.
func checkFailureNotice(t *testing.T, notice, id string) {
	t.Helper()
	for _, want := range []string{
		"\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n",
		"\nSubject: Undelivered Mail Returned to Sender\n",
		"\nTo: alice@example.org\n",
		"\nAuto-Submitted: auto-replied\n",
		"\nMIME-Version: 1.0\n",
		"\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"" + id + ".",
		"\nContent-Transfer-Encoding: 8bit\n",
	} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice header lacks %q:\n%s", want, notice)
		}
	}
	parts := noticeParts(t, notice)
	if len(parts) != 5 || parts[4] != "--\n" {
		t.Fatalf("notice has %d parts, want preamble + 3 + closing boundary:\n%s", len(parts), notice)
	}
	if !strings.HasSuffix(parts[0], "\n\nThis is a MIME-encapsulated message.\n") {
		t.Errorf("preamble: %q", parts[0])
	}
	wantText := `
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<nobody@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1
    <nobody@example.net>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)
`
	if parts[1] != wantText {
		t.Errorf("notification part:\n%s\nwant:\n%s", parts[1], wantText)
	}
	status := regexp.MustCompile(`Arrival-Date: .*\n`).ReplaceAllString(parts[2], "Arrival-Date: X\n")
	wantStatus := `
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
X-Postfix-Queue-ID: ` + id + `
X-Postfix-Sender: rfc822; alice@example.org
Arrival-Date: X

Final-Recipient: rfc822; nobody@example.net
Original-Recipient: rfc822;nobody@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address
    rejected: User unknown in local recipient table
`
	if status != wantStatus {
		t.Errorf("delivery-status part:\n%s\nwant:\n%s", status, wantStatus)
	}
	wantOrig := "\nContent-Description: Undelivered Message\nContent-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\nReturn-Path: <alice@example.org>\nFrom: alice@example.org\n"
	if !strings.HasPrefix(parts[3], wantOrig) || !strings.Contains(parts[3], "\n\nbody line\n") {
		t.Errorf("original part:\n%s", parts[3])
	}
}

func TestExpiry(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.DeferAll("none", deliver.Simple("4.4.1", "connect to mx.example.net[192.0.2.25]:25: Connection refused"))
		return nil
	})
	h.start()
	id := h.inject("alice@example.org", "bob@example.net")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	h.clk.advance(5*24*time.Hour + time.Minute) // maximal_queue_lifetime
	h.m.Trigger([]byte("D"))
	h.waitLog(id + ": removed")
	text := h.log.text()
	exp := strings.Index(text, id+": from=<alice@example.org>, status=expired, returned to sender")
	ndr := strings.Index(text, id+": sender non-delivery notification: ")
	rem := strings.Index(text, id+": removed")
	if exp < 0 || ndr < exp || rem < ndr {
		t.Fatalf("expiry lines missing or out of order:\n%s", text)
	}
	h.waitFor("notice", func() bool { return len(h.agent.noticeList()) > 0 })
	n := h.agent.noticeList()[0]
	if !strings.Contains(n, "\n<bob@example.net>: connect to mx.example.net[192.0.2.25]:25: Connection refused\n") ||
		!strings.Contains(n, "Action: failed\nStatus: 4.4.1\nDiagnostic-Code: X-Postfix; connect to mx.example.net[192.0.2.25]:25:\n    Connection refused\n") {
		t.Errorf("expiry notice:\n%s", n)
	}
}

func TestNullSenderBounceNotReturned(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(bounceUnknown)
	h.start()
	id := h.inject("", "nobody@example.net")
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	if h.log.has(id + ": sender non-delivery notification") {
		t.Fatalf("bounce of a bounce returned to <>:\n%s", h.log.text())
	}
	// Default notify_classes (resource, software): no double bounce.
	if h.log.has(id + ": postmaster non-delivery notification") {
		t.Fatalf("double bounce without 2bounce in notify_classes:\n%s", h.log.text())
	}
}

func TestRecipientLimits(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.cfg.Set("smtp_destination_recipient_limit", "3")
	h.agent.set(func(d *deliver.Delivery) error {
		for _, i := range d.Pending() {
			d.Sent(i, "mx", deliver.Simple("2.0.0", "ok"))
		}
		return nil
	})
	h.start()
	var rcpts []string
	for i := 0; i < 7; i++ {
		rcpts = append(rcpts, "u"+string(rune('a'+i))+"@example.net")
	}
	id := h.inject("alice@example.org", append(rcpts, "x@other.example")...)
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	sizes := map[string][]int{}
	for _, r := range h.agent.requests {
		sizes[r.Nexthop] = append(sizes[r.Nexthop], len(r.Recipients))
	}
	if got := sizes["example.net"]; len(got) != 3 || got[0]+got[1]+got[2] != 7 || got[0] > 3 || got[1] > 3 || got[2] > 3 {
		t.Errorf("example.net requests: %v, want 3+3+1", got)
	}
	if got := sizes["other.example"]; len(got) != 1 || got[0] != 1 {
		t.Errorf("other.example requests: %v", got)
	}
}

func TestRecipientLimitOnePerRecipientQueues(t *testing.T) {
	h := newHarness(t, func(s *Settings) { s.RecipientDelimiter = "+" }, nil)
	h.cfg.Set("smtp_destination_recipient_limit", "1")
	h.cfg.Set("smtp_destination_concurrency_limit", "1")
	release := make(chan struct{})
	h.agent.set(func(d *deliver.Delivery) error {
		<-release
		d.Sent(0, "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	h.start()
	id := h.inject("alice@example.org", "a@example.net", "b@example.net", "c+ext@example.net", "c@example.net")
	h.m.Trigger([]byte("W"))
	// Concurrency 1 per destination, but each recipient is its own
	// destination (a, b and c with the extension stripped): 3 at once.
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	h.waitFor("3 deliveries in progress", func() bool { return h.agent.count() == 3 })
	time.Sleep(50 * time.Millisecond)
	if n := h.agent.count(); n != 3 {
		t.Fatalf("%d deliveries started, want 3 (c+ext and c share a queue)", n)
	}
	close(release)
	h.waitLog(id + ": removed")
	// The second delivery for c@ waited for the first.
	if n := h.agent.count(); n != 4 {
		t.Errorf("%d deliveries, want 4", n)
	}
}

func TestDeadDestinationDefersOthersFlow(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		if d.Req.Nexthop == "dead.example" {
			dsn := deliver.Simple("4.4.1", "connect to mx.dead.example[192.0.2.9]:25: Connection refused")
			d.SetHopStatus(dsn)
			d.DeferAll("mx.dead.example[192.0.2.9]:25", dsn)
			return nil
		}
		d.Sent(0, "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	h.start()
	var dead, good []string
	for i := 0; i < 20; i++ {
		dead = append(dead, h.inject("alice@example.org", "x@dead.example"))
		good = append(good, h.inject("alice@example.org", "y@good.example"))
	}
	h.m.Trigger([]byte("W"))
	for _, id := range good {
		h.waitLog(id + ": removed")
	}
	for _, id := range dead {
		h.waitFor("dead message deferred", func() bool { return h.exists(queue.Deferred, id) })
	}
	// Once the site is dead, its other mail is deferred without a
	// connection, with Postfix's reason.
	if !h.log.has("relay=none, delay=") || !h.log.has("status=deferred (delivery temporarily suspended: connect to mx.dead.example[192.0.2.9]:25: Connection refused)") {
		t.Errorf("no suspended deferrals:\n%s", h.log.text())
	}
	n := 0
	for _, r := range h.agent.requests {
		if r.Nexthop == "dead.example" {
			n++
		}
	}
	if n >= 20 {
		t.Errorf("%d connections to a dead site, want fewer than 20", n)
	}
}

func TestCorruptFileMoved(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.Sent(0, "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	bad := "ABCDE12345"
	if err := os.WriteFile(h.layout.Path(queue.Incoming, bad), []byte("garbage that is not a queue file, long enough to have a header at all......."), 0o700); err != nil {
		t.Fatal(err)
	}
	h.start()
	good := h.inject("alice@example.org", "y@good.example")
	h.m.Trigger([]byte("W"))
	h.waitLog(good + ": removed")
	h.waitLog(`warning: saving corrupt file "` + bad + `" from queue "active" to queue "corrupt"`)
	if !h.exists(queue.Corrupt, bad) {
		t.Error("corrupt file not in corrupt/")
	}
}

func TestStartMovesActiveToIncoming(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.Sent(0, "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	id := h.inject("alice@example.org", "y@good.example")
	if err := h.layout.Move(id, queue.Incoming, queue.Active); err != nil {
		t.Fatal(err)
	}
	h.start() // no trigger: the start-up incoming scan finds it
	h.waitLog(id + ": removed")
}

func TestDoubleBounceDiscarded(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.start()
	id := h.inject("", "double-bounce@mx.example.com")
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	if !h.log.has(id+": to=<double-bounce@mx.example.com>, relay=none, delay=") ||
		!h.log.has("dsn=2.0.0, status=sent (undeliverable postmaster notification discarded)") {
		t.Errorf("log:\n%s", h.log.text())
	}
}

func TestDeferTransportsAndFlush(t *testing.T) {
	h := newHarness(t, func(s *Settings) { s.DeferTransports = []string{"smtp"} }, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.Sent(0, "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	h.start()
	id := h.inject("alice@example.org", "y@good.example")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	if !h.log.has("dsn=4.3.2, status=deferred (deferred transport)") || h.agent.count() != 0 {
		t.Fatalf("defer_transports not applied:\n%s", h.log.text())
	}
	// postqueue -f: "FADI" delivers deferred mail at once, past
	// defer_transports and the time stamps.
	h.m.Trigger([]byte("FADI"))
	h.waitLog(id + ": removed")
}

func TestForceExpire(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.start()
	id := h.inject("alice@example.org", "y@good.example")
	path := h.layout.Path(queue.Incoming, id)
	if err := os.Chmod(path, 0o700|queue.ModeExpire); err != nil {
		t.Fatal(err)
	}
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	for _, want := range []string{
		"dsn=4.7.0, status=deferred (message is administratively expired)",
		id + ": from=<alice@example.org>, status=force-expired, returned to sender",
		id + ": sender non-delivery notification: ",
	} {
		if !h.log.has(want) {
			t.Errorf("log lacks %q:\n%s", want, h.log.text())
		}
	}
	if h.agent.count() != 0 {
		t.Error("force-expired mail was delivered")
	}
}

func TestResolverFailureDefers(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.start()
	id := h.inject("alice@example.org", "u@fail.example")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	if !h.log.has("dsn=4.3.0, status=deferred (address resolver failure)") {
		t.Errorf("log:\n%s", h.log.text())
	}
}

func TestTransportUnavailable(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.start()
	id := h.inject("alice@example.org", "someone@mx.example.com") // local: no agent
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	if !h.log.has("status=deferred (mail transport unavailable)") {
		t.Errorf("log:\n%s", h.log.text())
	}
}

func TestDelayWarning(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.DeferAll("none", deliver.Simple("4.4.1", "connect to mx.example.net[192.0.2.25]:25: Connection refused"))
		return nil
	})
	h.start()
	w, err := h.layout.Create()
	if err != nil {
		t.Fatal(err)
	}
	w.SetSender("alice@example.org")
	w.AddRecipient(queue.Recipient{Address: "bob@example.net"})
	w.SetWarnTime(h.clk.now().Add(4 * time.Hour))
	w.Write([]byte("Subject: x\n\nbody\n"))
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	id := w.ID()
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	if h.log.has("sender delay notification") {
		t.Fatal("warning before delay_warning_time")
	}
	h.clk.advance(4*time.Hour + time.Minute)
	h.m.Trigger([]byte("D"))
	h.waitLog(id + ": sender delay notification: ")
	h.waitFor("notice", func() bool { return len(h.agent.noticeList()) > 0 })
	n := h.agent.noticeList()[0]
	for _, want := range []string{"Subject: Delayed Mail (still being retried)",
		"# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
		"Action: delayed\nStatus: 4.4.1\n", "\nWill-Retry-Until: ",
		"Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n"} {
		if !strings.Contains(n, want) {
			t.Errorf("delay notice lacks %q:\n%s", want, n)
		}
	}
	// Only one warning.
	h.waitFor("deferred again", func() bool { return h.exists(queue.Deferred, id) })
	h.clk.advance(2 * time.Hour)
	h.m.Trigger([]byte("D"))
	h.waitFor("third attempt", func() bool { return strings.Count(h.log.text(), id+": from=<alice") == 3 })
	h.waitFor("deferred again", func() bool { return h.exists(queue.Deferred, id) })
	if strings.Count(h.log.text(), id+": sender delay notification") != 1 {
		t.Errorf("more than one delay warning:\n%s", h.log.text())
	}
}

func TestBounceQueueLifetimeForNullSender(t *testing.T) {
	h := newHarness(t, func(s *Settings) { s.BounceQueueLifetime = time.Hour }, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		d.DeferAll("none", deliver.Simple("4.4.1", "connect to mx.example.net[192.0.2.25]:25: Connection refused"))
		return nil
	})
	h.start()
	null := h.inject("", "bob@example.net")
	normal := h.inject("alice@example.org", "bob@example.net")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, null) && h.exists(queue.Deferred, normal) })
	h.clk.advance(time.Hour + time.Minute)
	h.m.Trigger([]byte("DA"))
	h.waitLog(null + ": from=<>, status=expired, returned to sender")
	h.waitLog(null + ": removed")
	h.waitFor("normal mail deferred again", func() bool {
		return strings.Count(h.log.text(), normal+": from=<alice@example.org>, size") == 2 && h.exists(queue.Deferred, normal)
	})
	if h.log.has(normal + ": from=<alice@example.org>, status=expired") {
		t.Error("mail from a real sender expired after bounce_queue_lifetime")
	}
}
