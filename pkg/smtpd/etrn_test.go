package smtpd

import (
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/pkg/flush"
)

// fakeFlush answers SendSite with a status per site.
type fakeFlush struct {
	mu    sync.Mutex
	sites []string
	st    map[string]int
}

func (f *fakeFlush) SendSite(site string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sites = append(f.sites, site)
	return f.st[site], nil
}

// TestEtrnFlushService: ETRN asks the flush service for a domain in
// fast_flush_domains and answers with smtpd.c's reply for its status;
// other domains are refused without asking.
func TestEtrnFlushService(t *testing.T) {
	ff := &fakeFlush{st: map[string]int{"ok.example": flush.StatOK, "bad.example": flush.StatBad,
		"down.example": flush.StatFail, "deny.example": flush.StatDeny}}
	ts := startServer(t, map[string]string{"fast_flush_domains": "ok.example bad.example down.example deny.example"},
		func(d *Deps) { d.Flush = ff })
	c := ts.dial(t)
	c.reply()
	c.expect("HELO c.example", "250 mx.example.com")
	c.expect("ETRN ok.example", "250 Queuing started")
	c.expect("ETRN @bad.example", "458 Unable to queue messages")
	c.expect("ETRN down.example", "458 Unable to queue messages")
	c.expect("ETRN deny.example", "459 <deny.example>: service unavailable")
	c.expect("ETRN other.example", "459 <other.example>: service unavailable")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	if got := strings.Join(ff.sites, " "); got != "ok.example bad.example down.example deny.example" {
		t.Errorf("flush requests: %s", got)
	}
	ts.log.has(t, "warning: bad ETRN bad.example... from unknown[127.0.0.1]")
	ts.log.has(t, "warning: unable to talk to fast flush service")
	ts.log.has(t, "warning: reject: ETRN other.example... from unknown[127.0.0.1]")
}
