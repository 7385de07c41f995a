package cleanup

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// Attributes and recipients given while the content streams (access
// actions of smtpd_end_of_data_restrictions) reach the queue file's
// trailer: a later content_filter overrides the parameter's, a late
// recipient is rewritten like any other, and the content is intact.
func TestAttrAndRecipientAfterContent(t *testing.T) {
	h := newHarness(t, "content_filter = smtp:[127.0.0.1]:10025\n")
	m, err := h.c.Begin(smtpMeta)
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice@example.org", "", "")
	m.AddRecipient("bob@example.com", "", "")
	content := "Subject: late records\n\nfirst line\n"
	io.WriteString(m, content[:10])
	if err := m.SetAttr(queue.AttrFilter, "relay:[10.0.0.1]"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(m, content[10:])
	if err := m.SetAttr(queue.AttrRedirect, "judge@court.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.AddRecipient("archive", "", "NEVER"); err != nil {
		t.Fatal(err)
	}
	if err := m.AddRecipient("bob@example.com", "", ""); err != nil { // a duplicate
		t.Fatal(err)
	}
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, got := h.read(id)
	if env.Attr(queue.AttrFilter) != "relay:[10.0.0.1]" || env.Attr(queue.AttrRedirect) != "judge@court.example" {
		t.Errorf("attributes %v", env.Attrs)
	}
	if addrs := rcptAddrs(env); !slices.Equal(addrs, []string{"bob@example.com", "archive@example.com"}) {
		t.Errorf("recipients %v", addrs)
	}
	if r := env.Recipients[1]; r.Notify != queue.NotifyNever || r.ORCPT != "rfc822;archive@example.com" {
		t.Errorf("late recipient %+v", r)
	}
	if !strings.HasSuffix(got, "\n"+content) {
		t.Errorf("content %q", got)
	}
}

// The same through the cleanup daemon's protocol.
func TestDaemonAttrAfterContent(t *testing.T) {
	h := newHarness(t, "")
	cl, err := Dial(startDaemon(t, h), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	m, err := cl.Begin(smtpMeta)
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice@example.org", "", "")
	m.AddRecipient("bob@example.com", "", "")
	io.WriteString(m, "Subject: x\n\n"+strings.Repeat("body line\n", 10000))
	m.SetAttr(queue.AttrFilter, "smtp:[10.0.0.2]:25")
	m.AddRecipient("carol@example.com", "", "NEVER")
	io.WriteString(m, "last line\n")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, got := h.read(id)
	if env.Attr(queue.AttrFilter) != "smtp:[10.0.0.2]:25" || len(env.Recipients) != 2 || !strings.HasSuffix(got, "body line\nlast line\n") {
		t.Errorf("attributes %v, recipients %v", env.Attrs, rcptAddrs(env))
	}
}

// A message without recipients before its content gets them after.
func TestOnlyLateRecipients(t *testing.T) {
	h := newHarness(t, "")
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("alice@example.org", "", "")
	io.WriteString(m, "Subject: x\n\nbody\n")
	m.AddRecipient("bob@example.com", "", "")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := h.read(id); len(env.Recipients) != 1 {
		t.Errorf("recipients %v", rcptAddrs(env))
	}
}
