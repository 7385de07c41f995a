package smtpclient

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/queue"
)

// --- a queue with one message ---

type testMsg struct {
	layout *queue.Layout
	req    *deliver.Request
}

func newMessage(t *testing.T, sender, content string, rcpts ...string) *testMsg {
	t.Helper()
	l, err := queue.NewLayoutFrom(t.TempDir(), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	w, err := l.Create()
	if err != nil {
		t.Fatal(err)
	}
	w.SetSender(sender)
	for _, r := range rcpts {
		if err := w.AddRecipient(queue.Recipient{Address: r}); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprint(w, content)
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	if err := l.Move(w.ID(), queue.Incoming, queue.Active); err != nil {
		t.Fatal(err)
	}
	env, err := queue.ReadEnvelope(l.Path(queue.Active, w.ID()))
	if err != nil {
		t.Fatal(err)
	}
	req := &deliver.Request{Flags: deliver.FlagDefault, QueueName: queue.Active, QueueID: w.ID(),
		Transport: "smtp", Sender: sender, ArrivalTime: env.Arrival, ActiveTime: env.Arrival}
	for i, r := range env.Recipients {
		req.Recipients = append(req.Recipients, deliver.Recipient{Address: r.Address, Index: i, Offset: r.Offset})
	}
	return &testMsg{layout: l, req: req}
}

// --- log capture ---

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) fn(prefix string) func(string, ...any) {
	return func(f string, a ...any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+fmt.Sprintf(f, a...))
	}
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// has checks that some log line contains every part, in order.
func (l *logs) has(t *testing.T, parts ...string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return
		}
	}
	t.Errorf("no log line with %q in:\n%s", parts, strings.Join(l.lines, "\n"))
}

// --- running a delivery ---

func testConfig(lg *logs, lmtp bool) *Config {
	to := 10 * time.Second
	return &Config{LMTP: lmtp, MyHostname: "client.example", HeloName: "client.example",
		DefaultService: map[bool]string{false: "25", true: "24"}[lmtp], DNS: true, IPv4: true, IPv6: true,
		MXAddrLimit: 5, MXSessionLimit: 2, SkipFiveXXGreeting: true, SkipQuitResponse: false,
		AlwaysEHLO: true, LineLimit: 998, TLS: TLSConfig{Level: "none"},
		Timeouts: Timeouts{Connect: to, Helo: to, Mail: to, Rcpt: to, DataInit: to, DataXfer: to,
			DataDone: to, Quit: to, StartTLS: to, Rset: to},
		Resolver: fakeDNS{}, Info: lg.fn(""), Warn: lg.fn("warning: ")}
}

func run(t *testing.T, m *testMsg, cfg *Config, nexthop string) *deliver.Reply {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.req.Nexthop = nexthop
	env := &deliver.Env{Layout: m.layout, DelayRes: 2, Info: cfg.Info, Warn: cfg.Warn}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return deliver.Handle(ctx, m.req, env, c)
}

func statuses(r *deliver.Reply) string {
	var s []string
	for _, res := range r.Results {
		s = append(s, res.Status.String())
	}
	return strings.Join(s, " ")
}

// --- fake DNS and dialer ---

// fakeDNS answers from fixed tables; names under .invalid do not exist,
// names under .tempfail fail temporarily.
type fakeDNS struct {
	mx    map[string][]*net.MX
	hosts map[string][]string
}

