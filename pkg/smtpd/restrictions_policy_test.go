package smtpd

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// policyServer is a small policy server (SMTPD_POLICY_README) that
// records every request. Its answer depends on the recipient's (or
// else the sender's) local part:
//
//	missing   a reply without action
//	close     the connection is closed without a reply
//	utf8bad   action=DUNNO with a malformed UTF-8 byte
//	anything else: action=<text of policyActions>, DUNNO when unlisted
type policyServer struct {
	ln    net.Listener
	mu    sync.Mutex
	reqs  [][][2]string
	conns int
	open  []net.Conn // closed when the test ends: smtpd keeps idle connections
}

var policyActions = map[string]string{
	"ok": "OK", "reject": "REJECT go away", "code": "550 5.1.1 no such user", "defer": "DEFER_IF_PERMIT later",
	"prepend": "PREPEND X-Policy: yes", "hold": "HOLD held by policy", "filter": "FILTER smtp:[127.0.0.1]:10025",
	"warn": "WARN watched", "restr": "reject_unauth_destination", "dunno": "DUNNO",
}

func startPolicyServer(t *testing.T, network, addr string) *policyServer {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	ps := &policyServer{ln: ln}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ps.mu.Lock()
			ps.conns++
			ps.open = append(ps.open, c)
			ps.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); ps.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		ps.mu.Lock()
		for _, c := range ps.open {
			c.Close()
		}
		ps.mu.Unlock()
		wg.Wait()
	})
	return ps
}

func (ps *policyServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		var req [][2]string
		for {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			if line == "" {
				break
			}
			n, v, _ := strings.Cut(line, "=")
			req = append(req, [2]string{n, v})
		}
		ps.mu.Lock()
		ps.reqs = append(ps.reqs, req)
		ps.mu.Unlock()
		reply, ok := policyReply(req)
		if !ok {
			return
		}
		c.Write([]byte(reply))
	}
}

// policyReply is the answer to a request; false closes the connection.
func policyReply(req [][2]string) (string, bool) {
	key := get(req, "recipient")
	if key == "" {
		key = get(req, "sender")
	}
	key, _, _ = strings.Cut(key, "@")
	switch key {
	case "missing":
		return "foo=bar\n\n", true
	case "close":
		return "", false
	case "utf8bad":
		return "action=DUNNO \xff\n\n", true
	}
	a, ok := policyActions[key]
	if !ok {
		a = "DUNNO"
	}
	return "junk\naction=" + a + "\naction=REJECT second action ignored\n\n", true
}

func get(req [][2]string, name string) string {
	for _, a := range req {
		if a[0] == name {
			return a[1]
		}
	}
	return ""
}

func (ps *policyServer) requests() [][][2]string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([][][2]string(nil), ps.reqs...)
}

func (ps *policyServer) connCount() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.conns
}

func (ps *policyServer) endpoint() string { return "inet:" + ps.ln.Addr().String() }

