package queue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the queue file reader: it must never
// panic, and whatever it accepts must be self-consistent.
func FuzzParse(f *testing.F) {
	// The seed corpus in testdata/fuzz/FuzzParse holds real queue files
	// (regenerate with POSTERN_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds).
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Parse(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		size := int64(len(data))
		if env.ContentOff < HeaderSize || env.ContentOff+env.ContentSize > size {
			t.Fatalf("accepted content [%d,+%d) in %d bytes", env.ContentOff, env.ContentSize, size)
		}
		for _, r := range env.Recipients {
			if r.Offset < HeaderSize || r.Offset >= size || (data[r.Offset] != RecRcpt && data[r.Offset] != RecDone) {
				t.Fatalf("recipient offset %d does not point at a recipient record", r.Offset)
			}
		}
	})
}

// TestWriteFuzzSeeds regenerates the seed corpus from real queue files.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("POSTERN_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set POSTERN_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzParse")
	}
	l := testLayout(t, false)
	seeds := map[string]string{
		"plain": writeMessage(t, l, []Recipient{{Address: "a@example.com", Orig: "a"}}, nil, "Subject: x\n\nhello\n"),
		"many":  writeMessage(t, l, []Recipient{{Address: "a@x", Notify: NotifySuccess}, {Address: "b@x", ORCPT: "rfc822;b@x"}}, []Recipient{{Address: "c@x"}}, "x\n"),
		"empty": writeMessage(t, l, []Recipient{{Address: ""}}, nil, ""),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	os.MkdirAll(dir, 0o755)
	for name, id := range seeds {
		data, err := os.ReadFile(l.Path(Incoming, id))
		must(t, err)
		var b bytes.Buffer
		b.WriteString("go test fuzz v1\n[]byte(")
		b.WriteString(quoteBytes(data))
		b.WriteString(")\n")
		must(t, os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644))
	}
}

func quoteBytes(b []byte) string {
	var s bytes.Buffer
	s.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c >= 32 && c < 127:
			s.WriteByte(c)
		default:
			s.WriteString(`\x`)
			s.WriteByte("0123456789abcdef"[c>>4])
			s.WriteByte("0123456789abcdef"[c&15])
		}
	}
	s.WriteByte('"')
	return s.String()
}
