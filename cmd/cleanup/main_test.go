package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
)

// TestStandAlone runs the real binary in stand-alone mode (-S) on one
// end of a socket pair and queues a message through it.
func TestStandAlone(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "cleanup")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	qdir := filepath.Join(dir, "spool")
	l, err := queue.NewLayoutFrom(qdir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	cf := "queue_directory = " + qdir + "\nmyhostname = mx.example.com\nmydomain = example.com\n" +
		"myorigin = $mydomain\nmaillog_file = " + filepath.Join(dir, "maillog") + "\nmaillog_file_prefixes = " + dir + "\n"
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	child, parent := os.NewFile(uintptr(fds[0]), "child"), os.NewFile(uintptr(fds[1]), "parent")
	cmd := exec.Command(bin, "-S")
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+dir)
	cmd.Stdin, cmd.Stderr = child, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()

	conn, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := cleanup.NewClient(conn, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cl.Begin(cleanup.Meta{Origin: "pickup", LocalUID: 1000})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice", "", "")
	m.AddRecipient("bob", "", "")
	io.WriteString(m, "Subject: via daemon\n\nhello\n")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	f, err := queue.Open(l.Path(queue.Incoming, id), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f.Content())
	if f.Sender != "alice@example.com" || !strings.Contains(string(b), "Subject: via daemon\n") {
		t.Errorf("sender %q content %q", f.Sender, b)
	}
	select {
	case <-done:
		done <- nil
	case <-time.After(10 * time.Second):
		log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
		t.Errorf("stand-alone cleanup did not exit after its client; log:\n%s", log)
	}
}
