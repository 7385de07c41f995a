package sendmail

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/postern/postern/pkg/submit"
)

// TestProbeContent: sendmail -bv writes Postfix's probe message
// (sendmail.c enqueue(), DEL_REQ_TRACE_ONLY) instead of reading input.
func TestProbeContent(t *testing.T) {
	for _, c := range []struct {
		sender string
		rcpts  []string
		want   string
	}{
		{"me@x.test", []string{"a@b", "Name <c@d>"}, "From: me@x.test\nSubject: probe\nTo:\ta@b,\n\tName <c@d>\n"},
		{"", []string{"a@b"}, "Subject: probe\nTo:\ta@b\n"},
	} {
		var buf bytes.Buffer
		sw := submit.NewStreamWriter(&buf)
		writeProbeContent(sw, c.sender, c.rcpts)
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := dataRecords(t, buf.Bytes()); got != c.want {
			t.Errorf("%q %q: got %q, want %q", c.sender, c.rcpts, got, c.want)
		}
	}
}

// dataRecords concatenates the payloads of the C records in a stream.
func dataRecords(t *testing.T, b []byte) string {
	var out []byte
	for len(b) > 0 {
		typ := b[0]
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || 1+k+int(n) > len(b) {
			t.Fatalf("bad stream %q", b)
		}
		if typ == submit.RecData {
			out = append(out, b[1+k:1+k+int(n)]...)
		}
		b = b[1+k+int(n):]
	}
	return string(out)
}

func TestTraceFlags(t *testing.T) {
	for _, c := range []struct {
		o    smOptions
		want int
	}{
		{smOptions{}, 0}, {smOptions{record: true}, 1024}, {smOptions{userVerify: true}, 512},
	} {
		if got := c.o.traceFlags(); got != c.want {
			t.Errorf("%+v: %d, want %d", c.o, got, c.want)
		}
	}
}
