package pickup

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Info(format string, args ...any) { l.add(fmt.Sprintf(format, args...)) }
func (l *logRecorder) Warn(format string, args ...any) {
	l.add("warning: " + fmt.Sprintf(format, args...))
}
func (l *logRecorder) Error(format string, args ...any) {
	l.add("error: " + fmt.Sprintf(format, args...))
}
func (l *logRecorder) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *logRecorder) find(t *testing.T, substr string) string {
	t.Helper()
	for _, s := range l.lines {
		if strings.Contains(s, substr) {
			return s
		}
	}
	t.Fatalf("no log line with %q in:\n%s", substr, strings.Join(l.lines, "\n"))
	return ""
}

type fixture struct {
	layout *queue.Layout
	svc    *Service
	log    *logRecorder
	wakes  int
}

func newFixture(t *testing.T, mainCF ...string) *fixture {
	t.Helper()
	dir := t.TempDir()
	qdir := filepath.Join(dir, "queue")
	lines := append([]string{"queue_directory = " + qdir, "myhostname = mx.example.test",
		"mydomain = example.test", "alias_maps =", "alias_database ="}, mainCF...)
	os.WriteFile(filepath.Join(dir, "main.cf"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	layout, err := queue.NewLayout(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := layout.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{layout: layout, log: &logRecorder{}}
	fx.svc, err = New(cfg, Options{Layout: layout, Log: fx.log, Wake: func() { fx.wakes++ }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fx.svc.Close() })
	return fx
}

// drop writes a maildrop file as postdrop does.
func (fx *fixture) drop(t *testing.T, sender string, rcpts []string, content string, attrs ...string) string {
	t.Helper()
	w, err := fx.layout.CreateMaildrop()
	if err != nil {
		t.Fatal(err)
	}
	w.AddAttr(queue.AttrLocalUID, fmt.Sprint(os.Getuid()))
	for i := 0; i+1 < len(attrs); i += 2 {
		w.AddAttr(attrs[i], attrs[i+1])
	}
	w.SetSender(sender)
	for _, r := range rcpts {
		w.AddRecipient(queue.Recipient{Address: r})
	}
	io.WriteString(w, content)
	if err := w.CommitMaildrop(); err != nil {
		t.Fatal(err)
	}
	return w.ID()
}

// incoming returns the queue files in incoming.
func (fx *fixture) incoming(t *testing.T) []*queue.File {
	t.Helper()
	var out []*queue.File
	fx.layout.Scan(queue.Incoming, func(e queue.Entry) error {
		f, err := queue.Open(e.Path, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		out = append(out, f)
		return nil
	})
	return out
}

func content(t *testing.T, f *queue.File) string {
	b, err := io.ReadAll(f.Content())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPickupQueuesAndRemoves(t *testing.T) {
	fx := newFixture(t)
	id := fx.drop(t, "alice", []string{"bob@example.com"}, "Subject: hi\n\nThis is a test message\n",
		queue.AttrFullName, "Alice Liddell", queue.AttrRewrite, "local")
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.layout.Path(queue.Maildrop, id)); !os.IsNotExist(err) {
		t.Errorf("maildrop file still there: %v", err)
	}
	files := fx.incoming(t)
	if len(files) != 1 {
		t.Fatalf("%d files in incoming", len(files))
	}
	f := files[0]
	line := fx.log.find(t, f.ID+": uid=")
	if want := fmt.Sprintf("%s: uid=%d from=<alice>", f.ID, os.Getuid()); line != want {
		t.Errorf("log %q, want %q", line, want)
	}
	if f.Sender != "alice@mx.example.test" || len(f.Recipients) != 1 || f.Recipients[0].Address != "bob@example.com" {
		t.Errorf("envelope %q %+v", f.Sender, f.Recipients)
	}
	c := content(t, f)
	for _, want := range []string{
		fmt.Sprintf("Received: by mx.example.test (Postfix, from userid %d)\n\tid %s; ", os.Getuid(), f.ID),
		"\nSubject: hi\n", "\nFrom: Alice Liddell <alice@mx.example.test>\n", "\n\nThis is a test message\n",
	} {
		if !strings.Contains(c, want) {
			t.Errorf("content lacks %q:\n%s", want, c)
		}
	}
	if fx.wakes != 1 {
		t.Errorf("qmgr woken %d times", fx.wakes)
	}
}

func TestPickupCorruptFileMovedAside(t *testing.T) {
	fx := newFixture(t)
	id := fx.drop(t, "alice", []string{"bob@example.com"}, "x\n")
	path := fx.layout.Path(queue.Maildrop, id)
	data, _ := os.ReadFile(path)
	data[0] = 'X' // bad magic
	os.WriteFile(path, data, 0o744)
	good := fx.drop(t, "carol", []string{"dave@example.com"}, "y\n")
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.layout.Path(queue.Corrupt, id)); err != nil {
		t.Errorf("not in corrupt: %v", err)
	}
	fx.log.find(t, fmt.Sprintf("warning: uid=%d: malformed file maildrop/%s: corrupt queue file: bad magic", os.Getuid(), id))
	fx.log.find(t, fmt.Sprintf(`warning: saving corrupt file "%s" from queue "maildrop" to queue "corrupt"`, id))
	if _, err := os.Stat(fx.layout.Path(queue.Maildrop, good)); !os.IsNotExist(err) {
		t.Errorf("good file not picked up")
	}
	if n := len(fx.incoming(t)); n != 1 {
		t.Errorf("%d files in incoming", n)
	}
}

func TestPickupSkipsUnfinishedFiles(t *testing.T) {
	fx := newFixture(t)
	w, err := fx.layout.CreateMaildrop() // still being written
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// A complete-looking name whose mode says "being written".
	os.WriteFile(filepath.Join(fx.layout.QueueDir(queue.Maildrop), "ABCDEF"), []byte("x"), 0o600)
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if n := len(fx.incoming(t)); n != 0 {
		t.Errorf("%d files in incoming", n)
	}
	if _, err := os.Stat(filepath.Join(fx.layout.QueueDir(queue.Maildrop), "ABCDEF")); err != nil {
		t.Errorf("incomplete file touched: %v", err)
	}
}

func TestPickupNoRecipientsDiscarded(t *testing.T) {
	fx := newFixture(t)
	id := fx.drop(t, "alice", nil, "x\n")
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.layout.Path(queue.Maildrop, id)); !os.IsNotExist(err) {
		t.Errorf("file kept")
	}
	fx.log.find(t, "warning: maildrop/"+id+": error writing ")
	if n := len(fx.incoming(t)); n != 0 {
		t.Errorf("%d files in incoming", n)
	}
}

func TestPickupTooBigBounces(t *testing.T) {
	fx := newFixture(t, "message_size_limit = 3000", "bounce_size_limit = 500")
	id := fx.drop(t, "alice", []string{"bob@example.com"}, "Subject: big\n\n"+strings.Repeat("x", 4000)+"\n")
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.layout.Path(queue.Maildrop, id)); !os.IsNotExist(err) {
		t.Errorf("file kept")
	}
	fx.log.find(t, "to=<bob@example.com>, relay=none,")
	fx.log.find(t, "dsn=5.3.4, status=bounced (message file too big)")
	fx.log.find(t, "sender non-delivery notification: ")
	files := fx.incoming(t)
	if len(files) != 1 || files[0].Sender != "" || files[0].Recipients[0].Address != "alice@mx.example.test" {
		t.Fatalf("want one notice to alice, got %d files", len(files))
	}
}

func TestPickupTimeWarnings(t *testing.T) {
	fx := newFixture(t)
	now := time.Now()
	fx.svc.now = func() time.Time { return now.Add(-3 * time.Hour) }
	fx.drop(t, "alice", []string{"bob@example.com"}, "x\n")
	fx.svc.Scan()
	fx.log.find(t, "message dated 10800 seconds into the future")
}

func TestPickupRequeuedLogsOrigID(t *testing.T) {
	fx := newFixture(t)
	if fx.svc.owner < 0 || os.Geteuid() != 0 {
		t.Skip("needs root and a mail_owner account")
	}
	id := fx.drop(t, "alice", []string{"bob@example.com"}, "x\n")
	path := fx.layout.Path(queue.Maildrop, id)
	os.Chown(path, fx.svc.owner, -1)
	os.Chmod(path, 0o700) // what postsuper -r leaves
	fx.svc.Scan()
	fx.log.find(t, fmt.Sprintf("uid=%d from=<alice> orig_id=%s", fx.svc.owner, id))
}

// TestPickupMissingTableLogLevel: cleanup's records keep their level in
// pickup's log: a canonical_maps table that cannot be opened is an
// "error:" record at startup (dict_surrogate()), and a message that
// needs it stays in maildrop for the next scan, logged as the real
// Postfix logs it: "QID: uid=N from=<...>", cleanup's warnings, then
// "maildrop/ID: error writing QID: queue file write error".
func TestPickupMissingTableLogLevel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing")
	fx := newFixture(t, "canonical_maps = hash:"+path)
	reason := "open database " + path + ".db: No such file or directory"
	if len(fx.log.lines) != 1 || fx.log.lines[0] != "error: "+reason {
		t.Errorf("startup log %q, want the error record %q", fx.log.lines, "error: "+reason)
	}
	id := fx.drop(t, "alice", []string{"bob@example.com"}, "Subject: hi\n\nhello\n")
	if err := fx.svc.Scan(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.layout.Path(queue.Maildrop, id)); err != nil {
		t.Errorf("maildrop file gone: %v", err)
	}
	uid := fx.log.find(t, ": uid=")
	unavailable := fx.log.find(t, "warning: hash:"+path+" is unavailable. "+reason)
	if strings.Index(strings.Join(fx.log.lines, "\n"), uid) > strings.Index(strings.Join(fx.log.lines, "\n"), unavailable) {
		t.Errorf("cleanup's warnings come before pickup's %q:\n%s", uid, strings.Join(fx.log.lines, "\n"))
	}
	want := "warning: maildrop/" + id + ": error writing "
	if l := fx.log.find(t, want); !strings.HasSuffix(l, ": queue file write error") {
		t.Errorf("log %q, want %q", l, want+"QID: queue file write error")
	}
}
