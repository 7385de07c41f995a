package verify

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type vfixture struct {
	svc    *Service
	clock  *clock
	mu     sync.Mutex
	probes []string
	logs   []string
	client *Client
}

func newService(t *testing.T, cache *Cache) *vfixture {
	f := &vfixture{clock: &clock{now: time.Unix(1_700_000_000, 0)}}
	f.svc = &Service{Cache: cache, PosExpire: 31 * 24 * time.Hour, PosRefresh: 7 * 24 * time.Hour,
		NegExpire: 3 * 24 * time.Hour, NegRefresh: 3 * time.Hour, NegCache: true,
		CleanupInterval: 12 * time.Hour, Timeout: 5 * time.Second, Now: f.clock.Now,
		Probe: func(addr string) error {
			f.mu.Lock()
			f.probes = append(f.probes, addr)
			f.mu.Unlock()
			return nil
		},
		Info: f.log("info"), Warn: f.log("warning")}
	sock := filepath.Join(t.TempDir(), "verify")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); f.svc.Serve(c) }()
		}
	}()
	f.client = &Client{Path: sock, Timeout: 5 * time.Second, Sleep: func(time.Duration) {}}
	t.Cleanup(func() { f.client.Close(); l.Close(); wg.Wait() })
	return f
}

func (f *vfixture) log(level string) func(string, ...any) {
	return func(format string, args ...any) {
		f.mu.Lock()
		f.logs = append(f.logs, level+": "+fmt.Sprintf(format, args...))
		f.mu.Unlock()
	}
}

func (f *vfixture) probeCount() int {
	// The probe runs after the reply; the next request on the same
	// connection is read only after it finished.
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.probes)
}

func mustQuery(t *testing.T, c *Client, addr string) Result {
	t.Helper()
	r, err := c.Query(addr)
	if err != nil {
		t.Fatalf("query %s: %v", addr, err)
	}
	return r
}

func TestQueryProbeUpdate(t *testing.T) {
	f := newService(t, NewMemoryCache("internal:verify"))
	c := f.client
	if r := mustQuery(t, c, "bob@example.net"); r.Status != RcptTodo || r.Reason != InProgress {
		t.Fatalf("first query: %+v", r)
	}
	mustQuery(t, c, "bob@example.net") // within PROBE_TTL: no second probe
	if n := f.probeCount(); n != 1 {
		t.Fatalf("%d probes, want 1", n)
	}
	if err := c.Update("bob@example.net", RcptOK, "delivers to mailbox"); err != nil {
		t.Fatal(err)
	}
	if r := mustQuery(t, c, "bob@example.net"); r.Status != RcptOK || r.Reason != "delivers to mailbox" {
		t.Fatalf("after update: %+v", r)
	}
	// A failed probe does not clobber a deliverable entry.
	c.Update("bob@example.net", RcptDefer, "connection refused")
	if r := mustQuery(t, c, "bob@example.net"); r.Status != RcptOK {
		t.Fatalf("deliverable entry replaced: %+v", r)
	}
	// After the positive refresh time a query probes again but still
	// answers from the cache.
	f.clock.add(8 * 24 * time.Hour)
	if r := mustQuery(t, c, "bob@example.net"); r.Status != RcptOK {
		t.Fatalf("refresh: %+v", r)
	}
	mustQuery(t, c, "bob@example.net")
	if n := f.probeCount(); n != 2 {
		t.Fatalf("%d probes after the refresh time, want 2", n)
	}
	// IPv6 literals: ":" is stored as "_".
	c.Update("u@[IPv6:2001:db8::1]", RcptBounce, "5.1.1 unknown\tuser")
	raw, _ := f.svc.Cache.Get("u@[IPv6_2001_db8__1]")
	if e, ok := parseEntry(raw); !ok || e.status != RcptBounce || e.text != "5.1.1 unknown?user" {
		t.Fatalf("IPv6 entry %q", raw)
	}
}

func TestNegativeCacheOff(t *testing.T) {
	f := newService(t, NewMemoryCache("internal:verify"))
	f.svc.NegCache = false
	mustQuery(t, f.client, "x@example.net")
	if f.svc.Cache.Len() != 0 {
		t.Fatalf("entry stored without negative caching")
	}
	f.client.Update("x@example.net", RcptBounce, "5.1.1 no")
	f.clock.add(4 * 24 * time.Hour)
	if r := mustQuery(t, f.client, "x@example.net"); r.Status != RcptTodo {
		t.Fatalf("expired negative entry: %+v", r)
	}
	if _, ok := f.svc.Cache.Get("x@example.net"); ok {
		t.Fatalf("expired entry kept without negative caching")
	}
}

