package smtpd

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/anvil"
)

// Connection and rate limits with an in-process anvil table. The test
// clients connect from 127.0.0.1, outside mynetworks = 192.0.2.0/24, so
// they are counted unless an exception says otherwise.

func anvilServer(t *testing.T, settings map[string]string, pool *anvil.Pool) *testServer {
	t.Helper()
	m := map[string]string{"mynetworks": "192.0.2.0/24", "smtpd_relay_restrictions": "permit_auth_destination, reject"}
	for k, v := range settings {
		m[k] = v
	}
	return startServer(t, m, func(d *Deps) {
		if pool != nil {
			d.Anvil = pool
		}
	})
}

// TestAnvilConnectionCountLimit: the connection over the limit gets 421
// before the greeting; a freed slot admits the next one.
func TestAnvilConnectionCountLimit(t *testing.T) {
	ts := anvilServer(t, map[string]string{"smtpd_client_connection_count_limit": "2"}, nil)
	a, b := ts.dial(t), ts.dial(t)
	for _, c := range []*client{a, b} {
		if got := c.reply(); !strings.HasPrefix(got, "220 ") {
			t.Fatalf("greeting %q", got)
		}
	}
	c := ts.dial(t)
	if got := c.reply(); got != "421 4.7.0 mx.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("third connection: %q", got)
	}
	if got := c.reply(); got != "EOF" {
		t.Errorf("after 421: %q", got)
	}
	ts.log.has(t, "warning: Connection concurrency limit exceeded: 3 from unknown[127.0.0.1] for service smtp")
	a.expect("QUIT", "221 2.0.0 Bye")
	a.reply()
	waitFor(t, "a's disconnect", func() bool { return countLines(ts, "info: disconnect from") >= 2 })
	d := ts.dial(t)
	if got := d.reply(); !strings.HasPrefix(got, "220 ") {
		t.Errorf("after a slot was freed: %q", got)
	}
}

// TestAnvilConnectionRateLimit: the third connection in one time unit.
func TestAnvilConnectionRateLimit(t *testing.T) {
	ts := anvilServer(t, map[string]string{"smtpd_client_connection_rate_limit": "2"}, nil)
	for i := 0; i < 2; i++ {
		c := ts.dial(t)
		c.reply()
		c.expect("QUIT", "221 2.0.0 Bye")
	}
	c := ts.dial(t)
	if got := c.reply(); got != "421 4.7.0 mx.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("third connection: %q", got)
	}
	ts.log.has(t, "warning: Connection rate limit exceeded: 3 from unknown[127.0.0.1] for service smtp")
}

// TestAnvilMessageRecipientRates: MAIL, RCPT and VRFY over their rates.
func TestAnvilMessageRecipientRates(t *testing.T) {
	ts := anvilServer(t, map[string]string{"smtpd_client_message_rate_limit": "1",
		"smtpd_client_recipient_rate_limit": "2"}, nil)
	c := ts.dial(t)
	c.reply()
	c.cmd("EHLO client.example")
	c.expect("MAIL FROM:<a@example.org>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<b@example.com>", "250 2.1.5 Ok")
	c.expect("VRFY b@example.com", "252 2.0.0 b@example.com")
	c.expect("RCPT TO:<c@example.com>", "450 4.7.1 Error: too many recipients from 127.0.0.1")
	c.expect("RSET", "250 2.0.0 Ok")
	c.expect("MAIL FROM:<a@example.org>", "450 4.7.1 Error: too much mail from 127.0.0.1")
	c.expect("MAIL FROM: <bad", "450 4.7.1 Error: too much mail from 127.0.0.1")
	c.expect("MAIL TO:<a@example.org>", "501 5.5.4 Syntax: MAIL FROM:<address>")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect from")
	ts.log.has(t, "warning: Recipient address rate limit exceeded: 3 from unknown[127.0.0.1] for service smtp")
	ts.log.has(t, "warning: Message delivery request rate limit exceeded: 2 from unknown[127.0.0.1] for service smtp")
}

