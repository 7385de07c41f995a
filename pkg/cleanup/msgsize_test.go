package cleanup

import (
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

// postfixSize is the size of a stored content whose lines shorter than
// 2048 bytes are one record each; the sizes of other lines (by length)
// are given (as
// the real Postfix 3.7.11 counted them, see pkg/queue TestMessageSizeLines).
func postfixSize(t *testing.T, content string, long map[int]int64) int64 {
	t.Helper()
	var n int64
	for _, line := range strings.SplitAfter(content, "\n") {
		if line == "" {
			continue
		}
		l := len(line) - 1
		if s, ok := long[l]; ok {
			n += s
		} else if l < 2048 {
			n += queue.RecordSize(int64(l))
		} else {
			t.Fatalf("no size for a line of %d bytes", l)
		}
	}
	return n
}

func TestMessageSizeSMTP(t *testing.T) {
	h := newHarness(t, "")
	a := func(n int) string { return strings.Repeat("a", n) }
	// A 4096-byte header line is two records of 2048 bytes; a 6144-byte
	// body line is three and an empty one; a 2048-byte body line one and
	// an empty one.
	body := "\n" + a(6144) + "\n" + a(2048) + "\n\n" + a(127) + "\n" + a(128) + "\nh\xc3\xa9llo\n"
	id, err := h.send(smtpMeta, "alice@example.org", []string{"bob@example.com"},
		"X-Long: "+a(4088)+"\nSubject: size\n"+body)
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	if !strings.HasSuffix(content, "\nSubject: size\n"+body) {
		t.Fatalf("content %q", content)
	}
	want := postfixSize(t, content, map[int]int64{4096: 2 * 2051, 6144: 3*2051 + 2, 2048: 2051 + 2})
	if env.MessageSize != want || env.ContentSize != int64(len(content)) {
		t.Errorf("message size %d (content %d bytes), want %d", env.MessageSize, env.ContentSize, want)
	}
}

// sendmail's last line without LF: Postfix stores its text and an empty
// record, two bytes more than the same line with LF.
func TestMessageSizeUnterminated(t *testing.T) {
	h := newHarness(t, "")
	meta := Meta{Origin: "pickup", LocalUID: 1000}
	var sizes [2]int64
	for i, in := range []string{"Subject: s\n\nabc\n", "Subject: s\n\nabc"} {
		id, err := h.send(meta, "alice", []string{"bob"}, in)
		if err != nil {
			t.Fatal(err)
		}
		env, content := h.read(id)
		if !strings.HasSuffix(content, "\n\nabc\n") {
			t.Fatalf("content %q", content)
		}
		sizes[i] = env.MessageSize - postfixSize(t, content, nil)
	}
	if sizes != [2]int64{0, 2} {
		t.Errorf("size beyond one record per line: %v, want [0 2]", sizes)
	}
}

// line_length_limit decides where long lines are split.
func TestMessageSizeLineLimit(t *testing.T) {
	h := newHarness(t, "line_length_limit = 1000\n")
	id, err := h.send(smtpMeta, "alice@example.org", []string{"bob@example.com"},
		"Subject: s\n\n"+strings.Repeat("b", 2000)+"\n")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	want := postfixSize(t, content, map[int]int64{2000: 2*1003 + 2})
	if env.MessageSize != want {
		t.Errorf("message size %d, want %d", env.MessageSize, want)
	}
}
