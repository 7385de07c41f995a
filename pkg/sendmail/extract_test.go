package sendmail

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// recorder is a contentSink that keeps what it gets.
type recorder struct{ bytes.Buffer }

func (r *recorder) line(typ int, text []byte) error {
	r.Write(text)
	if typ == lineNorm {
		r.WriteByte('\n')
	}
	return nil
}

func extract(t *testing.T, msg string, limit int) (*extractor, string, error) {
	t.Helper()
	out := &recorder{}
	x := &extractor{out: out, limit: limit}
	err := copyContent(newLineReader(strings.NewReader(msg), 2048), x, stripCRYes, true)
	if err == nil {
		err = x.end()
	}
	return x, out.String(), err
}

func TestExtractRecipients(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		want      []string
		out       string // "" = the input unchanged
	}{
		{"to cc bcc", "From: Me <me@example.org>\nTo: a@example.com, \"B b\" <b@example.com>\nCc: c@example.com\nBcc: d@example.com\nSubject: t\n\nbody\nTo: body@example.com\n",
			[]string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"}, ""},
		{"resent wins", "To: a1@x.example\nResent-To: r1@x.example\nCc: a2@x.example\nResent-Bcc: r2@x.example\nSubject: b\n\nb\n",
			[]string{"r1@x.example", "r2@x.example"}, ""},
		{"groups", "To: undisclosed-recipients:;\nCc: Group: g1@x.example, g2@x.example;\n\nb\n",
			[]string{"g1@x.example", "g2@x.example"}, ""},
		{"obsolete name and continuation", "To : obs@x.example\n  , cont@x.example\nSubject: e\n\nb\n",
			[]string{"obs@x.example", "cont@x.example"}, "To: obs@x.example\n  , cont@x.example\nSubject: e\n\nb\n"},
		{"headers only, no newline", "Subject: x\nTo: last@x.example",
			[]string{"last@x.example"}, "Subject: x\nTo: last@x.example\n"},
		{"no headers", "just a body line\nTo: no@x.example\n", nil, "\njust a body line\nTo: no@x.example\n"},
		{"no separator", "To: a@x.example\nbody\n", []string{"a@x.example"}, "To: a@x.example\n\nbody\n"},
	} {
		x, out, err := extract(t, tc.msg, 102400)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := x.recipients(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: recipients %q, want %q", tc.name, got, tc.want)
		}
		want := tc.out
		if want == "" {
			want = tc.msg
		}
		if out != want {
			t.Errorf("%s: content %q, want %q", tc.name, out, want)
		}
	}
}

func TestExtractHeaderTooLong(t *testing.T) {
	msg := "To: a@x.example\n" + strings.Repeat(" , b@x.example\n", 100) + "\nbody\n"
	if _, _, err := extract(t, msg, 200); err != errHeaderTooLong {
		t.Fatalf("err = %v, want %v", err, errHeaderTooLong)
	}
}

func TestCopyContent(t *testing.T) {
	for _, tc := range []struct {
		name, in, out string
		strip         int
		aeof          bool
	}{
		{"dot ends", "a\n.\nb\n", "a\n", stripCRYes, true},
		{"-i keeps the dot", "a\n.\nb\n", "a\n.\nb\n", stripCRYes, false},
		{"From_ lines dropped", "From x Thu\n>From y\nFrom: z\n", "From: z\n", stripCRYes, true},
		{"only leading From_", "a\nFrom x\n", "a\nFrom x\n", stripCRYes, true},
		{"CRLF always", "a\r\nb\r\r\n", "a\nb\n", stripCRYes, true},
		{"CRLF never", "a\r\nb\r\n", "a\r\nb\r\n", stripCRNo, true},
		{"strict, first line CRLF", "a\r\nb\n", "a\nb\n", stripCRUnknown, true},
		{"strict, first line LF", "a\nb\r\n", "a\nb\r\n", stripCRUnknown, true},
		{"dot with CR", "a\r\n.\r\nb\n", "a\n", stripCRYes, true},
		{"last line without LF", "a\nb", "a\nb", stripCRYes, true},
	} {
		out := &recorder{}
		if err := copyContent(newLineReader(strings.NewReader(tc.in), 2048), out, tc.strip, tc.aeof); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.out {
			t.Errorf("%s: %q, want %q", tc.name, out.String(), tc.out)
		}
	}
}

func TestLongLineDot(t *testing.T) {
	// A "." that continues a line longer than the limit is not the end.
	in := strings.Repeat("x", 10) + ".\nafter\n"
	out := &recorder{}
	copyContent(newLineReader(strings.NewReader(in), 10), out, stripCRYes, true)
	if out.String() != in {
		t.Errorf("%q, want %q", out.String(), in)
	}
}