func TestBadRequests(t *testing.T) {
	f := newService(t, NewMemoryCache("internal:verify"))
	if err := f.client.Update("a@b", 7, "x"); err == nil || !strings.Contains(err.Error(), "bad request") {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := f.client.call(attrList("request", "frob")); err == nil {
		t.Fatal("unknown request accepted")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := []string{"warning: bad recipient status 7 for recipient a@b", `warning: unrecognized request: "frob", ignored`}
	if strings.Join(f.logs, "|") != strings.Join(want, "|") {
		t.Errorf("logs %q", f.logs)
	}
}

func TestQueryPoll(t *testing.T) {
	f := newService(t, NewMemoryCache("internal:verify"))
	var sleeps int
	f.client.Sleep = func(time.Duration) {
		sleeps++
		if sleeps == 2 {
			f.svc.Cache.Put("p@example.net", entry{status: RcptOK, updated: f.clock.Now().Unix(), text: "ok"}.String())
		}
	}
	r, err := f.client.QueryPoll("p@example.net", 3, 3*time.Second)
	if err != nil || r.Status != RcptOK || sleeps != 2 {
		t.Fatalf("poll: %+v %v after %d sleeps", r, err, sleeps)
	}
}

func TestCacheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify_cache.db")
	c, err := OpenCache("btree:verify_cache", path, -1, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Put("a@example.net", "0:0:1700000000:ok")
	c.Put("tab\t%@example.net", "2:0:1700000000:line\nbreak")
	c.Put("gone@example.net", "1:0:1:x")
	c.Delete("gone@example.net")
	c.Close()
	// A torn last line is ignored.
	fh, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString("half@example.net\t0:0:17")
	fh.Close()
	c, err = OpenCache("btree:verify_cache", path, -1, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, _ := c.Get("tab\t%@example.net"); v != "2:0:1700000000:line\nbreak" {
		t.Errorf("escaped entry %q", v)
	}
	c.Put("after@example.net", "0:0:1:x") // not glued to the torn line
	if _, ok := c.Get("gone@example.net"); ok || c.Len() != 3 {
		t.Errorf("entries after reload: %d", c.Len())
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "half") || !strings.HasSuffix(string(data), "after@example.net\t0:0:1:x\n") {
		t.Errorf("torn line kept:\n%s", data)
	}
	if !strings.HasPrefix(string(data), cacheHeader+"\n") || !strings.Contains(string(data), "tab%09%25@example.net\t") {
		t.Errorf("file:\n%s", data)
	}
	// Compaction keeps the live entries.
	for i := 0; i < 1500; i++ {
		c.Put("churn@example.net", fmt.Sprintf("0:0:%d:x", i+1))
	}
	if c.file.lines > 1000 {
		t.Errorf("no compaction: %d lines", c.file.lines)
	}
	c.Close()
	c2, err := OpenCache("btree:verify_cache", path, -1, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if v, _ := c2.Get("churn@example.net"); v != "0:0:1500:x" || c2.Len() != 4 {
		t.Errorf("after compaction: %q, %d entries", v, c2.Len())
	}
}

func TestCacheFileNotOurs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify_cache.db")
	os.WriteFile(path, []byte("\x00\x06\x15\x61binary"), 0o600)
	if _, err := OpenCache("btree:x", path, -1, -1, nil); err == nil || !strings.Contains(err.Error(), "not a Postern verify cache") {
		t.Fatalf("foreign file: %v", err)
	}
}

func TestCleanup(t *testing.T) {
	f := newService(t, NewMemoryCache("btree:/var/lib/postfix/verify_cache"))
	now := f.clock.Now().Unix()
	f.svc.Cache.Put("fresh@example.net", entry{status: RcptOK, updated: now, text: "ok"}.String())
	f.svc.Cache.Put("old@example.net", entry{status: RcptBounce, updated: now - 4*86400, text: "no"}.String())
	f.svc.Cache.Put("probing@example.net", entry{status: RcptBounce, probed: now - 10, updated: now - 4*86400}.String())
	f.svc.Cache.Put("junk@example.net", "junk")
	if d := f.svc.Loop(); d != 12*time.Hour {
		t.Errorf("next cleanup in %v", d)
	}
	if f.svc.Cache.Len() != 3 { // fresh, probing and the time stamp
		t.Errorf("%d entries left", f.svc.Cache.Len())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.logs) != 1 || f.logs[0] != "info: cache btree:/var/lib/postfix/verify_cache full cleanup: retained=2 dropped=2 entries" {
		t.Errorf("logs %q", f.logs)
	}
}

func TestSender(t *testing.T) {
	p := &Prober{Sender: "double-bounce", SenderTTL: 3600 * time.Second,
		Now: func() time.Time { return time.Unix(1_700_000_000, 0) }}
	// 1700000000/3600 = 472222 = 15*31^3 + 26*31^2 + 11*31 + 30
	if got := p.sender(); got != "double-bounceHVCZ" {
		t.Errorf("sender with TTL: %q", got)
	}
	p.Sender = "probe@example.org"
	if got := p.sender(); got != "probeHVCZ@example.org" {
		t.Errorf("sender with domain: %q", got)
	}
	p.Sender, p.SenderTTL = "<>", 0
	if got := p.sender(); got != "" {
		t.Errorf("null sender: %q", got)
	}
	if CheckSender("@x") == nil || CheckSender("x@") == nil || CheckSender("a@b") != nil {
		t.Error("CheckSender")
	}
}
