package qmgr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// clock is a wall clock that tests move forward.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// logSink collects log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) Info(f string, a ...any) { s.add(fmt.Sprintf(f, a...)) }
func (s *logSink) Warn(f string, a ...any) { s.add("warning: " + fmt.Sprintf(f, a...)) }

func (s *logSink) add(line string) {
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

func (s *logSink) has(sub string) bool { return strings.Contains(s.text(), sub) }

// fakeAgent serves private/<transport> with deliver.Serve and a behaviour
// the test sets; it counts requests and keeps the content of notices.
type fakeAgent struct {
	mu       sync.Mutex
	behave   func(d *deliver.Delivery) error
	requests []*deliver.Request
	notices  []string // content of messages from the null sender
	busy     map[string]int
	maxBusy  map[string]int
}

func (a *fakeAgent) Deliver(ctx context.Context, d *deliver.Delivery) error {
	a.mu.Lock()
	if d.File.Attr(queue.AttrOrigin) != "bounce" {
		a.requests = append(a.requests, d.Req)
	}
	behave := a.behave
	dest := d.Req.Transport + "/" + d.Req.Nexthop
	a.busy[dest]++
	if a.busy[dest] > a.maxBusy[dest] {
		a.maxBusy[dest] = a.busy[dest]
	}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.busy[dest]--
		a.mu.Unlock()
	}()
	if d.File.Attr(queue.AttrOrigin) == "bounce" {
		b, _ := io.ReadAll(d.Content())
		a.mu.Lock()
		a.notices = append(a.notices, string(b))
		a.mu.Unlock()
		d.DeferAll("none", deliver.Simple("4.0.0", "notices stay queued in tests"))
		return nil
	}
	return behave(d)
}

func (a *fakeAgent) set(f func(d *deliver.Delivery) error) {
	a.mu.Lock()
	a.behave = f
	a.mu.Unlock()
}

func (a *fakeAgent) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

func (a *fakeAgent) noticeList() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.notices...)
}

// harness is a queue directory with a running Manager, a fake smtp agent
// on a UNIX socket and the real bounce service posting through cleanup.
type harness struct {
	t      *testing.T
	dir    string
	layout *queue.Layout
	clk    *clock
	log    *logSink
	agent  *fakeAgent
	m      *Manager
	cancel context.CancelFunc
	done   chan struct{}
	cfg    *config.Config
}

func newHarness(t *testing.T, set func(*Settings), limits func(string) Limits) *harness {
	t.Helper()
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(dir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, dir: dir, layout: l, clk: &clock{}, log: &logSink{},
		agent: &fakeAgent{busy: map[string]int{}, maxBusy: map[string]int{}}}
	h.agent.behave = func(d *deliver.Delivery) error {
		d.BounceAll("none", deliver.Simple("5.0.0", "no behaviour set"))
		return nil
	}
	h.cfg = config.New(dir, nil)
	for k, v := range map[string]string{"queue_directory": dir, "myhostname": "mx.example.com",
		"mydomain": "example.com", "mydestination": "$myhostname", "compatibility_level": "3.6"} {
		h.cfg.Set(k, v)
	}
	h.serveAgent("smtp")
	s, err := SettingsFromConfig(h.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(&s)
	}
	if limits == nil {
		limits = func(tr string) Limits { l, _ := LimitsFromConfig(h.cfg, tr, 0, nil); return l }
	}
	h.m = New(s, Deps{Layout: l, Limits: limits, Resolver: testResolver{},
		Agent:    &deliver.Client{QueueDir: dir, IPCTimeout: 5 * time.Second},
		Notifier: h.bounceService(), Log: h.log, Now: h.clk.now})
	return h
}

func (h *harness) bounceService() *bounce.Service {
	bs, err := bounce.SettingsFromConfig(h.cfg, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := cleanup.New(h.cfg, cleanup.Options{Layout: h.layout, Now: h.clk.now,
		Wake: func() { h.m.Trigger([]byte("W")) },
		Logf: func(level, f string, a ...any) {
			if level == "warning" {
				h.log.Warn(f, a...)
			} else {
				h.log.Info(f, a...)
			}
		}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return bounce.New(bs, &bounce.CleanupPoster{C: c}, h.log, h.clk.now)
}

func (h *harness) serveAgent(transport string) {
	ln, err := net.Listen("unix", filepath.Join(h.dir, "private", transport))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { ln.Close() })
	env := &deliver.Env{Layout: h.layout, DelayRes: 2, IPCTimeout: 5 * time.Second,
		DaemonTimeout: time.Minute, Info: h.log.Info, Warn: h.log.Warn, Now: h.clk.now}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				deliver.Serve(context.Background(), c, env, h.agent)
			}()
		}
	}()
}

// start runs the manager until the test ends.
func (h *harness) start() {
	if err := h.m.Start(); err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		h.m.Run(ctx)
		close(h.done)
	}()
	h.t.Cleanup(h.stop)
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Error("manager did not stop")
	}
	h.cancel = nil
}

// inject writes a message into incoming directly (as cleanup would).
func (h *harness) inject(sender string, rcpts ...string) string {
	h.t.Helper()
	w, err := h.layout.Create()
	if err != nil {
		h.t.Fatal(err)
	}
	w.SetSender(sender)
	for _, r := range rcpts {
		if err := w.AddRecipient(queue.Recipient{Address: r, ORCPT: "rfc822;" + r}); err != nil {
			h.t.Fatal(err)
		}
	}
	fmt.Fprintf(w, "From: %s\nTo: %s\nSubject: test\nMessage-Id: <test@example.org>\n\nbody line\n", sender, rcpts[0])
	if err := w.Commit(queue.Incoming); err != nil {
		h.t.Fatal(err)
	}
	return w.ID()
}

// waitFor polls cond for up to 20 seconds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; log:\n%s", what, h.log.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) waitLog(sub string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("log %q", sub), func() bool { return h.log.has(sub) })
}

func (h *harness) exists(q, id string) bool {
	_, err := os.Stat(h.layout.Path(q, id))
	return err == nil
}

func (h *harness) readLog(q, id string) string {
	b, _ := os.ReadFile(h.layout.Path(q, id))
	return string(b)
}

// testResolver sends everything to smtp:domain; local domain
// mx.example.com goes to local.
type testResolver struct{}

func (testResolver) Resolve(sender, addr string) resolve.Result {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return resolve.Result{Flags: resolve.FlagError}
	}
	domain := strings.ToLower(addr[at+1:])
	if domain == "mx.example.com" {
		return resolve.Result{Transport: "local", Nexthop: domain, Recipient: addr, Flags: resolve.ClassLocal}
	}
	if domain == "fail.example" {
		return resolve.Result{Flags: resolve.FlagFail}
	}
	return resolve.Result{Transport: "smtp", Nexthop: domain, Recipient: addr, Flags: resolve.ClassDefault}
}

// noticeParts splits a notice at its MIME boundary.
func noticeParts(t *testing.T, msg string) []string {
	t.Helper()
	i := strings.Index(msg, "boundary=\"")
	if i < 0 {
		t.Fatalf("no boundary in notice:\n%s", msg)
	}
	b := msg[i+len("boundary=\""):]
	b = b[:strings.IndexByte(b, '"')]
	parts := strings.Split(msg, "\n--"+b)
	if !bytes.HasPrefix([]byte(parts[len(parts)-1]), []byte("--")) {
		t.Fatalf("notice does not end with the closing boundary:\n%s", msg)
	}
	return parts
}
