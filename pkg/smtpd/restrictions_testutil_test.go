package smtpd

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The access actions on the test queue's messages (ActionMessage),
// recorded beside the messages.
var fakeActions sync.Map // *fakeMsg -> *[]string

func (m *fakeMsg) action(a string) {
	v, _ := fakeActions.LoadOrStore(m, &[]string{})
	m.q.mu.Lock()
	*v.(*[]string) = append(*v.(*[]string), a)
	m.q.mu.Unlock()
}

// actions returns what was asked of m, in order.
func (m *fakeMsg) actions() []string {
	v, ok := fakeActions.Load(m)
	if !ok {
		return nil
	}
	m.q.mu.Lock()
	defer m.q.mu.Unlock()
	return append([]string(nil), *v.(*[]string)...)
}

func (m *fakeMsg) Hold()                  { m.action("hold") }
func (m *fakeMsg) Discard()               { m.action("discard") }
func (m *fakeMsg) Prepend(h string) error { m.action("prepend " + h); return nil }
func (m *fakeMsg) SetAttr(name, value string) error {
	m.action(fmt.Sprintf("attr %s=%s", name, value))
	return nil
}

// checkSession is a session for calling the restriction stages
// directly: no protocol loop, the client is 192.0.2.1 without a name.
type checkSession struct {
	*session
	log *testLog
	q   *fakeQueue
}

func newCheckSession(t *testing.T, settings map[string]string, opts ...func(*Deps)) *checkSession {
	t.Helper()
	log, q := &testLog{}, &fakeQueue{}
	deps := Deps{Queue: q, Log: log, Names: noNames{}, Sleep: func(time.Duration) {},
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil }, DNS: &DNS{Servers: []string{"127.0.0.1:1"}}}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := New(testConfig(settings), deps)
	if err != nil {
		t.Fatal(err)
	}
	server, client := net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	go io.Copy(io.Discard, client)
	s := newSession(srv, server)
	s.client = peer{name: "unknown", reverseName: "unknown", nameStat: namePerm, revStat: namePerm,
		addr: "192.0.2.1", rfcAddr: "192.0.2.1", port: "1234", family: "inet", namaddr: "unknown[192.0.2.1]"}
	s.protocol, s.where = "ESMTP", "RCPT"
	return &checkSession{session: s, log: log, q: q}
}

// mail starts a transaction from sender after HELO helo.
func (c *checkSession) mail(helo, sender string) *checkSession {
	c.helo, c.haveHelo = helo, helo != ""
	c.tx = transaction{inMail: true, sender: sender}
	return c
}

// rcpt runs the RCPT stage for rcpt and returns the reply ("" = accept).
func (c *checkSession) rcpt(rcpt string) string {
	c.where = "RCPT"
	return c.checkRcpt(rcpt)
}

// expectLog checks that the log has each line, in this order.
func (c *checkSession) expectLog(t *testing.T, want ...string) {
	t.Helper()
	have := c.log.all()
	i := 0
	for _, l := range have {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("log lacks %q; have:\n%s", want[i], strings.Join(have, "\n"))
	}
}

// tables writes files into a temp directory and returns it.
func tables(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		write(t, filepath.Join(dir, name), text)
	}
	return dir
}
