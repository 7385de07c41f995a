package cleanup

import (
	"strings"
	"testing"
)

// FuzzScanAddrs: the address-list scanner never panics and its spans
// always lie inside the input, in order.
func FuzzScanAddrs(f *testing.F) {
	for _, s := range []string{
		`Alice <alice@example.com>, (comment) carol@elsewhere.org`,
		`"Dave, X" <dave>, undisclosed-recipients:;`,
		`<@a,@b:c@d>, "unterminated`, `(nested (comment)) x@y`, `[1.2.3.4], a\"b@c`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		last := 0
		for _, sp := range scanAddrs(s) {
			if sp.Start < last || sp.End < sp.Start || sp.End > len(s) {
				t.Fatalf("span [%d,%d) after %d in %d bytes", sp.Start, sp.End, last, len(s))
			}
			last = sp.End
		}
	})
}

// FuzzContent feeds arbitrary content through the header/body machine:
// Commit must succeed or fail with an SMTP error, and the stored content
// must end in a newline and keep every body byte.
func FuzzContent(f *testing.F) {
	f.Add("Subject: x\nTo: a, b\n  c\n\nbody\n", 3)
	f.Add("From: <>\nReceived: x\n\n", 1)
	f.Add("no header at all", 100)
	f.Add("X-A:\n\t\n \nX-B :v\n\n", 2)
	f.Fuzz(func(t *testing.T, content string, chunk int) {
		if chunk <= 0 || chunk > 1<<16 {
			chunk = 7
		}
		h := newHarness(t, "header_size_limit = 64\n")
		m, err := h.c.Begin(Meta{Origin: "pickup"})
		if err != nil {
			t.Fatal(err)
		}
		m.SetSender("alice", "", "")
		m.AddRecipient("bob", "", "")
		for i := 0; i < len(content); i += chunk {
			m.Write([]byte(content[i:min(i+chunk, len(content))]))
		}
		id, err := m.Commit()
		if err != nil {
			return
		}
		_, got := h.read(id)
		if !strings.HasSuffix(got, "\n") {
			t.Fatalf("stored content does not end in a newline: %q", got)
		}
		if _, body, ok := strings.Cut(content, "\n\n"); ok && !strings.Contains(got, body) {
			t.Fatalf("body changed")
		}
	})
}
