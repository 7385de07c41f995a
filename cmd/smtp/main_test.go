package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// TestStandAlone runs the real smtp binary in stand-alone mode (-S) on
// one end of a socket pair, sends it a delivery request for a message in
// a private queue, and checks the reply and the maillog_file line. The
// peer is Postfix's smtp-sink.
func TestStandAlone(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/smtp-sink"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs smtp-sink and root")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "smtp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sink := startSink(t)
	l, req := queueMessage(t, filepath.Join(dir, "spool"))
	cf := "queue_directory = " + l.Dir + "\nmyhostname = client.example\nmaillog_file = " +
		filepath.Join(dir, "maillog") + "\nmaillog_file_prefixes = " + dir + "\ninet_interfaces = loopback-only\n"
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, stop := runStandAlone(t, bin, dir)
	defer stop()
	req.Nexthop = "[127.0.0.1]:" + strconv.Itoa(sink)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reply, err := deliver.Exchange(ctx, conn, req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Results[0].Status != deliver.Sent {
		t.Fatalf("reply %+v", reply)
	}
	conn.Close()
	stop()
	log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
	t.Logf("maillog:\n%s", log)
	want := " postfix/smtp[" // program tag, then pid
	line := req.QueueID + ": to=<a@example.com>, relay=127.0.0.1[127.0.0.1]:" + strconv.Itoa(sink) + ", delay="
	if !strings.Contains(string(log), want) || !strings.Contains(string(log), line) ||
		!strings.Contains(string(log), "dsn=2.0.0, status=sent (250 2.0.0 Ok)") {
		t.Errorf("maillog:\n%s", log)
	}
}

func startSink(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("/usr/sbin/smtp-sink", "-u", "root", "127.0.0.1:"+strconv.Itoa(port), "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 300; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return port
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("smtp-sink did not start")
	return 0
}

func queueMessage(t *testing.T, qdir string) (*queue.Layout, *deliver.Request) {
	l, err := queue.NewLayoutFrom(qdir, []string{"deferred", "defer"}, 1, false)
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
	w.SetSender("s@example.org")
	w.AddRecipient(queue.Recipient{Address: "a@example.com"})
	w.Write([]byte("Subject: x\n\nbody\n"))
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	l.Move(w.ID(), queue.Incoming, queue.Active)
	env, err := queue.ReadEnvelope(l.Path(queue.Active, w.ID()))
	if err != nil {
		t.Fatal(err)
	}
	return l, &deliver.Request{Flags: deliver.FlagDefault, QueueName: queue.Active, QueueID: w.ID(),
		Transport: "smtp", Sender: env.Sender, ArrivalTime: env.Arrival, ActiveTime: env.Arrival,
		Recipients: []deliver.Recipient{{Address: "a@example.com", Index: 0, Offset: env.Recipients[0].Offset}}}
}

// runStandAlone starts bin -S on a socket pair and returns our end.
func runStandAlone(t *testing.T, bin, dir string) (net.Conn, func()) {
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
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	conn, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	return conn, func() {
		if stopped {
			return
		}
		stopped = true
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
}
