package smtpd

import (
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
)

// TestWithCleanup runs smtpd over the real in-process cleanup and reads
// the queue file it makes: envelope, DSN parameters and content.
func TestWithCleanup(t *testing.T) {
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(filepath.Join(dir, "spool"), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(map[string]string{"myorigin": "example.com", "queue_directory": l.Dir})
	cl, err := cleanup.New(cfg, cleanup.Options{Layout: l, Wake: func() {}, Logf: func(string, string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	log := &testLog{}
	srv, err := New(cfg, Deps{Queue: CleanupQueue{C: cl}, Log: log, Names: noNames{},
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	cconn, server := net.Pipe()
	go srv.Serve(server)
	c := &client{t: t, conn: cconn, r: newReader(cconn)}
	defer cconn.Close()
	c.reply()
	c.expect("EHLO c.example", ehloReply)
	c.expect("MAIL FROM:<a@sender.example> RET=FULL ENVID=env+2Bid BODY=8BITMIME", "250 2.1.0 Ok")
	c.expect("RCPT TO:<user@example.com> NOTIFY=FAILURE ORCPT=rfc822;orig+40example.com", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	rep := c.cmd("Subject: test\r\n\r\n..body\r\n.")
	id, ok := strings.CutPrefix(rep, "250 2.0.0 Ok: queued as ")
	if !ok {
		t.Fatalf("end of data: %q", rep)
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	_, path, err := l.Find(id, "incoming")
	if err != nil {
		t.Fatal(err)
	}
	f, err := queue.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := f.Envelope
	r := env.Recipients[0]
	if env.Sender != "a@sender.example" || r.Address != "user@example.com" || r.ORCPT != "rfc822;orig@example.com" ||
		r.Notify != queue.NotifyFailure || env.Attr(queue.AttrDSNRet) != "FULL" ||
		env.Attr(queue.AttrDSNEnvID) != "env+id" || env.Attr(queue.AttrEncoding) != "8bit" {
		t.Errorf("envelope %+v", env)
	}
	content, _ := io.ReadAll(f.Content())
	if !strings.Contains(string(content), "\nSubject: test\n") || !strings.HasSuffix(string(content), "\n\n.body\n") || !strings.HasPrefix(string(content), "Received: from c.example") {
		t.Errorf("content %q", content)
	}
}
