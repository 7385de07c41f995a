package smtpclient

import (
	"net"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

const testContent = "From: sender@example.org\nSubject: test\n\n.leading dot\nbody\n"

func mxDNS(mx ...string) fakeDNS {
	f := fakeDNS{mx: map[string][]*net.MX{}, hosts: map[string][]string{}}
	for i, h := range mx {
		f.mx["example.com"] = append(f.mx["example.com"], &net.MX{Host: h + ".", Pref: uint16(10 * (i + 1))})
		f.hosts[h] = []string{"192.0.2." + string(rune('1'+i))}
	}
	return f
}

func TestSMTPPerRecipient(t *testing.T) {
	srv := startServer(t, "tcp", smtpScript(map[string]string{
		"b@example.com": "550 5.1.1 <b@example.com>: Recipient address rejected: User unknown",
		"c@example.com": "450 4.2.0 <c@example.com>: Recipient address rejected: Greylisted",
	}))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": srv.addr()})
	m := newMessage(t, "sender@example.org", testContent, "a@example.com", "b@example.com", "c@example.com")
	reply := run(t, m, cfg, "example.com")
	if got := statuses(reply); got != "sent bounced deferred" {
		t.Fatalf("statuses %s\n%s", got, lg)
	}
	id := m.req.QueueID
	lg.has(t, id+": to=<a@example.com>, relay=mx1.example[192.0.2.1]:25, delay=", ", delays=", "/",
		", dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC123)")
	lg.has(t, id+": to=<b@example.com>, relay=mx1.example[192.0.2.1]:25, ",
		"dsn=5.1.1, status=bounced (host mx1.example[192.0.2.1] said: 550 5.1.1 <b@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))")
	lg.has(t, "dsn=4.2.0, status=deferred (host mx1.example[192.0.2.1] said: 450 4.2.0 <c@example.com>: Recipient address rejected: Greylisted (in reply to RCPT TO command))")
	cmds := strings.Join(srv.commands(), "|")
	if !strings.Contains(cmds, "EHLO client.example|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<a@example.com>|") {
		t.Errorf("commands %s", cmds)
	}
	if len(srv.msgs) != 1 || srv.msgs[0] != "From: sender@example.org\r\nSubject: test\r\n\r\n..leading dot\r\nbody\r\n" {
		t.Errorf("message %q", srv.msgs)
	}
	f, _ := queue.Open(m.layout.Path(queue.Active, id), false)
	defer f.Close()
	if p := f.Pending(); len(p) != 1 || p[0] != 2 {
		t.Errorf("pending in queue file %v", p)
	}
}

func TestMXFallback(t *testing.T) {
	busy := startServer(t, "tcp", func(cmd string) string {
		if cmd == "" {
			return "421 4.3.2 Service not available, closing transmission channel"
		}
		return "CLOSE"
	})
	good := startServer(t, "tcp", smtpScript(nil))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example", "mx2.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": busy.addr(), "192.0.2.2:25": good.addr()})
	m := newMessage(t, "", testContent, "a@example.com")
	reply := run(t, m, cfg, "example.com")
	if statuses(reply) != "sent" {
		t.Fatalf("%v\n%s", reply, lg)
	}
	lg.has(t, m.req.QueueID+": host mx1.example[192.0.2.1] refused to talk to me: 421 4.3.2 Service not available, closing transmission channel")
	lg.has(t, "to=<a@example.com>, relay=mx2.example[192.0.2.2]:25", "status=sent")
	if c := good.commands(); len(c) < 2 || !strings.HasPrefix(c[1], "MAIL FROM:<> ") {
		t.Errorf("null sender: %q", c)
	}
}

func TestConnectRefused(t *testing.T) {
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example", "mx2.example")
	cfg.Dialer = routeDialer(t, nil)
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	reply := run(t, m, cfg, "example.com")
	if statuses(reply) != "deferred" || reply.HopStatus != "4.4.1" {
		t.Fatalf("%+v\n%s", reply, lg)
	}
	lg.has(t, "connect to mx1.example[192.0.2.1]:25: Connection refused")
	lg.has(t, "to=<a@example.com>, relay=none, delay=", "dsn=4.4.1, status=deferred (connect to mx2.example[192.0.2.2]:25: Connection refused)")
	recs, _ := m.layout.ReadLog(queue.Defer, m.req.QueueID)
	if len(recs) != 1 || recs[0].Reason != "connect to mx2.example[192.0.2.2]:25: Connection refused" {
		t.Errorf("defer log %+v", recs)
	}
}

func TestDNSFailures(t *testing.T) {
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, nil)
	m := newMessage(t, "s@example.org", testContent, "a@nonexist.invalid")
	if r := run(t, m, cfg, "nonexist.invalid"); statuses(r) != "bounced" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "relay=none", "dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nonexist.invalid type=AAAA: Host not found)")
	m = newMessage(t, "s@example.org", testContent, "a@slow.tempfail")
	if r := run(t, m, cfg, "slow.tempfail"); statuses(r) != "deferred" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "dsn=4.4.3, status=deferred (Host or domain name not found. Name service error for name=slow.tempfail type=MX: Host not found, try again)")
	cfg.Resolver = fakeDNS{mx: map[string][]*net.MX{"nullmx.example": {{Host: ".", Pref: 0}}}}
	m = newMessage(t, "s@example.org", testContent, "a@nullmx.example")
	if r := run(t, m, cfg, "nullmx.example"); statuses(r) != "bounced" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "status=bounced (Domain nullmx.example does not accept mail (nullMX))")
}