func (f fakeDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if strings.HasSuffix(name, ".tempfail") {
		return nil, &net.DNSError{Err: "timeout", Name: name, IsTemporary: true}
	}
	if mx, ok := f.mx[name]; ok {
		return mx, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f fakeDNS) LookupNetIP(_ context.Context, _ string, host string) ([]netip.Addr, error) {
	if strings.HasSuffix(host, ".tempfail") {
		return nil, &net.DNSError{Err: "timeout", Name: host, IsTemporary: true}
	}
	var out []netip.Addr
	for _, a := range f.hosts[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

// routeDialer sends connections for fake addresses to test listeners;
// anything else is refused (a closed loopback port).
func routeDialer(t *testing.T, routes map[string]string) func(context.Context, string, string) (net.Conn, error) {
	closed := closedPort(t)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		if to, ok := routes[addr]; ok {
			return d.DialContext(ctx, network, to)
		}
		if network == "unix" {
			return d.DialContext(ctx, network, addr)
		}
		_, err := d.DialContext(ctx, "tcp", closed)
		return nil, err
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// --- a scripted SMTP/LMTP server ---

// script answers one command line (or "." after the message, or "" for
// the greeting) with the reply text, lines separated by "\n".
type script func(cmd string) string

type fakeServer struct {
	tls     *tls.Config // for STARTTLS; nil: not offered
	wrapper bool        // TLS from the start (SMTPS)
	ln      net.Listener
	mu      sync.Mutex
	msgs    []string // message bodies received
	cmds    []string
}

func startServer(t *testing.T, network string, answer script) *fakeServer {
	return startServerTLS(t, network, answer, nil)
}

func startServerTLS(t *testing.T, network string, answer script, conf *tls.Config) *fakeServer {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "lmtp.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln, tls: conf, wrapper: wrapperNext}
	wrapperNext = false
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, answer)
		}
	}()
	return s
}

// wrapperNext makes the next startServerTLS an SMTPS server.
var wrapperNext bool

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) serve(c net.Conn, answer script) {
	defer c.Close()
	if s.wrapper {
		tc := tls.Server(c, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c = tc
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	reply := func(text string) bool {
		if text == "" {
			return true
		}
		if text == "CLOSE" {
			return false
		}
		for _, l := range strings.Split(text, "\n") {
			if l == "CLOSE" {
				return false
			}
			fmt.Fprintf(c, "%s\r\n", l)
		}
		return true
	}
	if !reply(answer("")) {
		return
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.cmds = append(s.cmds, cmd)
		s.mu.Unlock()
		r := answer(cmd)
		if !reply(r) {
			return
		}
		if strings.HasPrefix(r, "354") {
			body := readData(br)
			s.mu.Lock()
			s.msgs = append(s.msgs, body)
			s.mu.Unlock()
			if !reply(answer(".")) {
				return
			}
		}
		if strings.EqualFold(cmd, "STARTTLS") && strings.HasPrefix(r, "220") && s.tls != nil {
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, br = tc, bufio.NewReader(tc)
		}
		if strings.EqualFold(cmd, "QUIT") {
			return
		}
	}
}

func readData(br *bufio.Reader) string {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == ".\r\n" {
			return b.String()
		}
		b.WriteString(line)
	}
}

func (s *fakeServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// smtpScript is a well-behaved ESMTP server that rejects some
// recipients.
func smtpScript(reject map[string]string) script {
	return func(cmd string) string {
		up := strings.ToUpper(cmd)
		switch {
		case cmd == "":
			return "220 mx.example ESMTP test"
		case strings.HasPrefix(up, "EHLO"):
			return "250-mx.example\n250-PIPELINING\n250-SIZE 10240000\n250-8BITMIME\n250 DSN"
		case strings.HasPrefix(up, "LHLO"):
			return "250-mx.example\n250-PIPELINING\n250 8BITMIME"
		case strings.HasPrefix(up, "MAIL"):
			return "250 2.1.0 Ok"
		case strings.HasPrefix(up, "RCPT"):
			for k, v := range reject {
				if strings.Contains(cmd, "<"+k+">") {
					return v
				}
			}
			return "250 2.1.5 Ok"
		case up == "DATA":
			return "354 End data with <CR><LF>.<CR><LF>"
		case cmd == ".":
			return "250 2.0.0 Ok: queued as ABC123"
		case up == "QUIT":
			return "221 2.0.0 Bye"
		case up == "RSET":
			return "250 2.0.0 Ok"
		}
		return "502 5.5.2 Error: command not recognized"
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func mustMaps(t *testing.T, spec string) *dict.Maps {
	t.Helper()
	m, err := dict.OpenMaps("smtp_generic_maps", spec, dict.Options{Flags: dict.MapsFlags})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// selfSigned makes a server certificate for name.
func selfSigned(t *testing.T, name string) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}
