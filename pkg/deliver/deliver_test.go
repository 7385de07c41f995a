package deliver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// testQueue makes a queue tree and one active message with rcpts.
func testQueue(t *testing.T, rcpts ...string) (*queue.Layout, *Request) {
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
	w.SetSender("sender@example.org")
	for _, r := range rcpts {
		if err := w.AddRecipient(queue.Recipient{Address: r}); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(w, "Subject: test\n\nbody\n")
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
	req := &Request{Flags: FlagDefault, QueueName: queue.Active, QueueID: w.ID(),
		Transport: "test", Nexthop: "example.com", Sender: env.Sender,
		ArrivalTime: env.Arrival, ActiveTime: env.Arrival}
	for i, r := range env.Recipients {
		req.Recipients = append(req.Recipients, Recipient{Address: r.Address, Index: i, Offset: r.Offset})
	}
	return l, req
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) add(prefix string) func(string, ...any) {
	return func(f string, a ...any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lines = append(s.lines, prefix+fmt.Sprintf(f, a...))
	}
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

func testEnv(l *queue.Layout, sink *logSink) *Env {
	return &Env{Layout: l, DelayRes: 2, IPCTimeout: 5 * time.Second,
		DaemonTimeout: time.Minute, Info: sink.add(""), Warn: sink.add("warning: ")}
}

// serveOnce runs a server on private/test for a client that opens a
// connection per request.
func serveOnce(t *testing.T, env *Env, agent Agent) *Client {
	t.Helper()
	c, _ := serveKeep(t, env, agent)
	c.Keep = false
	return c
}

func TestDeliverPerRecipient(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com", "d@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	agent := AgentFunc(func(ctx context.Context, d *Delivery) error {
		relay := "mx.example.com[192.0.2.1]:25"
		d.Record(
			Outcome{Rcpt: 0, Status: Sent, Relay: relay, DSN: Simple("2.0.0", "250 2.0.0 Ok")},
			Outcome{Rcpt: 1, Status: Bounced, Relay: relay, DSN: DSN{Status: "5.1.1",
				Reason: "host x said: 550 5.1.1 no", DiagType: "smtp", DiagText: "550 5.1.1 no"}},
			Outcome{Rcpt: 2, Status: Deferred, Relay: relay, DSN: Simple("4.2.0", "try later")},
		)
		return nil // d@ gets no outcome: deferred by Handle
	})
	c := serveOnce(t, env, agent)
	reply, err := c.Deliver(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{Sent, Bounced, Deferred, Deferred}
	for i, res := range reply.Results {
		if res.Status != want[i] || res.Index != i {
			t.Errorf("result %d: %+v", i, res)
		}
	}
	if !reply.Pending() || reply.Results[3].DSN != "4.3.0" {
		t.Errorf("reply %+v", reply)
	}
	f, err := queue.Open(l.Path(queue.Active, req.QueueID), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Pending(); fmt.Sprint(got) != "[2 3]" {
		t.Errorf("pending in queue file: %v", got)
	}
	checkLog(t, l, queue.Bounce, req.QueueID, "b@example.com", "5.1.1", "failed")
	recs, _ := l.ReadLog(queue.Defer, req.QueueID)
	if len(recs) != 2 || recs[0].Status != "4.2.0" || recs[1].Reason != "unknown mail transport error" {
		t.Errorf("defer log %+v", recs)
	}
	log := sink.text()
	for _, w := range []string{
		req.QueueID + ": to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=",
		"dsn=2.0.0, status=sent (250 2.0.0 Ok)",
		"dsn=5.1.1, status=bounced (host x said: 550 5.1.1 no)",
		"dsn=4.2.0, status=deferred (try later)",
		"to=<d@example.com>, relay=none",
	} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
}

func checkLog(t *testing.T, l *queue.Layout, q, id, rcpt, status, action string) {
	t.Helper()
	recs, err := l.ReadLog(q, id)
	if err != nil || len(recs) != 1 || recs[0].Recipient != rcpt || recs[0].Status != status || recs[0].Action != action {
		t.Errorf("%s log: %+v %v", q, recs, err)
	}
}

func TestSoftBounce(t *testing.T) {
	l, req := testQueue(t, "a@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	env.SoftBounce = true
	reply := Handle(context.Background(), req, env, AgentFunc(func(ctx context.Context, d *Delivery) error {
		d.Bounce(0, "none", Simple("5.1.1", "User unknown"))
		return nil
	}))
	if reply.Results[0].Status != Deferred || reply.Results[0].DSN != "4.1.1" {
		t.Errorf("%+v", reply.Results[0])
	}
	if !strings.Contains(sink.text(), "dsn=4.1.1, status=SOFTBOUNCE (User unknown)") {
		t.Error(sink.text())
	}
	checkLog(t, l, queue.Defer, req.QueueID, "a@example.com", "4.1.1", "delayed")
}

func TestStaleRequest(t *testing.T) {
	l, req := testQueue(t, "a@example.com")
	sink := &logSink{}
	req.Recipients[0].Offset++
	called := false
	reply := Handle(context.Background(), req, testEnv(l, sink), AgentFunc(func(context.Context, *Delivery) error {
		called = true
		return nil
	}))
	if called || reply.Results[0].Status != Deferred {
		t.Errorf("called=%v reply=%+v", called, reply)
	}
	if !strings.Contains(sink.text(), "does not match the queue file") {
		t.Error(sink.text())
	}
}

// TestUserVerify: sendmail -bv recipients are reported in the trace log
// only, and every one whose trace record is written is finished: marked
// done, Sent or Bounced for qmgr (a deferral too), so that the message
// leaves the queue.
func TestUserVerify(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
	sink := &logSink{}
	req.Flags = FlagDefault | FlagUserVerify
	reply := Handle(context.Background(), req, testEnv(l, sink), AgentFunc(func(ctx context.Context, d *Delivery) error {
		d.Sent(0, "local", Simple("2.0.0", "delivers to mailbox"))
		d.Bounce(1, "local", Simple("5.1.1", "unknown user"))
		d.Defer(2, "none", Simple("4.4.1", "connection refused"))
		return nil
	}))
	log := sink.text()
	for _, w := range []string{"status=deliverable (delivers to mailbox)",
		"dsn=5.1.1, status=undeliverable (unknown user)", "dsn=4.4.1, status=undeliverable (connection refused)"} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
	recs, _ := l.ReadLog(queue.Trace, req.QueueID)
	if len(recs) != 3 || recs[0].Action != "deliverable" || recs[1].Action != "undeliverable" ||
		recs[2].Action != "undeliverable" || recs[2].Status != "4.4.1" {
		t.Errorf("trace %+v", recs)
	}
	for _, q := range []string{queue.Bounce, queue.Defer} {
		if b, _ := l.ReadLog(q, req.QueueID); len(b) != 0 {
			t.Errorf("probe wrote a %s log: %+v", q, b)
		}
	}
	if reply.Pending() || reply.Results[0].Status != Sent || reply.Results[2].Status != Bounced {
		t.Errorf("reply %+v", reply.Results)
	}
	env, err := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range env.Recipients {
		if !r.Done {
			t.Errorf("recipient %d not done", i)
		}
	}
}

func TestWireRoundTrip(t *testing.T) {
	req := &Request{Flags: FlagDefault, QueueName: "active", QueueID: "ABC", Transport: "smtp",
		Nexthop: "[mx]:25", Sender: "", ArrivalTime: time.UnixMicro(1700000000123456),
		Recipients: []Recipient{{Address: "a@b", OrigAddress: "x@y", Index: 3, Offset: 99, Notify: 6, ORCPT: "rfc822;x@y"},
			{Address: "c@d", Index: 4, Offset: -1}}}
	got, err := decodeRequest(encodeRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", req) {
		t.Errorf("got %+v\nwant %+v", got, req)
	}
	rep := &Reply{Results: []Result{{Index: 3, Status: Bounced, DSN: "5.0.0", Reason: "r", Relay: "none"}},
		HopStatus: "4.4.1", HopReason: "connect"}
	got2, err := decodeReply(encodeReply(rep))
	if err != nil || fmt.Sprintf("%+v", got2) != fmt.Sprintf("%+v", rep) {
		t.Errorf("reply %+v %v", got2, err)
	}
	bad := encodeRequest(req)
	bad = append(bad[:3], bad[4:]...)
	if _, err := decodeRequest(bad); err == nil {
		t.Error("missing attribute accepted")
	}
}

func TestFormatDelay(t *testing.T) {
	cases := map[time.Duration]string{
		0: "0", 4 * time.Millisecond: "0", 5 * time.Millisecond: "0.01",
		123 * time.Millisecond: "0.12", 999 * time.Millisecond: "1",
		1040 * time.Millisecond: "1", 1230 * time.Millisecond: "1.2",
		9990 * time.Millisecond: "10", 12300 * time.Millisecond: "12",
		123400 * time.Millisecond: "123", 50 * time.Millisecond: "0.05",
		30 * time.Second: "30", 1500 * time.Microsecond: "0",
	}
	for d, want := range cases {
		if got := FormatDelay(d, 2); got != want {
			t.Errorf("%v: got %s want %s", d, got, want)
		}
	}
	if got := FormatDelay(1234*time.Microsecond, 6); got != "0.0012" {
		t.Errorf("resolution 6: %s", got)
	}
}

func TestLogLine(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	st := Stats{Arrival: t0, Active: t0.Add(50 * time.Millisecond), Handoff: t0.Add(60 * time.Millisecond),
		ConnSetup: t0.Add(680 * time.Millisecond), Done: t0.Add(1200 * time.Millisecond), ReuseCount: 1}
	got := LogLine("3F2A81C2E5", st, Recipient{Address: "bob@example.net", OrigAddress: "Bob@Example.net"},
		"mx.example.net[198.51.100.5]:25", Simple("2.0.0", "250 2.0.0 Ok: queued as 9B8A7C6D5E"), "sent", 2, time.Time{})
	want := "3F2A81C2E5: to=<bob@example.net>, relay=mx.example.net[198.51.100.5]:25, conn_use=2, delay=1.2, delays=0.05/0.01/0.62/0.52, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9B8A7C6D5E)"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestErrorRetryDiscard(t *testing.T) {
	for _, c := range []struct {
		service, nexthop, want, relay, line string
	}{
		{"error", "5.1.1 User unknown in virtual alias table", "bounced",
			"relay=none, delay=", "dsn=5.1.1, status=bounced (User unknown in virtual alias table)"},
		{"error", "mail for this domain is not accepted", "bounced", "relay=none", "dsn=5.0.0, status=bounced (mail for this domain is not accepted)"},
		{"retry", "4.3.2 try later", "deferred", "relay=none", "dsn=4.3.2, status=deferred (try later)"},
		{"discard", "silently dropped", "sent", "relay=none", "dsn=2.0.0, status=sent (silently dropped)"},
	} {
		l, req := testQueue(t, "a@example.com")
		sink := &logSink{}
		req.Nexthop = c.nexthop
		var agent Agent
		if c.service == "discard" {
			agent = DiscardAgent()
		} else {
			var err error
			if agent, err = ErrorAgent(c.service); err != nil {
				t.Fatal(err)
			}
		}
		reply := Handle(context.Background(), req, testEnv(l, sink), agent)
		if reply.Results[0].Status.String() != c.want {
			t.Errorf("%s: %+v", c.service, reply.Results[0])
		}
		for _, w := range []string{c.relay, c.line} {
			if !strings.Contains(sink.text(), w) {
				t.Errorf("%s: log lacks %q: %s", c.service, w, sink.text())
			}
		}
		f, _ := queue.Open(l.Path(queue.Active, req.QueueID), false)
		if done := len(f.Pending()) == 0; done != (c.want != "deferred") {
			t.Errorf("%s: done=%v", c.service, done)
		}
		f.Close()
	}
	if _, err := ErrorAgent("other"); err == nil {
		t.Error("bad error service name accepted")
	}
}

func TestParamsAreRegistered(t *testing.T) {
	for _, p := range Params {
		if _, ok := config.LookupParam(p); !ok {
			t.Errorf("unknown parameter %s", p)
		}
	}
}
