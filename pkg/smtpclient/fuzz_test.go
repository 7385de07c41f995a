package smtpclient

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/deliver"
)

// FuzzReadReply reads what a hostile or broken next hop sends as
// replies: every reply read must have a code of three digits (or 0 for
// garbage), an RFC 3463 status of the code's class, and text without
// control characters (it reaches the log, the defer log and the
// bounce). Seeds in testdata/fuzz/FuzzReadReply.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"220 mx.example ESMTP\r\n",
		"250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
		"550 5.1.1 <u@example.com>: Recipient address rejected\r\n",
		"450-4.2.0 first\r\n450 5.2.0 class mismatch\r\n",
		"250 2.0.0\x00\x1b[31m\xff\xfe ok\r\n",
		"hello\r\n", "25\r\n", "2500 x\r\n", "250-\r\n250\r\n", "354 \r\r\n",
		"250-" + strings.Repeat("x", 5000) + "\r\n250 " + strings.Repeat("y", 5000) + "\n",
		"421 4.4.2 mx.example Error: timeout exceeded", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 512)
		for i := 0; i < 100; i++ {
			r, err := readReply(br)
			if err != nil {
				return
			}
			checkReply(t, r)
		}
	})
}

func checkReply(t *testing.T, r *Reply) {
	if r.Code != 0 && (r.Code < 0 || r.Code > 999) {
		t.Fatalf("code %d", r.Code)
	}
	if n := deliver.ValidStatus(r.DSN); n != len(r.DSN) || n == 0 {
		t.Fatalf("status %q", r.DSN)
	}
	if c := r.Code / 100; (c == 2 || c == 4 || c == 5) && int(r.DSN[0]-'0') != c {
		t.Fatalf("reply %d with status %s", r.Code, r.DSN)
	}
	for _, line := range strings.Split(r.Text, "\n") {
		for _, c := range []byte(line) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control character %#x in %q", c, r.Text)
			}
		}
	}
	if len(r.Text) > 2*maxReplyText+1 {
		t.Fatalf("reply text of %d bytes kept", len(r.Text))
	}
}
