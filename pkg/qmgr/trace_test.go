package qmgr

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// injectTraced writes a message with a trace_flags attribute.
func (h *harness) injectTraced(flags int, sender string, rcpts ...string) string {
	h.t.Helper()
	w, err := h.layout.Create()
	if err != nil {
		h.t.Fatal(err)
	}
	w.AddAttr(queue.AttrTraceFlags, fmt.Sprint(flags))
	w.SetSender(sender)
	for _, r := range rcpts {
		w.AddRecipient(queue.Recipient{Address: r})
	}
	fmt.Fprintf(w, "From: %s\nSubject: traced\n\nbody line\n", sender)
	if err := w.Commit(queue.Incoming); err != nil {
		h.t.Fatal(err)
	}
	return w.ID()
}

// TestSendmailVerboseReport: with trace_flags=1024 (sendmail -v) every
// request carries DEL_REQ_FLAG_RECORD; the agents' trace records become
// the Mail Delivery Status Report to the sender, and the report is sent
// only once: the attribute is killed, so a deferred recipient's later
// attempt goes without the flag.
func TestSendmailVerboseReport(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(func(d *deliver.Delivery) error {
		for _, i := range d.Pending() {
			if strings.HasPrefix(d.Req.Recipients[i].Address, "later") {
				d.Defer(i, "none", deliver.Simple("4.4.1", "connect to mx.example.net[192.0.2.25]:25: Connection refused"))
			} else {
				d.Sent(i, "mx.example.net[192.0.2.25]:25", deliver.Simple("2.0.0", "250 2.0.0 Ok: queued as 4711"))
			}
		}
		return nil
	})
	h.start()
	id := h.injectTraced(1024, "alice@example.org", "bob@example.net", "later@example.org")
	h.m.Trigger([]byte("W"))
	h.waitFor("deferred", func() bool { return h.exists(queue.Deferred, id) })
	h.waitLog(id + ": sender delivery status notification: ")
	h.agent.mu.Lock()
	reqs := append([]*deliver.Request(nil), h.agent.requests...)
	h.agent.mu.Unlock()
	for _, r := range reqs {
		if r.Flags&^deliver.FlagConnMask != deliver.FlagDefault|deliver.FlagRecord {
			t.Errorf("request flags %#x", r.Flags)
		}
	}
	h.waitFor("notice", func() bool { return len(h.agent.noticeList()) > 0 })
	n := h.agent.noticeList()[0]
	for _, want := range []string{"\nSubject: Mail Delivery Status Report\n", "\nTo: alice@example.org\n",
		"\n<bob@example.net>: 250 2.0.0 Ok: queued as 4711\n", "\nAction: delivered\nStatus: 2.0.0\n",
		"\n<later@example.org>: connect to mx.example.net[192.0.2.25]:25: Connection\n    refused\n"} {
		if !strings.Contains(n, want) {
			t.Errorf("report lacks %q:\n%s", want, n)
		}
	}
	if h.exists(queue.Trace, id) {
		t.Error("trace log kept after the report")
	}
	env, err := queue.ReadEnvelope(h.layout.Path(queue.Deferred, id))
	if err != nil || env.Attr(queue.AttrTraceFlags) != "" {
		t.Fatalf("trace_flags not killed: %v %v", err, env)
	}
	before := h.agent.count()
	h.agent.set(func(d *deliver.Delivery) error {
		// The connection cache flags depend on what else goes to
		// example.org at that moment (the report to alice@): only
		// the trace flags must be gone.
		if d.Req.Flags&^deliver.FlagConnMask != deliver.FlagDefault {
			t.Errorf("retry flags %#x", d.Req.Flags)
		}
		d.Sent(d.Pending()[0], "mx", deliver.Simple("2.0.0", "ok"))
		return nil
	})
	h.clk.advance(301 * time.Second)
	h.m.Trigger([]byte("D"))
	h.waitLog(id + ": removed")
	if h.agent.count() != before+1 || strings.Count(h.log.text(), id+": sender delivery status notification") != 1 {
		t.Errorf("retry: %d requests, log:\n%s", h.agent.count()-before, h.log.text())
	}
}

// verifyResolver records which personality resolved.
type verifyResolver struct {
	testResolver
	verify *atomic.Int32
}

func (v verifyResolver) ResolveVerify(sender, addr string) resolve.Result {
	v.verify.Add(1)
	return v.Resolve(sender, addr)
}

// TestProbeFlags: a verify(8) probe (trace_flags=256) is resolved with
// the verify personality and its requests carry DEL_REQ_FLAG_MTA_VRFY
// (other bits of the attribute are dropped); it sends no report (only
// -v and -bv do).
func TestProbeFlags(t *testing.T) {
	h := newHarness(t, nil, nil)
	var n atomic.Int32
	h.m.deps.Resolver = verifyResolver{verify: &n}
	h.start()
	id := h.injectTraced(256|1<<11, "double-bounce@mx.example.com", "bob@example.net")
	env, err := queue.ReadEnvelope(h.layout.Path(queue.Incoming, id))
	if err != nil {
		t.Fatal(err)
	}
	msg := &message{id: id, env: env, tflags: traceFlags(env)}
	r := h.m.newRequest(msg, []rcptRef{0}, "smtp", "example.net")
	if r.Flags != deliver.FlagDefault|deliver.FlagMTAVerify {
		t.Errorf("request flags %#x", r.Flags)
	}
	if r.QueueFile != "active/"+id { // relative: chrooted agents (TestStockChrootedAgents)
		t.Errorf("queue_file %q, want active/%s", r.QueueFile, id)
	}
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": to=<bob@example.net>")
	if n.Load() != 1 {
		t.Errorf("verify resolutions %d", n.Load())
	}
	if h.log.has(id + ": sender delivery status notification") {
		t.Errorf("probe reported:\n%s", h.log.text())
	}
}