func TestGreetingRejected(t *testing.T) {
	srv := startServer(t, "tcp", func(cmd string) string {
		if cmd == "" {
			return "554-5.7.1 You are not welcome\n554 5.7.1 Go away"
		}
		return "221 Bye"
	})
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:2525": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]:2525"); statuses(r) != "deferred" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "relay=192.0.2.9[192.0.2.9]:2525", "dsn=4.7.1, status=deferred (host 192.0.2.9[192.0.2.9] refused to talk to me: 554-5.7.1 You are not welcome 554 5.7.1 Go away)")
	cfg.SkipFiveXXGreeting = false
	m = newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]:2525"); statuses(r) != "bounced" {
		t.Fatalf("%+v\n%s", r, lg)
	}
}

func TestDataRejected(t *testing.T) {
	for _, c := range []struct{ at, reply, status, in string }{
		{"DATA", "554 5.5.1 Error: no valid recipients", "bounced", "DATA command"},
		{".", "552 5.3.4 Message size exceeds fixed limit", "bounced", "end of DATA command"},
		{".", "451 4.3.0 Error: queue file write error", "deferred", "end of DATA command"},
		{"MAIL", "553 5.7.1 <s@example.org>: Sender address rejected: not owned", "bounced", "MAIL FROM command"},
	} {
		base := smtpScript(nil)
		srv := startServer(t, "tcp", func(cmd string) string {
			if strings.HasPrefix(strings.ToUpper(cmd), c.at) {
				return c.reply
			}
			return base(cmd)
		})
		lg := &logs{}
		cfg := testConfig(lg, false)
		cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
		m := newMessage(t, "s@example.org", testContent, "a@example.com", "b@example.com")
		if r := run(t, m, cfg, "[192.0.2.9]"); statuses(r) != c.status+" "+c.status {
			t.Fatalf("%s: %+v\n%s", c.at, r, lg)
		}
		lg.has(t, "to=<b@example.com>", "status="+c.status+" (host 192.0.2.9[192.0.2.9] said: "+c.reply+" (in reply to "+c.in+"))")
	}
}

func TestLostConnection(t *testing.T) {
	base := smtpScript(nil)
	srv := startServer(t, "tcp", func(cmd string) string {
		if strings.HasPrefix(cmd, "RCPT") {
			return "CLOSE"
		}
		return base(cmd)
	})
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	r := run(t, m, cfg, "[192.0.2.9]")
	if statuses(r) != "deferred" || r.HopStatus != "4.4.2" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "relay=192.0.2.9[192.0.2.9]:25", "dsn=4.4.2, status=deferred (lost connection with 192.0.2.9[192.0.2.9] while sending RCPT TO)")
}

