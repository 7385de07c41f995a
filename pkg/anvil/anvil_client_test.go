package anvil

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testEndpoint(path string, log *warnLog) *Endpoint {
	return &Endpoint{Network: "unix", Addr: path, Timeout: 2 * time.Second,
		RetryDelay: time.Hour, Warn: log.Warn}
}

// TestAnvilClientRequests: every request through the client, against
// the server on a table.
func TestAnvilClientRequests(t *testing.T) {
	tb, _ := newTestTable(time.Minute)
	ts := startTestServer(t, tb)
	log := &warnLog{}
	c := testEndpoint(ts.path, log).NewClient()
	defer c.Close()
	if n, r, err := c.Connect("smtp", "192.0.2.1"); n != 1 || r != 1 || err != nil {
		t.Errorf("connect: %d %d %v", n, r, err)
	}
	for _, f := range []struct {
		name string
		fn   func(string, string) (int, error)
		want int
	}{
		{"message", c.Message, 1}, {"message", c.Message, 2}, {"recipient", c.Recipient, 1},
		{"newtls", c.NewTLS, 1}, {"newtls_status", c.NewTLSStatus, 1}, {"auth", c.Auth, 1},
	} {
		if got, err := f.fn("smtp", "192.0.2.1"); got != f.want || err != nil {
			t.Errorf("%s: %d %v, want %d", f.name, got, err, f.want)
		}
	}
	want := Counts{Count: 1, Rate: 1, Mail: 2, Rcpt: 1, NewTLS: 1, Auth: 1}
	if got, err := c.Lookup("smtp", "192.0.2.1"); got != want || err != nil {
		t.Errorf("lookup: %+v %v", got, err)
	}
	if err := c.Disconnect("smtp", "192.0.2.1"); err != nil {
		t.Error(err)
	}
	if got, _ := c.Lookup("smtp", "192.0.2.1"); got.Count != 0 {
		t.Errorf("after disconnect: %+v", got)
	}
	if got := log.all(); len(got) != 0 {
		t.Errorf("warnings: %q", got)
	}
}

// TestAnvilIdent: the ident, with non-printable bytes made '?'.
func TestAnvilIdent(t *testing.T) {
	if got := Ident("smtp", "2001:db8::1"); got != "smtp:2001:db8::1" {
		t.Error(got)
	}
	if got := Ident("sub\nmission", "a\x7fb\xc3\xa9"); got != "sub?mission:a?b??" {
		t.Error(got)
	}
}

// TestAnvilClientDown: with nothing listening the client logs Postfix's
// two warnings, fails, and then fails at once without trying until the
// retry delay has passed.
func TestAnvilClientDown(t *testing.T) {
	log := &warnLog{}
	path := filepath.Join(t.TempDir(), "anvil")
	ep := testEndpoint(path, log)
	c := ep.NewClient()
	if _, _, err := c.Connect("smtp", "192.0.2.1"); err == nil {
		t.Fatal("connect without a server succeeded")
	}
	want := []string{
		"warning: connect to " + path + ": No such file or directory",
		"warning: problem talking to server " + path + ": No such file or directory",
	}
	if got := log.all(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A server appears, but the endpoint waits for its retry delay.
	tb, _ := newTestTable(time.Minute)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer nc.Close(); Serve(tb, nc, ServerOptions{}) }()
		}
	}()
	defer ln.Close()
	other := ep.NewClient()
	if _, err := other.Message("smtp", "192.0.2.1"); err != ErrUnavailable {
		t.Errorf("during the retry delay: %v", err)
	}
	if len(log.all()) != 2 {
		t.Errorf("warned again during the retry delay: %q", log.all())
	}
	ep.mu.Lock()
	ep.downUntil = time.Time{}
	ep.mu.Unlock()
	if got, err := other.Message("smtp", "192.0.2.1"); got != 1 || err != nil {
		t.Errorf("after the retry delay: %d %v", got, err)
	}
}

// TestAnvilClientRefused: a socket nobody accepts on.
func TestAnvilClientRefused(t *testing.T) {
	log := &warnLog{}
	path := filepath.Join(t.TempDir(), "anvil")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	c := testEndpoint(path, log).NewClient()
	if _, _, err := c.Connect("smtp", "192.0.2.1"); err == nil {
		t.Fatal("connect succeeded")
	}
	want := "warning: connect to " + path + ": Connection refused"
	if got := log.all(); len(got) != 2 || got[0] != want ||
		got[1] != "warning: problem talking to server "+path+": Connection refused" {
		t.Errorf("warnings: %q", got)
	}
}

// TestAnvilClientRestart: a client whose anvil went away and came back
// (killed, and the master started a new one on the same socket)
// reconnects at once, without a warning, and counts in the new table.
func TestAnvilClientRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "anvil")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tables := make(chan *Table, 2)
	old, _ := newTestTable(time.Minute)
	fresh, _ := newTestTable(time.Minute)
	tables <- old
	tables <- fresh
	killed := make(chan net.Conn, 1)
	go func() {
		for tb := range tables {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			if tb == old {
				killed <- nc
			}
			go func() { defer nc.Close(); Serve(tb, nc, ServerOptions{}) }()
		}
	}()
	log := &warnLog{}
	c := testEndpoint(path, log).NewClient()
	defer c.Close()
	if _, _, err := c.Connect("smtp", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	(<-killed).Close()
	if got, err := c.Message("smtp", "192.0.2.1"); got != 1 || err != nil {
		t.Errorf("after restart: %d %v", got, err)
	}
	if got := fresh.Open().Lookup("smtp:192.0.2.1"); got.Count != 1 || got.Mail != 1 {
		t.Errorf("new table: %+v", got)
	}
	if got := log.all(); len(got) != 0 {
		t.Errorf("warnings: %q", got)
	}
}

// TestAnvilClientTimeout: an anvil that accepts but never answers (a
// stopped process) costs one Timeout, then the client goes on without.
func TestAnvilClientTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "anvil")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	log := &warnLog{}
	ep := testEndpoint(path, log)
	ep.Timeout = 200 * time.Millisecond
	c := ep.NewClient()
	if _, _, err := c.Connect("smtp", "192.0.2.1"); err == nil {
		t.Fatal("connect succeeded")
	}
	got := log.all()
	if len(got) != 1 || !strings.HasPrefix(got[0], "warning: problem talking to server "+path+": ") {
		t.Errorf("warnings: %q", got)
	}
	if _, err := c.Message("smtp", "192.0.2.1"); err != ErrUnavailable {
		t.Errorf("second request: %v", err)
	}
}
