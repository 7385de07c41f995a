package deliver

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

// TestRecordAsSettle: one queue recipient expanded to two destinations,
// each logged and recorded under its own address, then finished.
func TestRecordAsSettle(t *testing.T) {
	l, req := testQueue(t, "list@example.com", "other@example.com")
	req.Recipients[0].OrigAddress = "list@example.com"
	sink := &logSink{}
	env := testEnv(l, sink)
	agent := AgentFunc(func(ctx context.Context, d *Delivery) error {
		as := Recipient{Address: "x@example.com", OrigAddress: "list@example.com"}
		if st := d.RecordAs(as, Outcome{Rcpt: 0, Status: Sent, Relay: "local", DSN: Simple("2.0.0", "delivered to mailbox")}); st != Sent {
			t.Errorf("sent: %v", st)
		}
		as.Address = "y@example.com"
		if st := d.RecordAs(as, Outcome{Rcpt: 0, Status: Bounced, Relay: "local", DSN: Simple("5.1.1", "unknown user: \"y\"")}); st != Bounced {
			t.Errorf("bounced: %v", st)
		}
		d.Settle(0, Result{Status: Sent, DSN: "2.0.0"})
		if st := d.RecordAs(Recipient{Address: "z@example.com"}, Outcome{Rcpt: 1, Status: Deferred, Relay: "local", DSN: Simple("4.3.0", "later")}); st != Deferred {
			t.Errorf("deferred: %v", st)
		}
		d.Settle(1, Result{Status: Deferred, DSN: "4.3.0", Reason: "later"})
		return nil
	})
	reply, err := serveOnce(t, env, agent).Deliver(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Results[0].Status != Sent || reply.Results[1].Status != Deferred {
		t.Errorf("reply %+v", reply.Results)
	}
	log := sink.text()
	for _, want := range []string{
		": to=<x@example.com>, orig_to=<list@example.com>, relay=local, ",
		"dsn=2.0.0, status=sent (delivered to mailbox)",
		": to=<y@example.com>, orig_to=<list@example.com>, relay=local, ",
		"dsn=5.1.1, status=bounced (unknown user: \"y\")",
		": to=<z@example.com>, relay=local, ", "status=deferred (later)",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	env2, err := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
	if err != nil {
		t.Fatal(err)
	}
	if !env2.Recipients[0].Done || env2.Recipients[1].Done {
		t.Errorf("done marks: %v %v", env2.Recipients[0].Done, env2.Recipients[1].Done)
	}
	bounces, _ := l.ReadLog(queue.Bounce, req.QueueID)
	if len(bounces) != 1 || bounces[0].Recipient != "y@example.com" || bounces[0].OrigRcpt != "list@example.com" {
		t.Errorf("bounce log %+v", bounces)
	}
	defers, _ := l.ReadLog(queue.Defer, req.QueueID)
	if len(defers) != 1 || defers[0].Recipient != "z@example.com" {
		t.Errorf("defer log %+v", defers)
	}
}

// TestPassAs: a destination handed to another transport is delivered
// and logged there; a missing transport defers here.
func TestPassAs(t *testing.T) {
	l, req := testQueue(t, "joe@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	sock := filepath.Join(l.Dir, "private", "lmtp")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	nexthop := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		Serve(context.Background(), c, env, AgentFunc(func(ctx context.Context, d *Delivery) error {
			nexthop <- d.Req.Nexthop
			d.Sent(0, "mx[private/dovecot-lmtp]", Simple("2.0.0", "250 2.0.0 Saved"))
			return nil
		}))
	}()
	client := &Client{QueueDir: l.Dir, IPCTimeout: env.IPCTimeout}
	agent := AgentFunc(func(ctx context.Context, d *Delivery) error {
		as := Recipient{Address: "joe@example.com"}
		if st := d.PassAs(ctx, client, "lmtp:unix:private/dovecot-lmtp", 0, as); st != Sent {
			t.Errorf("pass: %v", st)
		}
		if st := d.PassAs(ctx, client, "nosuch", 0, as); st != Deferred {
			t.Errorf("missing transport: %v", st)
		}
		d.Settle(0, Result{Status: Deferred, DSN: "4.3.0"})
		return nil
	})
	if _, err := serveOnce(t, env, agent).Deliver(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	log := sink.text()
	for _, want := range []string{
		": passing <joe@example.com> to transport=lmtp",
		": to=<joe@example.com>, relay=mx[private/dovecot-lmtp], ",
		": passing <joe@example.com> to transport=nosuch",
		": to=<joe@example.com>, relay=none, ", "status=deferred (mail transport unavailable)",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if got := <-nexthop; got != "unix:private/dovecot-lmtp" {
		t.Errorf("nexthop %q", got)
	}
	env2, _ := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
	if env2.Recipients[0].Done {
		t.Errorf("passed and delivered recipient marked done by the other agent")
	}
}

// TestPassAsReportOnly: the passed recipient goes with offset -1 and the
// request's flags; the other agent bounces it but must not mark it done
// (Postfix's deliver_pass): the passing agent settles it.
func TestPassAsReportOnly(t *testing.T) {
	l, req := testQueue(t, "joe@example.com")
	sink := &logSink{}
	env := testEnv(l, sink)
	ln, err := net.Listen("unix", filepath.Join(l.Dir, "private", "lmtp"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan Request, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		Serve(context.Background(), c, env, AgentFunc(func(ctx context.Context, d *Delivery) error {
			seen <- *d.Req
			d.Bounce(0, "mx", Simple("5.1.1", "550 5.1.1 no such user"))
			return nil
		}))
	}()
	client := &Client{QueueDir: l.Dir, IPCTimeout: env.IPCTimeout}
	agent := AgentFunc(func(ctx context.Context, d *Delivery) error {
		if st := d.PassAs(ctx, client, "lmtp", 0, Recipient{Address: "joe@example.com"}); st != Bounced {
			t.Errorf("pass: %v", st)
		}
		env2, _ := queue.ReadEnvelope(l.Path(queue.Active, req.QueueID))
		if env2.Recipients[0].Done {
			t.Error("passed recipient marked done by the other agent")
		}
		d.Settle(0, Result{Status: Deferred, DSN: "4.3.0"})
		return nil
	})
	if _, err := serveOnce(t, env, agent).Deliver(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r := <-seen
	if r.Recipients[0].Offset != -1 || !r.Recipients[0].ReportOnly() || r.Flags&FlagSuccess == 0 {
		t.Errorf("passed request: flags %#x, recipient %+v", r.Flags, r.Recipients[0])
	}
	if bounces, _ := l.ReadLog(queue.Bounce, req.QueueID); len(bounces) != 1 {
		t.Errorf("bounce log %+v", bounces)
	}
}
