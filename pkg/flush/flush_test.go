package flush

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
)

type listMatcher []string

func (l listMatcher) Match(name string) (bool, error) {
	for _, d := range l {
		if strings.EqualFold(d, name) {
			return true, nil
		}
	}
	return false, nil
}

type fixture struct {
	t       *testing.T
	svc     *Service
	client  *Client
	mu      sync.Mutex
	trigged []string
	warns   []string
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	layout, err := queue.NewLayoutFrom(dir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := layout.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t}
	f.svc = &Service{Layout: layout, Domains: listMatcher{"example.net", "bücher.example"},
		RefreshTime: 12 * time.Hour, PurgeTime: 7 * 24 * time.Hour, IPCTimeout: 5 * time.Second,
		Trigger: func(req string) { f.mu.Lock(); f.trigged = append(f.trigged, req); f.mu.Unlock() },
		Warn: func(format string, args ...any) {
			f.mu.Lock()
			f.warns = append(f.warns, format)
			f.mu.Unlock()
		}}
	sock := filepath.Join(dir, "public", "flush")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.svc.Serve(c)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	f.client = &Client{Path: sock, Timeout: 5 * time.Second}
	return f
}

// queueMessage creates a complete queue file in q.
func (f *fixture) queueMessage(q, id string) string {
	p := f.svc.Layout.Path(q, id)
	os.MkdirAll(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, []byte("x"), 0o700); err != nil {
		f.t.Fatal(err)
	}
	os.Chmod(p, 0o700)
	old := time.Now().Add(time.Hour)
	os.Chtimes(p, old, old) // not due yet, as qmgr leaves a deferred file
	return p
}

func (f *fixture) triggers() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.trigged, ",")
}

func TestAddAndSendSite(t *testing.T) {
	f := newFixture(t)
	f.queueMessage(queue.Deferred, "3F2A81C2E5")
	f.queueMessage(queue.Deferred, "4C1D2E3F4A")
	for _, id := range []string{"3F2A81C2E5", "4C1D2E3F4A", "3F2A81C2E5"} {
		if st, err := f.client.Add("Example.NET", id); st != StatOK || err != nil {
			t.Fatalf("add %s: %d %v", id, st, err)
		}
	}
	log := filepath.Join(f.svc.Layout.Dir, "flush", "example_net")
	data, err := os.ReadFile(log)
	if err != nil || string(data) != "3F2A81C2E5\n4C1D2E3F4A\n3F2A81C2E5\n" {
		t.Fatalf("log: %q %v", data, err)
	}
	if st, err := f.client.SendSite("example.net"); st != StatOK || err != nil {
		t.Fatalf("send_site: %d %v", st, err)
	}
	for _, id := range []string{"3F2A81C2E5", "4C1D2E3F4A"} {
		st, err := os.Stat(f.svc.Layout.Path(queue.Incoming, id))
		if err != nil {
			t.Fatalf("%s not in incoming: %v", id, err)
		}
		if st.ModTime().After(time.Now().Add(time.Minute)) {
			t.Errorf("%s: time stamp not reset: %v", id, st.ModTime())
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v (send_site does not set g+r)", id, st.Mode())
		}
	}
	if data, _ := os.ReadFile(log); len(data) != 0 {
		t.Errorf("log not truncated: %q", data)
	}
	if got := f.triggers(); got != "F,I" {
		t.Errorf("triggers %q, want F,I", got)
	}
}

func TestSendFileSetsUnthrottle(t *testing.T) {
	f := newFixture(t)
	f.queueMessage(queue.Deferred, "ABCDEF1234")
	if st, err := f.client.SendFile("ABCDEF1234"); st != StatOK || err != nil {
		t.Fatalf("send_file: %d %v", st, err)
	}
	st, err := os.Stat(f.svc.Layout.Path(queue.Incoming, "ABCDEF1234"))
	if err != nil || st.Mode().Perm() != 0o740 {
		t.Fatalf("incoming file: %v %v", st, err)
	}
	if got := f.triggers(); got != "I" {
		t.Errorf("triggers %q, want I", got)
	}
	// A message that is not queued: success, nothing to trigger.
	if st, err := f.client.SendFile("ABCDEF9999"); st != StatOK || err != nil {
		t.Fatalf("send_file missing: %d %v", st, err)
	}
	if got := f.triggers(); got != "I" {
		t.Errorf("triggers %q after a missing file", got)
	}
	if st, _ := f.client.SendFile("bad/id"); st != StatBad {
		t.Errorf("bad queue id: status %d", st)
	}
}

