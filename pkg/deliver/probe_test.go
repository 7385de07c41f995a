package deliver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

// fakeVerify records verify(8) updates.
type fakeVerify struct {
	mu      sync.Mutex
	updates []string
	fail    bool
}

func (f *fakeVerify) Update(addr string, status int, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("problem talking to service verify: connection refused")
	}
	f.updates = append(f.updates, fmt.Sprintf("%s %d %s", addr, status, reason))
	return nil
}

// fakeFlush records flush_add calls.
type fakeFlush struct{ calls []string }

func (f *fakeFlush) Deferred(id, rcpt string, warn func(string, ...any)) {
	f.calls = append(f.calls, id+" "+rcpt)
}

func probeRun(t *testing.T, env *Env, req *Request) *Reply {
	t.Helper()
	req.Flags = FlagDefault | FlagMTAVerify
	return Handle(context.Background(), req, env, AgentFunc(func(ctx context.Context, d *Delivery) error {
		if !d.Verify() {
			t.Error("probe not seen as a probe")
		}
		d.Sent(0, "local", Simple("2.0.0", "delivers to mailbox"))
		d.Defer(1, "none", Simple("4.4.1", "connection refused"))
		d.Bounce(2, "local", Simple("5.1.1", "unknown user: \"c\""))
		return nil
	}))
}

// TestMTAVerifyProbe: a verify(8) probe runs the agent; each outcome
// goes to the verify service (0 deliverable, 1 deferred, 2 bounced),
// is logged as deliverable/undeliverable, and finishes the recipient
// (marked done, not pending for qmgr); no bounce, defer or trace log.
func TestMTAVerifyProbe(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
	req.Recipients[0].OrigAddress = "alias@example.com"
	sink := &logSink{}
	env := testEnv(l, sink)
	vf, ff := &fakeVerify{}, &fakeFlush{}
	env.Verify, env.VerifyNegCache, env.Flush = vf, true, ff
	reply := probeRun(t, env, req)
	want := []string{"alias@example.com 0 delivers to mailbox", "a@example.com 0 delivers to mailbox",
		"b@example.com 1 connection refused", "c@example.com 2 unknown user: \"c\""}
	if strings.Join(vf.updates, "\n") != strings.Join(want, "\n") {
		t.Errorf("updates:\n%s", strings.Join(vf.updates, "\n"))
	}
	log := sink.text()
	for _, w := range []string{"to=<a@example.com>, orig_to=<alias@example.com>, relay=local, ",
		"dsn=2.0.0, status=deliverable (delivers to mailbox)",
		"dsn=4.4.1, status=undeliverable (connection refused)",
		"dsn=5.1.1, status=undeliverable (unknown user: \"c\")"} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
	if reply.Pending() || reply.Results[0].Status != Sent || reply.Results[1].Status != Bounced {
		t.Errorf("reply %+v", reply.Results)
	}
	env2, err := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range env2.Recipients {
		if !r.Done {
			t.Errorf("recipient %d not done", i)
		}
	}
	for _, q := range []string{queue.Bounce, queue.Defer, queue.Trace} {
		if recs, _ := l.ReadLog(q, req.QueueID); len(recs) != 0 {
			t.Errorf("probe wrote a %s log: %+v", q, recs)
		}
	}
	if len(ff.calls) != 0 {
		t.Errorf("probe deferral told the flush service: %v", ff.calls)
	}
}

// TestMTAVerifyNoNegativeCache: address_verify_negative_cache = no
// stores only deliverable outcomes, logging the others as
// undeliverable-but-not-cached.
func TestMTAVerifyNoNegativeCache(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	vf := &fakeVerify{}
	env.Verify = vf
	reply := probeRun(t, env, req)
	if len(vf.updates) != 1 || !strings.HasPrefix(vf.updates[0], "a@example.com 0 ") {
		t.Errorf("updates %v", vf.updates)
	}
	if n := strings.Count(sink.text(), "status=undeliverable-but-not-cached ("); n != 2 || reply.Pending() {
		t.Errorf("pending %v, log:\n%s", reply.Pending(), sink.text())
	}
}

// TestMTAVerifyServiceFailure: when the verify service cannot be told,
// the recipient is deferred and not marked, without a log line, and
// Postfix's warning is logged.
func TestMTAVerifyServiceFailure(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	env.Verify, env.VerifyNegCache = &fakeVerify{fail: true}, true
	reply := probeRun(t, env, req)
	log := sink.text()
	if !reply.Pending() || strings.Contains(log, "to=<") ||
		!strings.Contains(log, "warning: "+req.QueueID+": verify service failure") {
		t.Errorf("reply %+v, log:\n%s", reply.Results, log)
	}
	env2, _ := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
	if env2.Recipients[0].Done {
		t.Error("recipient marked done without a verify update")
	}
}

// TestFlushOnDefer: each deferred recipient is reported to the fast
// flush service after its log line (defer.c); sent, bounced and
// soft-bounced ones are not.
func TestFlushOnDefer(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.net", "c@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	ff := &fakeFlush{}
	env.Flush, env.SoftBounce = ff, true
	Handle(context.Background(), req, env, AgentFunc(func(ctx context.Context, d *Delivery) error {
		d.Sent(0, "local", Simple("2.0.0", "ok"))
		d.Defer(1, "none", Simple("4.4.1", "connection refused"))
		d.Bounce(2, "none", Simple("5.1.1", "no"))
		return nil
	}))
	if len(ff.calls) != 1 || ff.calls[0] != req.QueueID+" b@example.net" {
		t.Errorf("flush calls %v", ff.calls)
	}
}
