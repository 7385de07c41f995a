package postsuper

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

func testQueue(t *testing.T) (string, *queue.Layout) {
	t.Helper()
	dir := t.TempDir()
	qdir := filepath.Join(dir, "queue")
	l, err := queue.NewLayoutFrom(qdir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.cf"), []byte("queue_directory = "+qdir+"\n"), 0o644)
	return dir, l
}

func addMessage(t *testing.T, l *queue.Layout, q string) string {
	t.Helper()
	w, err := l.Create()
	if err != nil {
		t.Fatal(err)
	}
	w.SetSender("a@example.org")
	w.AddRecipient(queue.Recipient{Address: "b@example.net"})
	w.Write([]byte("Subject: x\n\nx\n"))
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	if q != queue.Incoming {
		if err := l.Move(w.ID(), queue.Incoming, q); err != nil {
			t.Fatal(err)
		}
	}
	return w.ID()
}

func TestNotRoot(t *testing.T) {
	var b strings.Builder
	st := Run(Env{Args: []string{"postsuper"}, Stderr: &b, UID: 1000, EUID: 1000})
	if st != 1 || b.String() != "postsuper: fatal: use of this command is reserved for the superuser\n" {
		t.Errorf("%d %q", st, b.String())
	}
}

func TestStructureRepair(t *testing.T) {
	dir, l := testQueue(t)
	id := addMessage(t, l, queue.Deferred)
	// Out of its hash subdirectory.
	flat := filepath.Join(l.QueueDir(queue.Deferred), id)
	if err := os.Rename(l.Path(queue.Deferred, id), flat); err != nil {
		t.Fatal(err)
	}
	out, st := ourPostsuper(dir, "", "-s")
	if st != 0 || out != "" {
		t.Fatalf("%d %q", st, out)
	}
	if _, err := os.Stat(l.Path(queue.Deferred, id)); err != nil {
		t.Fatalf("not moved into its hash subdirectory: %v", err)
	}
	// A short ID that does not match the inode (restored from a backup),
	// with its defer log.
	other := addMessage(t, l, queue.Active)
	wrong := other[:5] + "FFFFF"
	os.Rename(l.Path(queue.Active, other), l.Path(queue.Active, wrong))
	l.AppendLog(queue.Defer, wrong, queue.LogRecord{Recipient: "b@example.net", Status: "4.0.0", Reason: "x"})
	out, st = ourPostsuper(dir, "")
	want := "postsuper: Renamed to match inode number: 1 message\npostsuper: warning: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS\n"
	if st != 0 || out != want {
		t.Fatalf("%d %q", st, out)
	}
	if _, err := os.Stat(l.Path(queue.Active, other)); err != nil {
		t.Errorf("message not renamed back to its inode name: %v", err)
	}
	if _, err := os.Stat(l.Path(queue.Defer, other)); err != nil {
		t.Errorf("defer log not renamed with it: %v", err)
	}
	// Operations by ID are refused after such a rename.
	os.Rename(l.Path(queue.Active, other), l.Path(queue.Active, wrong))
	out, st = ourPostsuper(dir, "", "-s", "-d", wrong)
	if st != 1 || !strings.HasSuffix(out, "postsuper: error: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS\npostsuper: fatal: CHECK YOUR QUEUE IDS AND RE-ISSUE THE COMMAND\n") {
		t.Errorf("%d %q", st, out)
	}
}

func TestPurge(t *testing.T) {
	dir, l := testQueue(t)
	old := filepath.Join(l.QueueDir(queue.Incoming), "123456.789")
	fresh := filepath.Join(l.QueueDir(queue.Incoming), "123457.789")
	for _, p := range []string{old, fresh} {
		os.WriteFile(p, []byte("partial"), 0o600)
	}
	past := time.Now().Add(-8 * 24 * time.Hour)
	os.Chtimes(old, past, past)
	id := addMessage(t, l, queue.Incoming)
	// Like Postfix, a temporary name that is too young to purge is
	// reported as a bogus queue file name.
	if out, st := ourPostsuper(dir, "", "-p"); st != 0 || out != "postsuper: warning: bogus file name: incoming/123457.789\n" {
		t.Fatalf("%d %q", st, out)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("old temporary file not removed")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("recent temporary file removed")
	}
	if _, err := os.Stat(l.Path(queue.Incoming, id)); err != nil {
		t.Error("complete message removed")
	}
}

func TestDeleteRemovesLogs(t *testing.T) {
	dir, l := testQueue(t)
	id := addMessage(t, l, queue.Deferred)
	for _, lq := range []string{queue.Defer, queue.Bounce, queue.Trace} {
		l.AppendLog(lq, id, queue.LogRecord{Recipient: "b@example.net", Status: "4.0.0", Reason: "x"})
	}
	out, st := ourPostsuper(dir, "", "-d", id)
	if st != 0 || out != "postsuper: "+id+": removed\npostsuper: Deleted: 1 message\n" {
		t.Fatalf("%d %q", st, out)
	}
	for _, lq := range []string{queue.Defer, queue.Bounce, queue.Trace, queue.Deferred} {
		if _, err := os.Stat(l.Path(lq, id)); err == nil {
			t.Errorf("%s file left", lq)
		}
	}
}