func TestDeferred(t *testing.T) {
	f := newFixture(t)
	var warns []string
	warn := func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) }
	f.client.Deferred("AAAA1", "joe@example.net", warn)
	f.client.Deferred("AAAA2", "joe@example.org", warn) // not eligible: no warning
	f.client.Deferred("AAAA3", "nodomain", warn)
	data, _ := os.ReadFile(filepath.Join(f.svc.Layout.Dir, "flush", "example_net"))
	if string(data) != "AAAA1\n" || len(warns) != 0 {
		t.Errorf("log %q, warnings %q", data, warns)
	}
	broken := &Client{Path: filepath.Join(t.TempDir(), "nothing"), Timeout: time.Second}
	broken.Deferred("AAAA4", "joe@example.net", warn)
	if len(warns) != 1 || warns[0] != "AAAA4: flush service failure" {
		t.Errorf("warnings %q", warns)
	}
}

func TestDeny(t *testing.T) {
	f := newFixture(t)
	f.client.Domains = listMatcher{"example.net"}
	if st, err := f.client.SendSite("example.org"); st != StatDeny || err != nil {
		t.Errorf("client-side deny: %d %v", st, err)
	}
	f.client.Domains = nil
	if st, err := f.client.SendSite("example.org"); st != StatDeny || err != nil {
		t.Errorf("server-side deny: %d %v", st, err)
	}
	if st, err := f.client.Add("example.org", "ABC"); st != StatDeny || err != nil {
		t.Errorf("server-side add deny: %d %v", st, err)
	}
}

func TestRefreshByWakeup(t *testing.T) {
	f := newFixture(t)
	f.queueMessage(queue.Deferred, "AAAAA11111")
	f.client.Add("example.net", "AAAAA11111")
	logDir := filepath.Join(f.svc.Layout.Dir, "flush")
	stale := time.Now().Add(-13 * time.Hour)
	os.Chtimes(filepath.Join(logDir, "example_net"), stale, stale)
	empty := filepath.Join(logDir, "old_example")
	os.WriteFile(empty, nil, 0o600)
	ancient := time.Now().Add(-8 * 24 * time.Hour)
	os.Chtimes(empty, ancient, ancient)
	// The master's wakeup: "W", no announcement read, no reply wanted.
	c, err := net.Dial("unix", f.client.Path)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("W"))
	c.(*net.UnixConn).CloseWrite()
	r := attr.NewReader(c, attr.Null)
	r.Read() // announcement
	reply, err := r.Read()
	c.Close()
	if v, _ := reply.Get(AttrStatus); err != nil || v != "0" {
		t.Fatalf("wakeup reply %v %v", reply, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, errIn := os.Stat(f.svc.Layout.Path(queue.Incoming, "AAAAA11111"))
		_, errEmpty := os.Stat(empty)
		if errIn == nil && os.IsNotExist(errEmpty) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refresh did not happen: %v %v", errIn, errEmpty)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSitePath(t *testing.T) {
	for in, want := range map[string]string{
		"Example.NET":        "example_net",
		"[192.0.2.1]":        "_192_0_2_1_",
		"bücher.example":     "xn__bcher_kva_example",
		"münchen.DE":         "xn__mnchen_3ya_de",
		"[IPv6:2001:db8::1]": "_ipv6_2001_db8__1_",
	} {
		got, ok := sitePath(in)
		if !ok || got != want {
			t.Errorf("sitePath(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestStatusWire(t *testing.T) {
	if FormatStatus(StatFail) != "4294967295" {
		t.Errorf("FormatStatus(-1) = %s", FormatStatus(StatFail))
	}
	if n, err := ParseStatus("4294967295"); n != -1 || err != nil {
		t.Errorf("ParseStatus: %d %v", n, err)
	}
}
