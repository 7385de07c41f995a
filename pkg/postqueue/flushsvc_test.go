package postqueue

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/flush"
	"github.com/postern/postern/pkg/queue"
)

type siteList []string

func (l siteList) Match(name string) (bool, error) {
	for _, s := range l {
		if s == name {
			return true, nil
		}
	}
	return false, nil
}

// serveFlush runs Postern's flush service (which announces Postfix's
// queue_flush_protocol) on public/flush and returns the qmgr triggers
// it sent.
func serveFlush(t *testing.T, l *queue.Layout) func() []string {
	t.Helper()
	var mu sync.Mutex
	var trig []string
	svc := &flush.Service{Layout: l, Domains: siteList{"example.net"}, RefreshTime: time.Hour,
		PurgeTime: time.Hour, IPCTimeout: 5 * time.Second, Now: time.Now,
		Trigger: func(req string) { mu.Lock(); trig = append(trig, req); mu.Unlock() },
		Warn:    func(format string, args ...any) { t.Errorf("flush: "+format, args...) }}
	ln, err := net.Listen("unix", filepath.Join(l.Dir, "public", "flush"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			svc.Serve(c)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), trig...) }
}

// TestFlushFileAndSiteWithFlushService: postqueue -i and -s against the
// flush service (TestStockFlush does the same under a master).
func TestFlushFileAndSiteWithFlushService(t *testing.T) {
	dir, l := testConfig(t, "fast_flush_domains = example.net")
	triggers := serveFlush(t, l)
	const id = "ABCDEF123"
	p := l.Path(queue.Deferred, id)
	os.MkdirAll(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, []byte("x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, errs, st := runAs(t, 0, "-c", dir, "-i", id); st != 0 || errs != "" {
		t.Fatalf("postqueue -i: status %d, stderr %q", st, errs)
	}
	if _, err := os.Stat(l.Path(queue.Incoming, id)); err != nil {
		t.Errorf("postqueue -i did not requeue %s: %v", id, err)
	}
	if _, errs, st := runAs(t, 0, "-c", dir, "-s", "example.net"); st != 0 || errs != "" {
		t.Fatalf("postqueue -s: status %d, stderr %q", st, errs)
	}
	if got := triggers(); len(got) == 0 {
		t.Errorf("no qmgr trigger from the flush service")
	}
}
