package anvil

import (
	"bufio"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
)

// warnLog collects warnings.
type warnLog struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnLog) Warn(format string, args ...any) {
	w.mu.Lock()
	w.lines = append(w.lines, "warning: "+fmt.Sprintf(format, args...))
	w.mu.Unlock()
}

func (w *warnLog) Info(format string, args ...any) {
	w.mu.Lock()
	w.lines = append(w.lines, fmt.Sprintf(format, args...))
	w.mu.Unlock()
}

func (w *warnLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

// waitFor waits (bounded) until the log has n lines.
func (w *warnLog) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(w.all()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return w.all()
}

// testServer serves a table on a UNIX socket in a temporary directory
// until the test ends.
type testServer struct {
	path string
	ln   net.Listener
	log  *warnLog
	wg   sync.WaitGroup
}

func startTestServer(t testing.TB, tb *Table) *testServer {
	ts := &testServer{path: filepath.Join(t.TempDir(), "anvil"), log: &warnLog{}}
	var err error
	if ts.ln, err = net.Listen("unix", ts.path); err != nil {
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
			go func() {
				defer ts.wg.Done()
				defer c.Close()
				Serve(tb, c, ServerOptions{Name: "anvil socket", Timeout: 10 * time.Second, Warn: ts.log.Warn})
			}()
		}
	}()
	t.Cleanup(func() { ts.ln.Close(); ts.wg.Wait() })
	return ts
}

// rawConn is a byte-level client.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func (ts *testServer) raw(t *testing.T) *rawConn {
	c, err := net.Dial("unix", ts.path)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

// list reads one plain list, terminator included; "" at EOF.
func (rc *rawConn) list() string {
	var b strings.Builder
	for {
		l, err := rc.r.ReadString('\n')
		b.WriteString(l)
		if err != nil || l == "\n" {
			return b.String()
		}
	}
}

func (rc *rawConn) ask(req string) string {
	if _, err := rc.c.Write([]byte(req)); err != nil {
		return ""
	}
	return rc.list()
}

// protocolScript is a conversation recorded from Postfix 3.7.11's anvil
// (anvil_rate_time_unit = 5s): each request and the real reply.
var protocolScript = []struct{ req, reply string }{
	{"request=connect\nident=smtp:1.2.3.4\n\n", "status=0\ncount=1\nrate=1\n\n"},
	{"request=connect\nident=smtp:1.2.3.4\n\n", "status=0\ncount=1\nrate=2\n\n"},
	{"request=message\nident=smtp:1.2.3.4\n\n", "status=0\nrate=1\n\n"},
	{"request=lookup\nident=smtp:1.2.3.4\n\n", "status=0\ncount=1\nrate=2\nmail=1\nrcpt=0\nnewtls=0\nauth=0\n\n"},
	{"request=bogus\nident=smtp:1.2.3.4\n\n", "status=4294967295\n\n"},
	{"request=newtls_status\nident=smtp:9.9.9.9\n\n", "status=0\nrate=0\n\n"},
	{"request=lookup\nident=smtp:9.9.9.9\n\n", "status=0\ncount=0\nrate=0\nmail=0\nrcpt=0\nnewtls=0\nauth=0\n\n"},
	{"request=disconnect\nident=smtp:1.2.3.4\n\n", "status=0\n\n"},
	{"request=lookup\nident=smtp:1.2.3.4\n\n", "status=0\ncount=0\nrate=2\nmail=1\nrcpt=0\nnewtls=0\nauth=0\n\n"},
	{"request=recipient\nident=smtp:5.5.5.5\n\n", "status=0\nrate=1\n\n"},
	{"request=lookup\nident=smtp:5.5.5.5\n\n", "status=0\ncount=1\nrate=1\nmail=0\nrcpt=1\nnewtls=0\nauth=0\n\n"},
	{"request=newtls\nident=smtp:7.7.7.7\n\n", "status=0\nrate=1\n\n"},
	{"request=newtls\nident=smtp:7.7.7.7\n\n", "status=0\nrate=2\n\n"},
	{"request=auth\nident=smtp:7.7.7.7\n\n", "status=0\nrate=1\n\n"},
	{"request=newtls_status\nident=smtp:7.7.7.7\n\n", "status=0\nrate=2\n\n"},
}

