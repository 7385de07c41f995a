package postqueue

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/showq"
)

// testConfig makes a config directory whose queue directory exists.
func testConfig(t *testing.T, extra ...string) (string, *queue.Layout) {
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
	cf := append([]string{"queue_directory = " + qdir}, extra...)
	os.WriteFile(filepath.Join(dir, "main.cf"), []byte(strings.Join(cf, "\n")+"\n"), 0o644)
	return dir, l
}

func runAs(t *testing.T, uid int, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	st := Run(Env{Args: append([]string{"postqueue"}, args...), Stdout: &out, Stderr: &errb, UID: uid, EUID: uid})
	return out.String(), errb.String(), st
}

const usageLine = "postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site\n"

func TestUsage(t *testing.T) {
	dir, _ := testConfig(t)
	for _, args := range [][]string{{"-c", dir}, {"-c", dir, "-p", "-f"}, {"-c", dir, "-x"}, {"-c", dir, "-p", "extra"}} {
		_, errs, st := runAs(t, 0, args...)
		if st != 69 || errs != usageLine {
			t.Errorf("%v: status %d, stderr %q", args, st, errs)
		}
	}
}

// listen serves public/NAME and returns what one client wrote.
func listen(t *testing.T, l *queue.Layout, name string) <-chan string {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(l.Dir, "public", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	return got
}

func TestFlushTriggersQmgrAndPickup(t *testing.T) {
	dir, l := testConfig(t)
	qmgr := listen(t, l, "qmgr")
	pickup := listen(t, l, "pickup")
	if _, errs, st := runAs(t, 0, "-c", dir, "-f"); st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	if q, p := <-qmgr, <-pickup; q != "FADI" || p != "W" {
		t.Errorf("qmgr got %q, pickup got %q", q, p)
	}
}

func TestFlushMailSystemDown(t *testing.T) {
	dir, _ := testConfig(t)
	_, errs, st := runAs(t, 0, "-c", dir, "-f")
	if st != 69 || errs != "postqueue: fatal: Cannot flush mail queue - mail system is down\n" {
		t.Errorf("status %d, stderr %q", st, errs)
	}
}

func TestFlushArguments(t *testing.T) {
	dir, _ := testConfig(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-i", "bad!"}, `postqueue: fatal: Cannot flush queue ID - invalid name: "bad!"` + "\n"},
		{[]string{"-s", "bad..site"}, `postqueue: fatal: Cannot flush mail queue - invalid destination: "bad..site"` + "\n"},
		{[]string{"-s", "example.net"}, `postqueue: fatal: Flush service is not configured for destination "example.net"` + "\n"},
		{[]string{"-i", "ABCDEF123"}, "postqueue: fatal: Cannot flush mail queue - mail system is down\n"},
	} {
		_, errs, st := runAs(t, 0, append([]string{"-c", dir}, c.args...)...)
		if st != 69 || errs != c.want {
			t.Errorf("%v: status %d, stderr %q, want %q", c.args, st, errs, c.want)
		}
	}
}

func TestListThroughShowqService(t *testing.T) {
	dir, l := testConfig(t)
	w, _ := l.Create()
	w.SetSender("alice@example.org")
	w.AddRecipient(queue.Recipient{Address: "bob@example.net"})
	w.Write([]byte("Subject: x\n\nbody\n"))
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(l.Dir, "public", "showq"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		showq.Serve(attr.NewConn(c, attr.Null, 5*time.Second), func(fn func(*showq.Message) error) error {
			return showq.Scan(l, showq.Options{EmptyAddr: "MAILER-DAEMON"}, fn)
		})
	}()
	out, errs, st := runAs(t, 1000, "-c", dir, "-j")
	if st != 0 || !strings.Contains(out, `"queue_name": "incoming", "queue_id": "`+w.ID()+`"`) ||
		!strings.Contains(out, `"sender": "alice@example.org", "recipients": [{"address": "bob@example.net"}]}`) {
		t.Errorf("status %d\nstdout %s\nstderr %s", st, out, errs)
	}
}

func TestListDownUnprivileged(t *testing.T) {
	dir, _ := testConfig(t)
	_, errs, st := runAs(t, 1000, "-c", dir, "-p")
	want := "postqueue: fatal: Queue report unavailable - mail system is down (Connect to the Postfix showq service: No such file or directory)\n"
	if st != 69 || errs != want {
		t.Errorf("status %d, stderr %q", st, errs)
	}
}

func TestMailqACL(t *testing.T) {
	dir, _ := testConfig(t, "authorized_mailq_users = nosuchuser")
	_, errs, st := runAs(t, 4242, "-c", dir, "-p")
	if st != 69 || errs != "postqueue: fatal: User unknown(4242) is not allowed to view the mail queue\n" {
		t.Errorf("status %d, stderr %q", st, errs)
	}
}
