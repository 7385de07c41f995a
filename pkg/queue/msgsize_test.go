package queue

import (
	"os"
	"strings"
	"testing"
)

func TestRecordSize(t *testing.T) {
	for n, want := range map[int64]int64{0: 2, 1: 3, 127: 129, 128: 131, 2048: 2051, 16383: 16386, 16384: 16388} {
		if got := RecordSize(n); got != want {
			t.Errorf("RecordSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// The sizes were read from the real Postfix 3.7.11: qmgr's size= for
// messages that differ from a reference message in one line, through
// smtpd (body and header lines) and sendmail (a last line without LF).
func TestMessageSizeLines(t *testing.T) {
	x := func(n int) string { return strings.Repeat("a", n) }
	for _, c := range []struct {
		name   string
		header bool
		text   string // one line, LF added unless unterminated
		unterm bool
		want   int64
	}{
		{"empty", false, "", false, 2},
		{"short", false, "hello", false, 7},
		{"127", false, x(127), false, 129},
		{"128", false, x(128), false, 131},
		{"2047", false, x(2047), false, 2050},
		{"2048 body: a full record and an empty one", false, x(2048), false, 2053},
		{"2049", false, x(2049), false, 2054},
		{"4096", false, x(4096), false, 4104},
		{"5000", false, x(5000), false, 5009},
		{"2048 header: one record", true, x(2048), false, 2051},
		{"3000 header", true, x(3000), false, 3006},
		{"4096 header", true, x(4096), false, 4102},
		{"empty header line", true, "", false, 2},
		{"unterminated", false, "abc", true, 7},
		{"unterminated 2048", false, x(2048), true, 2053},
		{"unterminated 2050", false, x(2050), true, 2051 + 4 + 2},
	} {
		s := NewMessageSize(2048)
		// Byte by byte: the chunking must not matter.
		for _, b := range []byte(c.text) {
			s.Write([]byte{b}, c.header)
		}
		if c.unterm {
			s.Unterminated()
		}
		s.Write([]byte("\n"), c.header)
		if got := s.Total(); got != c.want {
			t.Errorf("%s: size %d, want %d", c.name, got, c.want)
		}
	}
}

// A whole message as the real Postfix queued it through smtpd: its
// content records had 55, 54, 64 (Received:), 10, 55, 43, 23 header
// bytes, the empty line and "hello"; qmgr logged size=327.
func TestMessageSizeMessage(t *testing.T) {
	s := NewMessageSize(2048)
	var hdr strings.Builder
	for _, n := range []int{55, 54, 64, 10, 55, 43, 23} {
		hdr.WriteString(strings.Repeat("h", n) + "\n")
	}
	s.Write([]byte(hdr.String()), true)
	s.Write([]byte("\nhel"), false)
	if got := s.Total(); got != 320+3 {
		t.Errorf("partial total %d, want the finished lines plus 3 bytes", got)
	}
	s.Write([]byte("lo\n"), false)
	if got := s.Total(); got != 327 {
		t.Errorf("size %d, want 327", got)
	}
}

func TestSizeRecord(t *testing.T) {
	l := testLayout(t, false)
	w, err := l.Create()
	must(t, err)
	must(t, w.SetSender("a@example.com"))
	must(t, w.AddRecipient(Recipient{Address: "b@example.com"}))
	w.Write([]byte("Subject: x\n\nbody\n"))
	w.SetMessageSize(12345)
	must(t, w.Commit(Incoming))
	env, err := ReadEnvelope(l.Path(Incoming, w.ID()))
	must(t, err)
	if env.MessageSize != 12345 || env.ContentSize != 17 {
		t.Errorf("message size %d, content size %d", env.MessageSize, env.ContentSize)
	}
	if _, ok := env.Attrs["size"]; ok || len(env.Attrs) != 0 {
		t.Errorf("size record shows as an attribute: %v", env.Attrs)
	}

	// Without a size record (postdrop's maildrop files, files written
	// before there was one) the message size is the content size.
	id := writeMessage(t, l, []Recipient{{Address: "c@example.com"}}, nil, "hello\n")
	env, err = ReadEnvelope(l.Path(Incoming, id))
	must(t, err)
	if env.MessageSize != 6 {
		t.Errorf("message size without a size record %d, want 6", env.MessageSize)
	}
}

func TestSizeRecordCorrupt(t *testing.T) {
	l := testLayout(t, false)
	w, err := l.Create()
	must(t, err)
	must(t, w.SetSender("a@example.com"))
	w.SetMessageSize(77)
	must(t, w.Commit(Incoming))
	path := l.Path(Incoming, w.ID())
	good, err := os.ReadFile(path)
	must(t, err)
	i := strings.LastIndex(string(good), "C\x0277")
	if i < 0 {
		t.Fatalf("no size record in %q", good)
	}
	for _, bad := range []string{"C\x02-1", "C\x02+7", "C\x02 7", "C\x02x7"} {
		b := []byte(string(good[:i]) + bad + string(good[i+4:]))
		if _, err := Parse(strings.NewReader(string(b)), int64(len(b))); err == nil {
			t.Errorf("size record %q accepted", bad)
		}
	}
}
