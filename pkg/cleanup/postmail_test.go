package cleanup

import (
	"strings"
	"testing"
)

// TestPostMailDate: notices and probes (origins bounce and verify, which
// Postfix posts with post_mail()) get Date: right after Received:, as
// post_mail writes it; other mail gets it among the headers cleanup adds
// at the end of the header.
func TestPostMailDate(t *testing.T) {
	h := newHarness(t, "")
	for origin, second := range map[string]bool{"verify": true, "bounce": true, "pickup": false} {
		id, err := h.send(Meta{Origin: origin, LocalUID: 0}, "alice", []string{"bob"}, "Subject: s\n\nbody\n")
		if err != nil {
			t.Fatal(err)
		}
		_, content := h.read(id)
		lines := strings.Split(content, "\n")
		if got := strings.HasPrefix(lines[2], "Date: "); got != second {
			t.Errorf("%s: header %q", origin, content[:strings.Index(content, "\n\n")])
		}
		if n := strings.Count(content, "\nDate: "); n != 1 {
			t.Errorf("%s: %d Date: headers", origin, n)
		}
	}
}
