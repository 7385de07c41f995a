package cleanup

import (
	"strings"
	"testing"
)

// TestMessageDropHeaders: the default message_drop_headers removes Bcc:,
// Content-Length:, Resent-Bcc: and Return-Path: from the primary header
// block; the recipients of a dropped header are still counted (no
// undisclosed_recipients_header for a message with Resent- headers).
func TestMessageDropHeaders(t *testing.T) {
	h := newHarness(t, "")
	id, err := h.send(Meta{Origin: "pickup", LocalUID: 1000}, "alice", []string{"bob"},
		"To: bob\nBcc: hidden\nReturn-Path: <x@y>\nContent-Length: 3\nRESENT-BCC: other\nSubject: s\n\nbody\nBcc: body text\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	headers, _, _ := strings.Cut(content, "\n\n")
	for _, gone := range []string{"\nBcc:", "\nReturn-Path:", "\nContent-Length:", "\nRESENT-BCC:"} {
		if strings.Contains(headers, gone) {
			t.Errorf("%s kept:\n%s", gone, content)
		}
	}
	for _, kept := range []string{"\nTo: bob@example.com\n", "\nSubject: s\n", "\n\nbody\nBcc: body text\n"} {
		if !strings.Contains(content, kept) {
			t.Errorf("%q missing:\n%s", kept, content)
		}
	}
	// Resent-Bcc: was seen, so the added headers are Resent- ones.
	if !strings.Contains(content, "\nResent-Message-Id: <") {
		t.Errorf("dropped Resent-Bcc: did not count as a Resent- header:\n%s", content)
	}
}

// TestMessageDropHeadersCustom: message_drop_headers names any header,
// known or not, but never a MIME header.
func TestMessageDropHeadersCustom(t *testing.T) {
	h := newHarness(t, "message_drop_headers = X-Secret, Content-Type, received\n")
	id, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"},
		"x-secret: 1\nBcc: kept@example.com\nContent-Type: text/plain\nReceived: from elsewhere\nSubject: s\n\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	want := "Bcc: kept@example.com\nContent-Type: text/plain\nSubject: s\n\nbody\n"
	if strings.Contains(content, "x-secret") || strings.Contains(content, "Received:") || !strings.HasSuffix(content, want) {
		t.Errorf("content\n%s\nwant suffix\n%s", content, want)
	}
}