func TestLMTPPerRecipientReplies(t *testing.T) {
	rcpts := []string{}
	srv := startServer(t, "unix", func(cmd string) string {
		up := strings.ToUpper(cmd)
		switch {
		case cmd == "":
			return "220 lmtp.example LMTP ready"
		case strings.HasPrefix(up, "LHLO"):
			return "250-lmtp.example\n250-ENHANCEDSTATUSCODES\n250 8BITMIME"
		case strings.HasPrefix(up, "RCPT") && strings.Contains(cmd, "<nobody@"):
			return "550 5.1.1 <nobody@example.com> User doesn't exist: nobody@example.com"
		case strings.HasPrefix(up, "RCPT"):
			rcpts = append(rcpts, cmd)
			return "250 2.1.5 OK"
		case cmd == ".":
			return "250 2.0.0 <a@example.com> Saved\n452 4.2.2 <full@example.com> Quota exceeded (mailbox for user is full)\n250 2.0.0 <a@example.com> Saved"
		}
		return smtpScript(nil)(cmd)
	})
	lg := &logs{}
	cfg := testConfig(lg, true)
	cfg.AssumeFinal = true
	m := newMessage(t, "s@example.org", testContent, "a@example.com", "nobody@example.com", "full@example.com", "a@example.com")
	r := run(t, m, cfg, "unix:"+srv.addr())
	if got := statuses(r); got != "sent bounced deferred sent" {
		t.Fatalf("%s\n%s", got, lg)
	}
	relay := "relay=client.example[" + srv.addr() + "]"
	lg.has(t, "to=<a@example.com>, "+relay, "dsn=2.0.0, status=sent (250 2.0.0 <a@example.com> Saved)")
	lg.has(t, "to=<nobody@example.com>, "+relay, "dsn=5.1.1, status=bounced (host client.example["+srv.addr()+"] said: 550 5.1.1 <nobody@example.com> User doesn't exist: nobody@example.com (in reply to RCPT TO command))")
	lg.has(t, "to=<full@example.com>, "+relay, "dsn=4.2.2, status=deferred (host client.example["+srv.addr()+"] said: 452 4.2.2 <full@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))")
	if r.Results[3].Index != 3 || r.Results[3].Action != "delivered" {
		t.Errorf("duplicate recipient result %+v", r.Results[3])
	}
}

func TestLMTPConnectFailure(t *testing.T) {
	lg := &logs{}
	cfg := testConfig(lg, true)
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	cfg.QueueDir = t.TempDir()
	r := run(t, m, cfg, "unix:private/dovecot-lmtp")
	if statuses(r) != "deferred" {
		t.Fatalf("%+v", r)
	}
	lg.has(t, "relay=none", "dsn=4.4.1, status=deferred (connect to client.example[private/dovecot-lmtp]: No such file or directory)")
}

func TestLongLinesAndGeneric(t *testing.T) {
	srv := startServer(t, "tcp", smtpScript(nil))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	cfg.Generic = mustMaps(t, "inline:{ alice@localhost=alice@example.org, @internal.example=@example.org }")
	long := strings.Repeat("x", 2000)
	content := "From: Alice <alice@localhost>\nTo: bob@internal.example, \"Carol\" <carol@example.net>\nSubject: hi\n\n" + long + "\n"
	m := newMessage(t, "alice@localhost", content, "bob@internal.example")
	if r := run(t, m, cfg, "[192.0.2.9]"); statuses(r) != "sent" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	cmds := strings.Join(srv.commands(), "|")
	if !strings.Contains(cmds, "MAIL FROM:<alice@example.org>") || !strings.Contains(cmds, "RCPT TO:<bob@example.org>") {
		t.Errorf("envelope not mapped: %s", cmds)
	}
	want := "From: Alice <alice@example.org>\r\nTo: bob@example.org, \"Carol\" <carol@example.net>\r\nSubject: hi\r\n\r\n" +
		long[:998] + "\r\n " + long[998:1995] + "\r\n " + long[1995:] + "\r\n"
	if srv.msgs[0] != want {
		t.Errorf("message:\n%q\nwant\n%q", srv.msgs[0], want)
	}
	lg.has(t, m.req.QueueID+": breaking line > 998 bytes with <CR><LF>SPACE")
}

func TestVerifyProbe(t *testing.T) {
	srv := startServer(t, "tcp", smtpScript(map[string]string{"b@example.com": "550 5.1.1 unknown"}))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com", "b@example.com")
	m.req.Flags = deliver.FlagUserVerify
	run(t, m, cfg, "[192.0.2.9]")
	lg.has(t, "to=<a@example.com>", "status=deliverable (250 2.1.5 Ok)")
	lg.has(t, "to=<b@example.com>", "status=undeliverable (host 192.0.2.9[192.0.2.9] said: 550 5.1.1 unknown (in reply to RCPT TO command))")
	if len(srv.msgs) != 0 {
		t.Error("a probe sent the message")
	}
}
