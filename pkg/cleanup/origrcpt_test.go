package cleanup

import (
	"io"
	"testing"
	"time"
)

// TestOriginalRecipient: a client may give each recipient its original
// recipient (local(8) forwarding, Postfix's REC_TYPE_ORCP record); it
// is kept through canonicalization instead of the address as given.
// Without one the address as given is the original, as before.
func TestOriginalRecipient(t *testing.T) {
	h := newHarness(t, "")
	cl, err := Dial(startDaemon(t, h), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	m, err := cl.Begin(Meta{Origin: "local", LocalUID: 0})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice", "", "")
	m.AddRecipientOrig("bob", "list@example.org", "", "")
	m.AddRecipient("carol", "", "")
	io.WriteString(m, "Subject: forwarded\n\nbody\n")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, _ := h.read(id)
	if len(env.Recipients) != 2 {
		t.Fatalf("recipients %+v", env.Recipients)
	}
	if r := env.Recipients[0]; r.Address != "bob@example.com" || r.Orig != "list@example.org" {
		t.Errorf("forwarded recipient %+v", r)
	}
	if r := env.Recipients[1]; r.Address != "carol@example.com" || r.Orig != "carol" {
		t.Errorf("plain recipient %+v", r)
	}
}

// TestOriginalRecipientDisabled: enable_original_recipient = no records
// no original recipient, given or not.
func TestOriginalRecipientDisabled(t *testing.T) {
	h := newHarness(t, "enable_original_recipient = no\n")
	m, err := h.c.Begin(Meta{Origin: "local", LocalUID: 0})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender("alice", "", "")
	m.AddRecipientOrig("bob", "list@example.org", "", "")
	io.WriteString(m, "Subject: forwarded\n\nbody\n")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, _ := h.read(id)
	if r := env.Recipients[0]; r.Address != "bob@example.com" || r.Orig != "" {
		t.Errorf("recipient %+v", r)
	}
}