// TestAnvilAuthRate: AUTH is counted before anything else, even with
// SASL off.
func TestAnvilAuthRate(t *testing.T) {
	ts := anvilServer(t, map[string]string{"smtpd_client_auth_rate_limit": "1"}, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("AUTH PLAIN", "503 5.5.1 Error: authentication not enabled")
	c.expect("AUTH PLAIN", "450 4.7.1 Error: too many AUTH commands from 127.0.0.1")
	ts.log.has(t, "warning: AUTH command rate limit exceeded: 2 from unknown[127.0.0.1] for service smtp")
}

// TestAnvilExceptions: clients in smtpd_client_event_limit_exceptions
// (default $mynetworks) are not counted at all.
func TestAnvilExceptions(t *testing.T) {
	for name, settings := range map[string]map[string]string{
		"explicit": {"smtpd_client_event_limit_exceptions": "127.0.0.1"},
		"default":  {"mynetworks": "127.0.0.0/8"},
		"cidr":     {"smtpd_client_event_limit_exceptions": "192.0.2.0/24, 127.0.0.0/8"},
	} {
		t.Run(name, func(t *testing.T) {
			tb := anvil.NewTable(time.Minute, nil)
			settings["smtpd_client_connection_count_limit"] = "1"
			settings["smtpd_client_message_rate_limit"] = "1"
			ts := anvilServer(t, settings, anvil.NewDirectPool(tb))
			a, b := ts.dial(t), ts.dial(t)
			a.reply()
			if got := b.reply(); !strings.HasPrefix(got, "220 ") {
				t.Errorf("second connection: %q", got)
			}
			for i := 0; i < 2; i++ {
				b.expect("MAIL FROM:<a@example.org>", "250 2.1.0 Ok")
				b.expect("RSET", "250 2.0.0 Ok")
			}
			if tb.Len() != 0 {
				t.Errorf("exempt client counted: %d entries", tb.Len())
			}
		})
	}
}

// TestAnvilUnavailable: with anvil away, mail goes on without limits.
func TestAnvilUnavailable(t *testing.T) {
	warnings := &testLog{}
	ep := &anvil.Endpoint{Network: "unix", Addr: filepath.Join(t.TempDir(), "anvil"),
		Timeout: time.Second, RetryDelay: time.Hour, Warn: warnings.Warn}
	ts := anvilServer(t, map[string]string{"smtpd_client_connection_count_limit": "1",
		"smtpd_client_message_rate_limit": "1"}, anvil.NewPool(ep))
	a, b := ts.dial(t), ts.dial(t)
	a.reply()
	if got := b.reply(); !strings.HasPrefix(got, "220 ") {
		t.Errorf("second connection: %q", got)
	}
	for i := 0; i < 2; i++ {
		b.expect("MAIL FROM:<a@example.org>", "250 2.1.0 Ok")
		b.expect("RSET", "250 2.0.0 Ok")
	}
	warnings.has(t, "warning: connect to "+ep.Addr+": No such file or directory")
}

// TestAnvilNoLimits: with every limit 0 smtpd never asks anvil.
func TestAnvilNoLimits(t *testing.T) {
	asked := 0
	pool := &anvil.Pool{New: func() anvil.Requester { asked++; return nil }}
	ts := anvilServer(t, map[string]string{"smtpd_client_connection_count_limit": "0"}, pool)
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@example.org>", "250 2.1.0 Ok")
	if ts.srv.anvil != nil || asked != 0 {
		t.Errorf("anvil used without limits")
	}
}

// TestAnvilDisconnectFreesSlot: the session's disconnect and the pool.
func TestAnvilDisconnectFreesSlot(t *testing.T) {
	tb := anvil.NewTable(time.Minute, nil)
	ts := anvilServer(t, nil, anvil.NewDirectPool(tb))
	c := ts.dial(t)
	c.reply()
	if got := tb.Open().Lookup("smtp:127.0.0.1"); got.Count != 1 {
		t.Errorf("during the session: %+v", got)
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect from")
	if got := tb.Open().Lookup("smtp:127.0.0.1"); got.Count != 0 || got.Rate != 1 {
		t.Errorf("after the session: %+v", got)
	}
}

// TestAnvilTLSHooks: the checks the STARTTLS and wrapper-mode code calls.
func TestAnvilTLSHooks(t *testing.T) {
	tb := anvil.NewTable(time.Minute, nil)
	ts := anvilServer(t, map[string]string{"smtpd_client_new_tls_session_rate_limit": "1"},
		anvil.NewDirectPool(tb))
	sess, out := pipeSession(t, ts.srv)
	if !sess.anvilConnect() {
		t.Fatal("connect refused")
	}
	if !sess.anvilStarttlsOK() || !sess.anvilWrapperTLSOK() {
		t.Error("refused before any TLS session")
	}
	if !sess.anvilNewTLS(false, true) {
		t.Error("first new TLS session refused")
	}
	if !sess.anvilNewTLS(true, true) {
		t.Error("resumed session refused")
	}
	if sess.anvilNewTLS(false, true) {
		t.Error("second new TLS session accepted")
	}
	if sess.anvilStarttlsOK() || sess.anvilWrapperTLSOK() {
		t.Error("STARTTLS accepted over the limit")
	}
	sess.flush()
	sess.conn.Close()
	want := []string{"421 4.7.0 mx.example.com Error: too many new TLS sessions from unknown[127.0.0.1]",
		"454 4.7.0 Error: too many new TLS sessions from unknown[127.0.0.1]"}
	if got := <-out; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("replies %q", got)
	}
	for _, w := range []string{
		"warning: New TLS session rate limit exceeded: 2 from unknown[127.0.0.1] for service smtp",
		"warning: Refusing STARTTLS request from unknown[127.0.0.1] for service smtp",
		"warning: Refusing TLS service request from unknown[127.0.0.1] for service smtp",
	} {
		ts.log.has(t, w)
	}
	sess.anvilDisconnect()
}

// pipeSession is a session on a TCP connection from 127.0.0.1 whose
// replies the returned channel delivers when the connection closes.
func pipeSession(t *testing.T, srv *Server) (*session, chan []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan []string, 1)
	go func() {
		defer cc.Close()
		var lines []string
		sc := bufio.NewScanner(cc)
		for sc.Scan() {
			lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
		}
		out <- lines
	}()
	sess := newSession(srv, sc)
	sess.client = peer{name: "unknown", addr: "127.0.0.1", namaddr: "unknown[127.0.0.1]"}
	return sess, out
}

func countLines(ts *testServer, prefix string) int {
	n := 0
	for _, l := range ts.log.all() {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
