package cleanup

import (
	"regexp"
	"strings"
	"testing"
)

// TestBodyWithoutSeparator: a first line that is no header ends the
// header block; the missing headers come before it and an empty line is
// inserted between them and the line (mime_state.c), as for
// echo text | sendmail user.
func TestBodyWithoutSeparator(t *testing.T) {
	h := newHarness(t, "")
	for _, tc := range []struct{ in, headers, body string }{
		{"This is a test message\nsecond: line\n", "", "This is a test message\nsecond: line\n"},
		{"Subject: s\n folded\nnot a header\n\nmore\n", "Subject: s\n folded\n", "not a header\n\nmore\n"},
		{"Subject: s\n\nbody\n", "Subject: s\n", "body\n"},
		{"Subject: s\nno end of line", "Subject: s\n", "no end of line\n"},
		// As in Postfix's cleanup, a first line starting with white space
		// continues the Received: header before it (pickup inserts an
		// empty line first to avoid this, pickup.c's kluge).
		{" starts with a space\nbody\n", "", "body\n"},
	} {
		id, err := h.send(Meta{Origin: "pickup", LocalUID: 1000}, "alice", []string{"bob"}, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		env, content := h.read(id)
		want := `^Received: [^\n]*\n\t[^\n]*\n` + regexp.QuoteMeta(tc.headers) +
			`Message-Id: <[^>]+>\nDate: ` + regexp.QuoteMeta(mailDate(env.Arrival)) + `\nFrom: alice@example\.com\n` +
			`\n` + regexp.QuoteMeta(tc.body) + `$`
		if strings.HasPrefix(tc.in, " ") {
			want = strings.Replace(want, `\n\t[^\n]*\n`, `\n\t[^\n]*\n starts with a space\n`, 1)
		}
		if !regexp.MustCompile(want).MatchString(content) {
			t.Errorf("input %q: content\n%s", tc.in, content)
		}
	}
}
