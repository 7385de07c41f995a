package cleanup

import (
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/smtperr"
)

// startDaemon serves the cleanup protocol on a temporary UNIX socket.
func startDaemon(t testing.TB, h *harness) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cleanup")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			h.c.Serve(conn, 10*time.Second)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return path
}

func TestDaemonProtocol(t *testing.T) {
	h := newHarness(t, "message_size_limit = 200000\n")
	cl, err := Dial(startDaemon(t, h), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	arrival := time.Unix(1700000000, 0)
	m, err := cl.Begin(Meta{Origin: "pickup", LocalUID: 1000, Arrival: arrival})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice", "", "")
	m.AddRecipient("bob", "", "FAILURE")
	body := strings.Repeat("line of body text\n", 5000) // several data requests
	io.WriteString(m, "Subject: over the wire\n\n"+body)
	id, err := m.Commit()
	if err != nil || id != m.QueueID() {
		t.Fatalf("commit %q %v", id, err)
	}
	env, content := h.read(id)
	if env.Sender != "alice@example.com" || env.Recipients[0].Address != "bob@example.com" || env.Recipients[0].Notify != 4 || !env.Arrival.Equal(arrival) {
		t.Errorf("envelope %+v", env)
	}
	if !strings.HasPrefix(content, "Received: by mx.example.com (Postfix, from userid 1000)") || !strings.HasSuffix(content, "\n\n"+body) {
		t.Errorf("content %q...", content[:200])
	}
	// A second message on the same connection fails with smtpd's reply.
	m, _ = cl.Begin(Meta{Origin: "pickup", LocalUID: 1000})
	m.SetSender("alice", "", "")
	m.AddRecipient("bob", "", "")
	io.WriteString(m, strings.Repeat("x", 300000))
	_, err = m.Commit()
	if e, ok := smtperr.As(err); !ok || e.Reply() != "552 5.3.4 Error: message file too big" {
		t.Errorf("oversized: %v", err)
	}
	// An aborted message leaves nothing.
	m, _ = cl.Begin(Meta{Origin: "pickup", LocalUID: 1000})
	m.SetSender("alice", "", "")
	m.Abort()
	if _, err := cl.Begin(Meta{}); err != nil {
		t.Errorf("begin after abort: %v", err)
	}
}

func TestDaemonDropsMessageOnDisconnect(t *testing.T) {
	h := newHarness(t, "")
	cl, err := Dial(startDaemon(t, h), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cl.Begin(Meta{Origin: "pickup"})
	m.SetSender("alice", "", "")
	m.AddRecipient("bob", "", "")
	if dirEmpty(h.l.QueueDir("incoming")) {
		t.Fatal("no file for the open message")
	}
	cl.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if dirEmpty(h.l.QueueDir("incoming")) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("disconnected message left a file in incoming")
}
