package tests

// The guide's "Postfix configuration options for limiting DoS attacks":
// each parameter set with postconf -e and postfix reload, then provoked,
// with the exact reply (and warning) Postfix gives. The client is
// 127.0.0.1, in $mynetworks, so the rate and concurrency limits apply
// only once smtpd_client_event_limit_exceptions no longer excepts it.
// See docs/seed-procedures.md.

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// TestSeedDoSLimits provokes each limit in turn on one server.
func TestSeedDoSLimits(t *testing.T) {
	h := newSeedHost(t)
	u := h.seedUser(t, "x1")
	seedLocalServer(t, h)
	h.postconf(t, "smtpd_client_connection_count_limit = 1", "smtpd_client_connection_rate_limit = 2")
	h.start(t)
	addr := h.addr(t, "smtp")

	// By default the trusted networks are not limited.
	var trusted []net.Conn
	for i := 0; i < 3; i++ {
		c, banner := seedDialSMTP(t, addr)
		if !strings.HasPrefix(banner, "220 smtp.example.com ESMTP") {
			t.Fatalf("trusted client, connection %d: %q", i+1, banner)
		}
		trusted = append(trusted, c)
	}
	for _, c := range trusted {
		seedCommand(t, c, "QUIT")
		c.Close()
	}
	h.inst.WaitLogCount(t, `postfix/smtpd\[\d+\]: disconnect from localhost\[127\.0\.0\.1\] quit=1 commands=1`, 3)
	h.postconf(t, "smtpd_client_event_limit_exceptions =")
	h.reload(t)
	seedConnectionLimits(t, h, addr)

	h.postconf(t, "smtpd_client_connection_count_limit = 0", "smtpd_client_connection_rate_limit = 0",
		"smtpd_client_message_rate_limit = 1")
	h.reload(t)
	seedMessageRate(t, h, addr, u)

	h.postconf(t, "smtpd_client_message_rate_limit = 0", "smtpd_recipient_limit = 2", "message_size_limit = 2000")
	h.reload(t)
	seedRecipientAndSizeLimits(t, h, addr, u)

	h.postconf(t, "smtpd_error_sleep_time = 1s", "smtpd_soft_error_limit = 1", "smtpd_hard_error_limit = 2")
	h.reload(t)
	seedErrorLimits(t, h, addr)

	h.postconf(t, "queue_minfree = 1000000000000000")
	h.reload(t)
	c, _ := seedDialSMTP(t, addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "MAIL FROM:<someone@example.net>"); got != "452 4.3.1 Insufficient system storage" {
		t.Errorf("MAIL with queue_minfree above the free space: %q", got)
	}
	h.waitLog(t, `NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 452 4\.3\.1 Insufficient system storage; proto=ESMTP helo=<client\.example\.net>`)
	c.Close()

	h.postconf(t, "queue_minfree = 0", "default_process_limit = 1")
	h.reload(t)
	seedProcessLimit(t, h, addr)
}

// seedConnectionLimits: smtpd_client_connection_count_limit = 1 refuses
// a second simultaneous session; smtpd_client_connection_rate_limit = 2
// refuses the third connection of the minute.
func seedConnectionLimits(t *testing.T, h *seedHost, addr string) {
	t.Helper()
	service := regexp.QuoteMeta(addr)
	first, banner := seedDialSMTP(t, addr)
	if !strings.HasPrefix(banner, "220 ") {
		t.Fatalf("first connection: %q", banner)
	}
	second, banner := seedDialSMTP(t, addr)
	if banner != "421 4.7.0 smtp.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("second simultaneous connection: %q", banner)
	}
	h.waitLog(t, `postfix/smtpd\[\d+\]: warning: Connection concurrency limit exceeded: 2 from localhost\[127\.0\.0\.1\] for service `+service+`$`)
	second.Close()
	seedCommand(t, first, "QUIT")
	first.Close()
	h.inst.WaitLogCount(t, `postfix/smtpd\[\d+\]: disconnect from localhost\[127\.0\.0\.1\]`, 2)
	third, banner := seedDialSMTP(t, addr)
	if banner != "421 4.7.0 smtp.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("third connection in a minute: %q", banner)
	}
	h.waitLog(t, `postfix/smtpd\[\d+\]: warning: Connection rate limit exceeded: 3 from localhost\[127\.0\.0\.1\] for service `+service+`$`)
	third.Close()
}

// seedMessageRate: smtpd_client_message_rate_limit = 1 accepts one
// message a minute.
func seedMessageRate(t *testing.T, h *seedHost, addr string, u localUser) {
	t.Helper()
	h.mustSwaks(t, "smtp", "--from", "someone@example.net", "--to", u.name+"@example.com")
	out, err := seedSwaks(t, addr, "--from", "someone@example.net", "--to", u.name+"@example.com")
	wantReply(t, "second message in a minute", out, err, "450 4.7.1 Error: too much mail from 127.0.0.1")
	h.waitLog(t, `postfix/smtpd\[\d+\]: warning: Message delivery request rate limit exceeded: 2 from localhost\[127\.0\.0\.1\] for service `+regexp.QuoteMeta(addr)+`$`)
}

