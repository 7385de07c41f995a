package smtpclient

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// cachingRun delivers one message with the given request flags through
// client c (which keeps its connection cache between calls).
func cachingRun(t *testing.T, c *Client, cfg *Config, flags deliver.Flags, rcpt string) (*testMsg, *deliver.Reply) {
	t.Helper()
	m := newMessage(t, "sender@example.org", testContent, rcpt)
	m.req.Nexthop = "example.com"
	m.req.Flags |= flags
	env := &deliver.Env{Layout: m.layout, DelayRes: 2, Info: cfg.Info, Warn: cfg.Warn}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return m, deliver.Handle(ctx, m.req, env, c)
}

// countingServer counts the connections a scripted server accepts.
func countingServer(t *testing.T, answer script) (*fakeServer, *atomic.Int32) {
	var n atomic.Int32
	srv := startServer(t, "tcp", func(cmd string) string {
		if cmd == "" {
			n.Add(1)
		}
		return answer(cmd)
	})
	return srv, &n
}

func cachingConfig(t *testing.T, lg *logs, srv *fakeServer) *Config {
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": srv.addr()})
	cfg.Cache = CacheConfig{OnDemand: true, TimeLimit: 2 * time.Second, ReuseTime: 300 * time.Second}
	return cfg
}

// TestConnectionReuse: requests that qmgr marks for connection caching
// share one session: no QUIT after the first transaction, an RSET probe
// before the next, conn_use=2 in the second one's log line.
func TestConnectionReuse(t *testing.T) {
	srv, conns := countingServer(t, smtpScript(nil))
	lg := &logs{}
	cfg := cachingConfig(t, lg, srv)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, r1 := cachingRun(t, c, cfg, deliver.FlagConnMask, "a@example.com")
	m2, r2 := cachingRun(t, c, cfg, deliver.FlagConnMask, "b@example.com")
	if statuses(r1) != "sent" || statuses(r2) != "sent" {
		t.Fatalf("statuses %s %s\n%s", statuses(r1), statuses(r2), lg)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	cmds := strings.Join(srv.commands(), "|")
	want := "EHLO client.example|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<a@example.com>|DATA|" +
		"RSET|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<b@example.com>|DATA"
	if cmds != want {
		t.Errorf("commands\n got %s\nwant %s", cmds, want)
	}
	lg.has(t, m2.req.QueueID+": to=<b@example.com>, relay=mx1.example[192.0.2.1]:25, conn_use=2, delay=", "status=sent")
}

// TestConnectionCacheOff: without the request flags, or with
// smtp_connection_cache_on_demand = no, every request has its own
// session ending with QUIT.
func TestConnectionCacheOff(t *testing.T) {
	for _, c := range []struct {
		name     string
		flags    deliver.Flags
		onDemand bool
	}{{"no flags", 0, true}, {"on_demand = no", deliver.FlagConnMask, false}} {
		srv, conns := countingServer(t, smtpScript(nil))
		lg := &logs{}
		cfg := cachingConfig(t, lg, srv)
		cfg.Cache.OnDemand = c.onDemand
		cl, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cachingRun(t, cl, cfg, c.flags, "a@example.com")
		cachingRun(t, cl, cfg, c.flags, "b@example.com")
		if n := conns.Load(); n != 2 {
			t.Errorf("%s: %d connections, want 2", c.name, n)
		}
		if q := strings.Count(strings.Join(srv.commands(), "|"), "QUIT"); q != 2 {
			t.Errorf("%s: %d QUIT commands, want 2", c.name, q)
		}
	}
}

// reuseAfterBadProbe delivers two messages with connection caching to a
// server that answers RSET with rsetReply: the second must be sent, over
// a second connection.
func reuseAfterBadProbe(t *testing.T, rsetReply string) (*testMsg, *logs, *fakeServer) {
	t.Helper()
	srv, conns := countingServer(t, func(cmd string) string {
		if strings.EqualFold(cmd, "RSET") {
			return rsetReply
		}
		return smtpScript(nil)(cmd)
	})
	lg := &logs{}
	cfg := cachingConfig(t, lg, srv)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cachingRun(t, c, cfg, deliver.FlagConnMask, "a@example.com")
	m2, r2 := cachingRun(t, c, cfg, deliver.FlagConnMask, "b@example.com")
	if statuses(r2) != "sent" {
		t.Fatalf("status %s\n%s", statuses(r2), lg)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
	return m2, lg, srv
}

// TestConnectionReuseBadProbe: a cached session whose server no longer
// answers RSET with 2xx is dropped, and the delivery connects anew.
func TestConnectionReuseBadProbe(t *testing.T) {
	m2, lg, _ := reuseAfterBadProbe(t, "421 4.4.2 mx.example Error: timeout exceeded\nCLOSE")
	for _, l := range strings.Split(lg.String(), "\n") {
		if strings.Contains(l, m2.req.QueueID+": to=<b@example.com>") && strings.Contains(l, "conn_use=") {
			t.Errorf("fresh session logged as reused: %s", l)
		}
	}
}

// TestConnectionReusePipelinedProbe: with PIPELINING the RSET probe of a
// reused session goes out with MAIL, RCPT and DATA. A server that
// rejects RSET but goes on and accepts the rest (DATA answered 354) gets
// nothing more on that session: it is closed without the message or a
// dot, and the message goes once over a new session.
func TestConnectionReusePipelinedProbe(t *testing.T) {
	_, _, srv := reuseAfterBadProbe(t, "500 5.5.1 Error: command not recognized")
	cmds := strings.Join(srv.commands(), "|")
	want := "EHLO client.example|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<a@example.com>|DATA|" +
		"RSET|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<b@example.com>|DATA|" +
		"EHLO client.example|MAIL FROM:<sender@example.org> SIZE=58|RCPT TO:<b@example.com>|DATA"
	if cmds != want {
		t.Errorf("commands\n got %s\nwant %s", cmds, want)
	}
	bodies := 0
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, m := range srv.msgs {
		if m != "" {
			bodies++
		}
	}
	if bodies != 2 {
		t.Errorf("%d message bodies sent, want 2: %q", bodies, srv.msgs)
	}
}

// TestConnectionCacheTimeLimit: an idle cached session is closed after
// smtp_connection_cache_time_limit, without QUIT, and not reused.
func TestConnectionCacheTimeLimit(t *testing.T) {
	srv, conns := countingServer(t, smtpScript(nil))
	lg := &logs{}
	cfg := cachingConfig(t, lg, srv)
	cfg.Cache.TimeLimit = 50 * time.Millisecond
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cachingRun(t, c, cfg, deliver.FlagConnMask, "a@example.com")
	deadline := time.Now().Add(10 * time.Second)
	for c.cache.len() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := c.cache.len(); n != 0 {
		t.Fatalf("%d sessions still cached", n)
	}
	cachingRun(t, c, cfg, deliver.FlagConnMask, "b@example.com")
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
	if strings.Contains(strings.Join(srv.commands(), "|"), "QUIT") {
		t.Errorf("QUIT sent: %s", srv.commands())
	}
}

// TestConnectionReuseCountLimit: smtp_connection_reuse_count_limit = 1
// lets a session carry two transactions.
func TestConnectionReuseCountLimit(t *testing.T) {
	srv, conns := countingServer(t, smtpScript(nil))
	lg := &logs{}
	cfg := cachingConfig(t, lg, srv)
	cfg.Cache.ReuseCount = 1
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		cachingRun(t, c, cfg, deliver.FlagConnMask, r)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}
