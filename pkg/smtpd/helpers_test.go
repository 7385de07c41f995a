package smtpd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/pkg/anvil"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/smtperr"
)

// testLog records log lines as "info: ..." / "warning: ...".
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) Info(f string, a ...any) { l.add("info: " + fmt.Sprintf(f, a...)) }
func (l *testLog) Warn(f string, a ...any) { l.add("warning: " + fmt.Sprintf(f, a...)) }
func (l *testLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *testLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *testLog) has(t *testing.T, want string) {
	t.Helper()
	for _, s := range l.all() {
		if s == want {
			return
		}
	}
	t.Errorf("log lacks %q; have:\n%s", want, strings.Join(l.all(), "\n"))
}

// fakeQueue records messages.
type fakeQueue struct {
	mu     sync.Mutex
	n      int
	msgs   []*fakeMsg
	fail   error // Commit error
	hexIDs bool  // queue IDs that look like Postfix's
	begin  error
}

type fakeMsg struct {
	q       *fakeQueue
	id      string
	meta    Meta
	sender  string
	ret     int
	envid   string
	rcpts   []string
	content strings.Builder
	done    string // "commit" or "abort"
}

func (q *fakeQueue) Begin(m Meta) (Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.begin != nil {
		return nil, q.begin
	}
	q.n++
	id := fmt.Sprintf("QID%03X", q.n)
	if q.hexIDs {
		id = fmt.Sprintf("%011X", 0xABC000000+q.n)
	}
	msg := &fakeMsg{q: q, id: id, meta: m}
	q.msgs = append(q.msgs, msg)
	return msg, nil
}

func (q *fakeQueue) committed() []*fakeMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*fakeMsg
	for _, m := range q.msgs {
		if m.done == "commit" {
			out = append(out, m)
		}
	}
	return out
}

func (m *fakeMsg) QueueID() string { return m.id }
func (m *fakeMsg) SetSender(a string, ret int, envid string) error {
	m.sender, m.ret, m.envid = a, ret, envid
	return nil
}
func (m *fakeMsg) AddRecipient(a, orcpt string, notify int) error {
	m.rcpts = append(m.rcpts, fmt.Sprintf("%s|%s|%d", a, orcpt, notify))
	return nil
}
func (m *fakeMsg) Write(p []byte) error { m.content.Write(p); return nil }
func (m *fakeMsg) Commit() (string, error) {
	m.q.mu.Lock()
	defer m.q.mu.Unlock()
	if m.q.fail != nil {
		m.done = "abort"
		return "", m.q.fail
	}
	m.done = "commit"
	return m.id, nil
}
func (m *fakeMsg) Abort() { m.done = "abort" }

// noNames is a NameResolver without any names.
type noNames struct{}

func (noNames) LookupAddr(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}
func (noNames) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

// testConfig is a configuration for tests, with settings overriding
// the defaults.
func testConfig(settings map[string]string) *config.Config {
	m := map[string]string{
		"compatibility_level": "3.7", "myhostname": "mx.example.com",
		"mydestination": "example.com", "mynetworks": "127.0.0.0/8",
		"inet_interfaces": "127.0.0.1", "queue_directory": "/nonexistent",
		"smtpd_error_sleep_time": "0s", "local_recipient_maps": "",
	}
	for k, v := range settings {
		m[k] = v
	}
	return config.New("/nonexistent", &config.File{Map: m})
}

type testServer struct {
	srv  *Server
	ln   net.Listener
	log  *testLog
	q    *fakeQueue
	wg   sync.WaitGroup
	free atomic.Int64
}

// startServer serves on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, settings map[string]string, opts ...func(*Deps)) *testServer {
	t.Helper()
	ts := &testServer{log: &testLog{}, q: &fakeQueue{}}
	ts.free.Store(1 << 40)
	deps := Deps{Queue: ts.q, Log: ts.log, Names: noNames{},
		FreeSpace: func(string) (int64, error) { return ts.free.Load(), nil },
		Sleep:     func(time.Duration) {},
		Anvil:     anvil.NewDirectPool(anvil.NewTable(time.Minute, nil))}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := New(testConfig(settings), deps)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = srv
	if ts.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ts.wg.Add(1)
	go func() {
		defer ts.wg.Done()
		for {
			c, err := ts.ln.Accept()
			if err != nil {
				return
			}
			ts.wg.Add(1)
			go func() { defer ts.wg.Done(); srv.Serve(c) }()
		}
	}()
	t.Cleanup(func() { ts.ln.Close(); ts.wg.Wait() })
	return ts
}

// client is a test SMTP client that reads replies.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func (ts *testServer) dial(t *testing.T) *client {
	t.Helper()
	c, err := net.Dial("tcp", ts.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, conn: c, r: newReader(c)}
}

// reply reads one complete (possibly multi-line) reply.
func (c *client) reply() string {
	c.t.Helper()
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			if len(lines) == 0 {
				return "EOF"
			}
			c.t.Fatalf("read: %v after %q", err, lines)
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends a line and returns the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.reply()
}

func (c *client) expect(line, want string) {
	c.t.Helper()
	if got := c.cmd(line); got != want {
		c.t.Errorf("%q: got %q, want %q", line, got, want)
	}
}

// waitLog waits (bounded) until the session logged its disconnect line.
func (ts *testServer) waitLog(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range ts.log.all() {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line %q; have:\n%s", prefix, strings.Join(ts.log.all(), "\n"))
	return ""
}

var errCommit = &smtperr.Error{Code: 451, Enhanced: "4.3.0", Text: "Error: queue file write error"}
var _ = errors.New

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

// set changes the queue's failures under its lock.
func (q *fakeQueue) set(begin, fail error) {
	q.mu.Lock()
	q.begin, q.fail = begin, fail
	q.mu.Unlock()
}