// seedRecipientAndSizeLimits: smtpd_recipient_limit = 2 refuses a third
// recipient; message_size_limit refuses a SIZE= above it at MAIL and a
// message that turns out larger after DATA.
func seedRecipientAndSizeLimits(t *testing.T, h *seedHost, addr string, u localUser) {
	t.Helper()
	c, _ := seedDialSMTP(t, addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "MAIL FROM:<someone@example.net> SIZE=3000"); got != "552 5.3.4 Message size exceeds fixed limit" {
		t.Errorf("MAIL SIZE=3000: %q", got)
	}
	seedCommand(t, c, "MAIL FROM:<someone@example.net>")
	domains := []string{"example.com", "localhost", "smtp.example.com"}
	for i, want := range []string{"250 2.1.5 Ok", "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients"} {
		if got := seedCommand(t, c, fmt.Sprintf("RCPT TO:<%s@%s>", u.name, domains[i])); got != want {
			t.Errorf("RCPT %d: %q, want %q", i+1, got, want)
		}
	}
	if got := seedCommand(t, c, "DATA"); !strings.HasPrefix(got, "354 ") {
		t.Fatalf("DATA: %q", got)
	}
	body := "Subject: too big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 40) + ".\r\n"
	c.Write([]byte(body))
	if got := seedReadReply(t, c); got != "552 5.3.4 Error: message file too big" {
		t.Errorf("after a message above message_size_limit: %q", got)
	}
	seedCommand(t, c, "QUIT")
	c.Close()
	h.waitLog(t, `postfix/smtpd\[\d+\]: NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 552 5\.3\.4 Message size exceeds fixed limit; from=<someone@example\.net> proto=ESMTP helo=<client\.example\.net>`)
}

// seedErrorLimits: past smtpd_soft_error_limit every reply waits
// smtpd_error_sleep_time; at smtpd_hard_error_limit the session ends.
func seedErrorLimits(t *testing.T, h *seedHost, addr string) {
	t.Helper()
	c, _ := seedDialSMTP(t, addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "RCPT TO:<x@example.com>"); got != "503 5.5.1 Error: need MAIL command" {
		t.Errorf("RCPT before MAIL: %q", got)
	}
	start := time.Now()
	if got := seedCommand(t, c, "NOOP"); got != "250 2.0.0 Ok" {
		t.Errorf("NOOP: %q", got)
	}
	// A lower bound only: the server must have slept before replying.
	if d := time.Since(start); d < time.Second {
		t.Errorf("reply after the soft error limit came after %v, want at least smtpd_error_sleep_time (1s)", d)
	}
	if got := seedCommand(t, c, "FOO"); got != "500 5.5.2 Error: command not recognized" {
		t.Errorf("second error: %q", got)
	}
	if got := seedReadReply(t, c); got != "421 4.7.0 smtp.example.com Error: too many errors" {
		t.Errorf("at the hard error limit: %q", got)
	}
	if got := seedReadReply(t, c); got != "EOF" {
		t.Errorf("after the 421: %q, want the end of the connection", got)
	}
	h.waitLog(t, `postfix/smtpd\[\d+\]: too many errors after UNKNOWN from localhost\[127\.0\.0\.1\]$`)
}

// seedProcessLimit: with default_process_limit = 1 the smtp service
// (maxproc "-") runs one smtpd: a second client waits in the listen
// queue until the first is done. (The master's "has reached its process
// limit" warning is not logged for loopback-only services and maxproc
// 1, in Postfix as in Postern.)
func seedProcessLimit(t *testing.T, h *seedHost, addr string) {
	t.Helper()
	first, banner := seedDialSMTP(t, addr)
	if !strings.HasPrefix(banner, "220 ") {
		t.Fatalf("first client: %q", banner)
	}
	second, err := dialNoRead(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	// Give a wrongly started second smtpd time to greet; a correct
	// server never does before the first client quits.
	time.Sleep(time.Second)
	if n := len(h.inst.Children("smtpd")); n != 1 {
		t.Errorf("%d smtpd processes with default_process_limit = 1", n)
	}
	second.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _ := second.Read(make([]byte, 1)); n != 0 {
		t.Errorf("the second client was greeted while the first one was served")
	}
	second.SetDeadline(time.Now().Add(harness.Timeout))
	seedCommand(t, first, "QUIT")
	if banner := seedReadReply(t, second); !strings.HasPrefix(banner, "220 smtp.example.com ESMTP") {
		t.Errorf("second client after the first quit: %q", banner)
	}
}

// dialNoRead connects without reading the greeting.
func dialNoRead(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, harness.Timeout)
	if err == nil {
		c.SetDeadline(time.Now().Add(harness.Timeout))
	}
	return c, err
}