func TestPolicyServiceActions(t *testing.T) {
	ps := startPolicyServer(t, "tcp", "127.0.0.1:0")
	ts := startServer(t, map[string]string{"relay_domains": "x.test",
		"smtpd_recipient_restrictions": "check_policy_service " + ps.endpoint() + ", permit"})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO c.test", ehloReply)
	c.expect("MAIL FROM:<a@b.test>", "250 2.1.0 Ok")
	for _, x := range []struct{ rcpt, want string }{
		{"ok@x.test", "250 2.1.5 Ok"},
		{"reject@x.test", "554 5.7.1 <reject@x.test>: Recipient address rejected: go away"},
		{"code@x.test", "550 5.1.1 <code@x.test>: Recipient address rejected: no such user"},
		{"defer@x.test", "450 4.7.1 <defer@x.test>: Recipient address rejected: later"},
		{"restr@other.test", "554 5.7.1 <restr@other.test>: Relay access denied"},
		{"dunno@x.test", "250 2.1.5 Ok"},
		{"missing@x.test", "451 4.3.5 <missing@x.test>: Recipient address rejected: Server configuration problem"},
		{"utf8bad@x.test", "451 4.3.5 <utf8bad@x.test>: Recipient address rejected: Server configuration problem"},
	} {
		c.expect("RCPT TO:<"+x.rcpt+">", x.want)
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	ep := strings.TrimPrefix(ps.endpoint(), "inet:")
	ts.log.has(t, "warning: missing attribute action in input from "+ep)
	ts.log.has(t, "warning: problem talking to server "+ep+": Application error")
	ts.log.has(t, `warning: malformed UTF-8 in policy server `+ps.endpoint()+` response: "DUNNO ?"`)
	// One connection for the session, two more after the missing action.
	if ps.connCount() != 3 {
		t.Errorf("%d connections", ps.connCount())
	}
}

// The request, in Postfix 3.7's order, at RCPT and at DATA.
func TestPolicyServiceRequest(t *testing.T) {
	ps := startPolicyServer(t, "tcp", "127.0.0.1:0")
	ts := startServer(t, map[string]string{"relay_domains": "x.test",
		"smtpd_policy_service_policy_context": "ctx",
		"smtpd_recipient_restrictions":        "check_policy_service " + ps.endpoint() + ", permit",
		"smtpd_data_restrictions":             "check_policy_service " + ps.endpoint()})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO c.test", ehloReply)
	c.expect("MAIL FROM:<a@b.test> SIZE=1000", "250 2.1.0 Ok")
	c.expect("RCPT TO:<u@x.test>", "250 2.1.5 Ok")
	c.expect("RCPT TO:<v@x.test>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.expect("x\r\n.", "250 2.0.0 Ok: queued as QID001")
	reqs := ps.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	var names []string
	for _, a := range reqs[0] {
		names = append(names, a[0])
	}
	want := "request protocol_state protocol_name client_address client_name client_port reverse_client_name " +
		"server_address server_port helo_name sender recipient recipient_count queue_id instance size " +
		"etrn_domain stress sasl_method sasl_username sasl_sender ccert_subject ccert_issuer ccert_fingerprint " +
		"ccert_pubkey_fingerprint encryption_protocol encryption_cipher encryption_keysize policy_context"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("attributes:\n got  %s\n want %s", got, want)
	}
	checks := []struct {
		req         int
		name, value string
	}{
		{0, "request", "smtpd_access_policy"}, {0, "protocol_state", "RCPT"}, {0, "protocol_name", "ESMTP"},
		{0, "client_address", "127.0.0.1"}, {0, "client_name", "unknown"}, {0, "helo_name", "c.test"},
		{0, "sender", "a@b.test"}, {0, "recipient", "u@x.test"}, {0, "recipient_count", "0"},
		{0, "queue_id", ""}, {0, "size", "1000"}, {0, "encryption_keysize", "0"}, {0, "policy_context", "ctx"},
		{1, "recipient", "v@x.test"}, {1, "queue_id", "QID001"},
		{2, "protocol_state", "DATA"}, {2, "recipient", ""}, {2, "recipient_count", "2"},
	}
	for _, x := range checks {
		if got := get(reqs[x.req], x.name); got != x.value {
			t.Errorf("request %d: %s=%q, want %q", x.req, x.name, got, x.value)
		}
	}
	inst := get(reqs[0], "instance")
	if !regexp.MustCompile(`^[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+\.0$`).MatchString(inst) ||
		get(reqs[1], "instance") != inst || get(reqs[2], "instance") != inst {
		t.Errorf("instances %q %q %q", inst, get(reqs[1], "instance"), get(reqs[2], "instance"))
	}
	// A new transaction has a new instance.
	c.expect("MAIL FROM:<a@b.test>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<u@x.test>", "250 2.1.5 Ok")
	if got := get(ps.requests()[3], "instance"); !strings.HasSuffix(got, ".1") {
		t.Errorf("second instance %q", got)
	}
	if ps.connCount() != 1 {
		t.Errorf("%d connections, want 1", ps.connCount())
	}
}

// A server that cannot be reached: the default action, after
// try_limit attempts; overrides per server.
func TestPolicyServiceUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ts := startServer(t, map[string]string{"relay_domains": "x.test",
		"smtpd_recipient_restrictions": "check_policy_service inet:" + addr + ", permit",
		"smtpd_sender_restrictions":    "check_policy_service { inet:" + addr + ", try_limit=1, default_action=DUNNO }"})
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.test>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<u@x.test>", "451 4.3.5 <u@x.test>: Recipient address rejected: Server configuration problem")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	n := 0
	for _, l := range ts.log.all() {
		if l == "warning: connect to "+addr+": Connection refused" {
			n++
		}
	}
	// One try for the sender restriction, two for the recipient one.
	if n != 3 {
		t.Errorf("%d connect warnings, want 3:\n%s", n, strings.Join(ts.log.all(), "\n"))
	}
	ts.log.has(t, "warning: problem talking to server "+addr+": Connection refused")
}

