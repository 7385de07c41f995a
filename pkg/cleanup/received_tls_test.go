package cleanup

import (
	"strings"
	"testing"
)

// With smtpd_tls_received_header = no (the default) the Received header
// has no TLS comment, but Postfix still says "with ESMTPS" for an
// encrypted session.
func TestReceivedTLSWithoutComment(t *testing.T) {
	h := newHarness(t, "")
	meta := smtpMeta
	meta.TLS, meta.TLSActive = "", true
	id, err := h.send(meta, "a@example.org", []string{"x@example.com"}, "\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	if !strings.Contains(content, ") with ESMTPS id "+id) || strings.Contains(content, "(using") {
		t.Errorf("content\n%s", content)
	}
}
