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

// TestAccessActionsInQueueFiles runs the delegated access actions
// through the real in-process cleanup and reads the queue files, from
// the sender restrictions and from the end-of-data restrictions (which
// do not take PREPEND).
func TestAccessActionsInQueueFiles(t *testing.T) {
	t.Run("sender", func(t *testing.T) { accessActionsInQueueFiles(t, "smtpd_sender_restrictions") })
	t.Run("eod", func(t *testing.T) { accessActionsInQueueFiles(t, "smtpd_end_of_data_restrictions") })
}

func accessActionsInQueueFiles(t *testing.T, param string) {
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(filepath.Join(dir, "spool"), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	tdir := tables(t, map[string]string{"sender": accessSenders})
	cfg := testConfig(map[string]string{"myorigin": "example.com", "queue_directory": l.Dir,
		param: "check_sender_access texthash:" + tdir + "/sender"})
	cl, err := cleanup.New(cfg, cleanup.Options{Layout: l, Wake: func() {}, Logf: func(string, string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	srv, err := New(cfg, Deps{Queue: CleanupQueue{C: cl}, Log: &testLog{}, Names: noNames{},
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	cconn, server := net.Pipe()
	go srv.Serve(server)
	defer cconn.Close()
	c := &client{t: t, conn: cconn, r: newReader(cconn)}
	c.reply()
	c.expect("EHLO c.example", ehloReply)
	ids := map[string]string{}
	for _, s := range []string{"hold", "discard", "filter", "redirect", "bcc", "prepend"} {
		c.expect("MAIL FROM:<"+s+"@s.test>", "250 2.1.0 Ok")
		c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
		c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
		id, ok := strings.CutPrefix(c.cmd("Subject: x\r\n\r\nbody\r\n."), "250 2.0.0 Ok: queued as ")
		if !ok {
			t.Fatalf("%s: not queued", s)
		}
		ids[s] = id
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	if _, _, err := l.Find(ids["hold"], "hold"); err != nil {
		t.Errorf("HOLD: not in the hold queue: %v", err)
	}
	if _, _, err := l.Find(ids["discard"], "incoming", "hold"); err == nil {
		t.Errorf("DISCARD: queue file exists")
	}
	env, content := readQueued(t, l, ids["filter"])
	if env.Attr(queue.AttrFilter) != "smtp:[127.0.0.1]:10025" {
		t.Errorf("FILTER: attributes %v", env.Attrs)
	}
	env, _ = readQueued(t, l, ids["redirect"])
	if env.Attr(queue.AttrRedirect) != "other@example.com" {
		t.Errorf("REDIRECT: attributes %v", env.Attrs)
	}
	env, _ = readQueued(t, l, ids["bcc"])
	if len(env.Recipients) != 2 || env.Recipients[1].Address != "copy@example.com" || env.Recipients[1].Notify != queue.NotifyNever {
		t.Errorf("BCC: recipients %+v", env.Recipients)
	}
	_, content = readQueued(t, l, ids["prepend"])
	if param == "smtpd_end_of_data_restrictions" {
		if strings.Contains(content, "X-Tag") {
			t.Errorf("PREPEND at the end of data: content %q", content)
		}
	} else if !strings.HasPrefix(content, "X-Tag: yes\nReceived: from c.example") {
		t.Errorf("PREPEND: content %q", content)
	}
}

func readQueued(t *testing.T, l *queue.Layout, id string) (*queue.Envelope, string) {
	t.Helper()
	_, path, err := l.Find(id, "incoming")
	if err != nil {
		t.Fatal(err)
	}
	f, err := queue.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content, _ := io.ReadAll(f.Content())
	return &f.Envelope, string(content)
}
