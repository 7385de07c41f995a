package smtpclient

import (
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// newSizedMessage is newMessage for a queue file whose size record says
// size (cleanup stores Postfix's message size there).
func newSizedMessage(t *testing.T, size int64, content string, rcpt string) *testMsg {
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
	w.AddRecipient(queue.Recipient{Address: rcpt})
	fmt.Fprint(w, content)
	w.SetMessageSize(size)
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	env, err := queue.ReadEnvelope(l.Path(queue.Incoming, w.ID()))
	if err != nil {
		t.Fatal(err)
	}
	req := &deliver.Request{Flags: deliver.FlagDefault, QueueName: queue.Incoming, QueueID: w.ID(),
		Transport: "smtp", Sender: "sender@example.org", ArrivalTime: env.Arrival, ActiveTime: env.Arrival,
		Recipients: []deliver.Recipient{{Address: rcpt, Offset: env.Recipients[0].Offset}}}
	return &testMsg{layout: l, req: req}
}

// SIZE= announces the message size as Postfix counts it (the size
// record), not the content byte count.
func TestSizeAnnouncesPostfixSize(t *testing.T) {
	srv := startServer(t, "tcp", smtpScript(nil))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": srv.addr()})
	m := newSizedMessage(t, 66, testContent, "a@example.com")
	if got := statuses(run(t, m, cfg, "example.com")); got != "sent" {
		t.Fatalf("statuses %s\n%s", got, lg)
	}
	if cmds := strings.Join(srv.commands(), "|"); !strings.Contains(cmds, "|MAIL FROM:<sender@example.org> SIZE=66|") {
		t.Errorf("commands %s", cmds)
	}
}

// A message larger than the server's EHLO SIZE limit is bounced without
// MAIL FROM, and the session is closed without QUIT, as the real
// Postfix 3.7.11 does (smtp_proto.c smtp_xfer).
func TestSizeLimitOfServer(t *testing.T) {
	srv := startServer(t, "tcp", func(cmd string) string {
		if strings.HasPrefix(strings.ToUpper(cmd), "EHLO") {
			return "250-mx.example\n250-SIZE 60\n250 8BITMIME"
		}
		return smtpScript(nil)(cmd)
	})
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Resolver = mxDNS("mx1.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": srv.addr()})
	m := newSizedMessage(t, 61, testContent, "a@example.com")
	if got := statuses(run(t, m, cfg, "example.com")); got != "bounced" {
		t.Fatalf("statuses %s\n%s", got, lg)
	}
	lg.has(t, m.req.QueueID+": to=<a@example.com>, relay=mx1.example[192.0.2.1]:25, ",
		"dsn=5.3.4, status=bounced (message size 61 exceeds size limit 60 of server mx1.example[192.0.2.1])")
	if cmds := strings.Join(srv.commands(), "|"); cmds != "EHLO client.example" {
		t.Errorf("commands %s", cmds)
	}

	// At the limit the message is sent.
	m = newSizedMessage(t, 60, testContent, "a@example.com")
	if got := statuses(run(t, m, cfg, "example.com")); got != "sent" {
		t.Fatalf("statuses %s\n%s", got, lg)
	}
}
