package tests

// End to end: a next hop that answers 4xx defers the mail, postqueue -p
// shows why, and once the next hop recovers postqueue -f delivers it.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

func TestE2ETempFailRetry(t *testing.T) {
	t.Parallel()
	// smtp-sink -r CMD answers CMD with "450 4.3.0 Error: command failed".
	sink := startE2ESink(t, 0, "-r", "RCPT")
	port := sink.portNumber()
	inst := startNullClient(t, sink)
	hop := `127\.0\.0\.1\[127\.0\.0\.1\]`
	deferred := func(id, rcpt, in string) string {
		reason := "host 127.0.0.1[127.0.0.1] said: 450 4.3.0 Error: command failed (in reply to " + in + " command)"
		inst.WaitLog(t, `postfix/smtp\[\d+\]: `+id+`: to=<`+regexp.QuoteMeta(rcpt)+`>, relay=`+hop+`:`+sink.port()+
			`, delay=[0-9.]+, delays=[0-9./]+, dsn=4\.3\.0, status=deferred \(`+regexp.QuoteMeta(reason)+`\)$`)
		return reason
	}

	id1 := e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "alice@example.com", "--to", "bob@example.net", "--header", "X-E2E-Id: retry-1"))
	reason1 := deferred(id1, "bob@example.net", "RCPT TO")
	// The same hop, now failing at DATA.
	sink.proc.stop()
	sink = startE2ESink(t, port, "-r", "DATA")
	id2 := e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "alice@example.com", "--to", "carol@example.net", "--header", "X-E2E-Id: retry-2"))
	reason2 := deferred(id2, "carol@example.net", "DATA")

	// postqueue -p: both messages, each with its reason.
	var listing string
	for _, want := range []string{id1, id2, reason1, reason2, "bob@example.net", "carol@example.net", "alice@example.com"} {
		listing = e2eWaitListing(t, inst, want)
	}
	if !strings.HasSuffix(listing, "in 2 Requests.\n") {
		t.Errorf("postqueue -p:\n%s", listing)
	}
	if msgs := sink.messages(t); len(msgs) != 0 {
		t.Fatalf("the failing sink has messages: %q", msgs)
	}

	// The next hop recovers; postqueue -f delivers at once (the
	// backoff time is 300 s).
	sink.proc.stop()
	sink = startE2ESink(t, port)
	e2ePostqueue(t, inst, "-f")
	for _, c := range []struct{ id, rcpt string }{{id1, "bob@example.net"}, {id2, "carol@example.net"}} {
		inst.WaitLog(t, `postfix/smtp\[\d+\]: `+c.id+`: to=<`+regexp.QuoteMeta(c.rcpt)+`>, relay=`+hop+`:`+sink.port()+
			`, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok\)$`)
		inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+c.id+`: removed$`)
	}
	msgs := sink.waitMessages(t, 2)
	if len(msgs) != 2 {
		t.Fatalf("the recovered sink has %d messages", len(msgs))
	}
	e2eQueueEmpty(t, inst)
}

// e2eWaitListing waits until postqueue -p (white space collapsed, as
// reasons are folded) contains want and returns the listing.
func e2eWaitListing(t *testing.T, inst *harness.Instance, want string) string {
	t.Helper()
	deadline := time.Now().Add(harness.Timeout)
	for {
		out := e2ePostqueue(t, inst, "-p")
		if strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("postqueue -p does not show %q:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