// TestAnvilProtocolBytes: the announcement and every reply, byte for
// byte as the real anvil's.
func TestAnvilProtocolBytes(t *testing.T) {
	tb, _ := newTestTable(5 * time.Second)
	ts := startTestServer(t, tb)
	rc := ts.raw(t)
	if got := rc.list(); got != "protocol=anvil_protocol\n\n" {
		t.Fatalf("announcement %q", got)
	}
	for _, st := range protocolScript {
		if got := rc.ask(st.req); got != st.reply {
			t.Errorf("%q: got %q, want %q", st.req, got, st.reply)
		}
	}
	if got := ts.log.waitFor(t, 1); len(got) != 1 || got[0] != `warning: unrecognized request: "bogus", ignored` {
		t.Errorf("warnings: %q", got)
	}
}

// TestAnvilProtocolErrors: requests that break the attribute rules get
// Postfix's warnings and lose the connection; an extra attribute is
// served first.
func TestAnvilProtocolErrors(t *testing.T) {
	for _, c := range []struct{ name, req, reply, warning string }{
		{"order", "ident=x\nrequest=lookup\n\n", "",
			"warning: unexpected attribute ident from anvil socket (expecting: request)"},
		{"missing", "request=lookup\n\n", "",
			"warning: missing attribute ident in input from anvil socket"},
		{"empty", "\n", "", "warning: missing attribute request in input from anvil socket"},
		{"extra", "request=lookup\nident=x\nfoo=bar\n\n",
			"status=0\ncount=0\nrate=0\nmail=0\nrcpt=0\nnewtls=0\nauth=0\n\n",
			"warning: unexpected attribute foo from anvil socket (expecting: (list terminator))"},
		{"premature", "request=lookup\nide", "",
			"warning: premature end-of-input on anvil socket while reading input attribute name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb, _ := newTestTable(time.Minute)
			ts := startTestServer(t, tb)
			rc := ts.raw(t)
			rc.list()
			rc.c.Write([]byte(c.req))
			if c.name == "premature" {
				rc.c.(*net.UnixConn).CloseWrite()
			}
			if got := rc.list(); got != c.reply {
				t.Errorf("reply %q, want %q", got, c.reply)
			}
			if got := rc.list(); got != "" {
				t.Errorf("connection still open: %q", got)
			}
			if got := ts.log.waitFor(t, 1); len(got) != 1 || got[0] != c.warning {
				t.Errorf("warnings %q, want %q", got, c.warning)
			}
		})
	}
}

// TestAnvilServerDropsOnClose: when a client connection closes, the
// connection it counted is dropped and expires one unit later.
func TestAnvilServerDropsOnClose(t *testing.T) {
	tb, clk := newTestTable(time.Minute)
	ts := startTestServer(t, tb)
	rc := ts.raw(t)
	rc.list()
	rc.ask("request=connect\nident=smtp:192.0.2.9\n\n")
	rc.c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for tb.Waiting() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if tb.Waiting() != 1 {
		t.Fatal("closed client's connection not dropped")
	}
	clk.advance(time.Minute)
	if tb.Len() != 0 {
		t.Errorf("entry did not expire: %d", tb.Len())
	}
}

// TestAnvilServiceLoop: the daemon's timers. Statistics are logged
// every anvil_status_update_time, Loop asks to be called again when the
// next report or expiry is due, and never waits longer than maxWait.
func TestAnvilServiceLoop(t *testing.T) {
	clk := &fakeClock{t: time.Date(2024, 11, 2, 9, 0, 0, 0, time.Local)}
	cfg := config.New("/nonexistent", &config.File{Map: map[string]string{
		"anvil_rate_time_unit": "10s", "anvil_status_update_time": "30s", "service_name": "anvil"}})
	log := &warnLog{}
	s, err := NewService(cfg, log, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Server.Name != "anvil socket" || s.Server.Timeout != time.Hour {
		t.Errorf("server options: %+v", s.Server)
	}
	if d := s.Loop(); d != 30*time.Second {
		t.Errorf("first wait %v", d)
	}
	l := s.T.Open()
	l.Connect("smtp:192.0.2.1")
	l.Close()
	clk.advance(5 * time.Second)
	if d := s.Loop(); d != 5*time.Second+time.Millisecond {
		t.Errorf("wait for the expiry: %v", d)
	}
	clk.advance(25 * time.Second)
	s.Loop()
	want := []string{
		"statistics: max connection rate 1/10s for (smtp:192.0.2.1) at Nov  2 09:00:00",
		"statistics: max connection count 1 for (smtp:192.0.2.1) at Nov  2 09:00:00",
		"statistics: max cache size 1 at Nov  2 09:00:00",
	}
	if got := log.all(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s.T.Len() != 0 {
		t.Error("entry not expired")
	}
	s.StatusEvery = time.Hour
	clk.advance(31 * time.Second)
	if d := s.Loop(); d != maxWait {
		t.Errorf("long wait %v, want %v", d, maxWait)
	}
}
