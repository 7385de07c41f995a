package flush

import (
	"bufio"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

// FuzzReceive: whatever a client sends, reading a request never panics,
// and a request name comes back only with its attributes.
func FuzzReceive(f *testing.F) {
	f.Add([]byte("W"))
	f.Add([]byte("request\x00send_site\x00site\x00example.com\x00\x00"))
	f.Add([]byte("request\x00add\x00site\x00a\x00queue_id\x00ABC\x00\x00"))
	s := &Service{}
	f.Fuzz(func(t *testing.T, data []byte) {
		s.receive(bufio.NewReader(strings.NewReader(string(data))))
	})
}

// FuzzSitePath: a log name is always a valid queue file name.
func FuzzSitePath(f *testing.F) {
	for _, s := range []string{"example.com", "[192.0.2.1]", "bücher.example", "x..y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, site string) {
		p, ok := sitePath(site)
		if ok && p != "" && !queue.ValidID(p) && len(p) <= 255 {
			t.Fatalf("sitePath(%q) = %q is not a valid queue name", site, p)
		}
	})
}