func TestPolicyServiceRequestLimit(t *testing.T) {
	ps := startPolicyServer(t, "unix", t.TempDir()+"/policy")
	ts := startServer(t, map[string]string{"relay_domains": "x.test",
		"smtpd_recipient_restrictions": "check_policy_service { unix:" + ps.ln.Addr().String() + ", request_limit=2 }, permit"})
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.test>", "250 2.1.0 Ok")
	for i := 0; i < 5; i++ {
		c.expect("RCPT TO:<u@x.test>", "250 2.1.5 Ok")
	}
	if ps.connCount() != 3 {
		t.Errorf("%d connections, want 3", ps.connCount())
	}
}

func TestPolicyServiceConfigErrors(t *testing.T) {
	for list, want := range map[string]string{
		"check_policy_service foo":                             `need service transport:endpoint instead of "foo"`,
		"check_policy_service tcp:1.2.3.4:5":                   "invalid transport name: tcp in service: tcp:1.2.3.4:5",
		"check_policy_service { inet:1.2.3.4:5, x=1 }":         `unknown option: "x = 1"`,
		"check_policy_service { inet:1.2.3.4:5, timeout=x }":   "timeout: bad time value or unit: x",
		"check_policy_service { inet:1.2.3.4:5, try_limit=0 }": "invalid try_limit parameter value 0 < 1",
		"check_policy_service { inet:1.2.3.4:5, junk }":        `malformed option: missing '=' after attribute name: "...junk..."`,
		"check_policy_service { inet:1.2.3.4:5":                `policy service syntax error: missing '}' in "{ inet:1.2.3.4:5, reject"`,
		"check_policy_service { }":                             `empty policy service: "{ }"`,
	} {
		_, err := New(testConfig(map[string]string{"smtpd_recipient_restrictions": list + ", reject"}),
			Deps{Queue: &fakeQueue{}, Log: &testLog{}, Names: noNames{}})
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", list, err, want)
		}
	}
}

func TestPolicyServiceMissingServer(t *testing.T) {
	runExchanges(t, map[string]string{"mynetworks": "192.0.2.0/24",
		"smtpd_recipient_restrictions": "permit_mynetworks, check_policy_service"},
		[]exchange{{"MAIL FROM:<a@b.test>", "250 2.1.0 Ok"},
			{"RCPT TO:<u@example.com>", "451 4.3.5 Server configuration error"}})
}

// Idle connections are dropped after max_idle unused and max_ttl after
// they were opened; a connection the server closed is not used.
func TestPolicyClientPool(t *testing.T) {
	ps := startPolicyServer(t, "tcp", "127.0.0.1:0")
	pc, err := newPolicyClient(ps.endpoint(), testConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	warn := func(f string, a ...any) { t.Errorf("warning: "+f, a...) }
	ask := func() {
		t.Helper()
		req := [][2]string{{"request", "smtpd_access_policy"}, {"recipient", "ok@x"}}
		var l attr.List
		for _, a := range req {
			l.Str(a[0], a[1])
		}
		if a, ok := pc.request(l, warn, func(time.Duration) {}); !ok || a != "OK" {
			t.Fatalf("action %q %v", a, ok)
		}
	}
	ask()
	ask()
	if n := ps.connCount(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	pc.idle[0].used = time.Now().Add(-pc.maxIdle)
	ask()
	if n := ps.connCount(); n != 2 {
		t.Fatalf("after max_idle: %d connections, want 2", n)
	}
	pc.idle[0].opened = time.Now().Add(-pc.maxTTL)
	ask()
	if n := ps.connCount(); n != 3 {
		t.Fatalf("after max_ttl: %d connections, want 3", n)
	}
	ps.mu.Lock()
	for _, c := range ps.open {
		c.Close()
	}
	ps.mu.Unlock()
	// The closed connection is seen as such (Peek gets EOF) once the
	// server's close has arrived; until then it is a normal idle one.
	harnessEventually(t, func() bool { return pc.idle[0].stale() })
	ask()
	if n := ps.connCount(); n != 4 {
		t.Fatalf("after the server closed: %d connections, want 4", n)
	}
}

// A server that does not answer: timeout, with attr_clnt's warnings.
func TestPolicyServiceTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	addr := ln.Addr().String()
	ts := startServer(t, map[string]string{"relay_domains": "x.test",
		"smtpd_recipient_restrictions": "check_policy_service { inet:" + addr + ", timeout=1s }, permit"})
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.test>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<u@x.test>", "451 4.3.5 <u@x.test>: Recipient address rejected: Server configuration problem")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "warning: timeout on "+addr+" while reading input attribute name")
	ts.log.has(t, "warning: problem talking to server "+addr+": Connection timed out")
}

// harnessEventually polls cond for up to 10 seconds.
func harnessEventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 seconds")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
