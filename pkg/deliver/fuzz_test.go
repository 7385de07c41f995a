package deliver

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzSplitStatus checks dsn_valid() and dsn_split() on arbitrary text
// (a delivery agent's or a remote server's reason): a status found is
// X.Y.Z with X in 2, 4, 5 and one to three digits each, followed by the
// end or white space; the rest never starts with white space. Seeds in
// testdata/fuzz/FuzzSplitStatus.
func FuzzSplitStatus(f *testing.F) {
	for _, s := range []string{"5.1.1 User unknown", "  4.4.1\tConnection refused", "2.0.0", "5.1234.1 x",
		"4.4.", "6.0.0 x", "5.1.1x", "", "\x00 5.0.0", "4.7.1\r\nX: y"} {
		f.Add(s)
	}
	status := regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`)
	f.Fuzz(func(t *testing.T, text string) {
		if n := ValidStatus(text); n > 0 {
			if !status.MatchString(text[:n]) || n < len(text) && !isSpace(text[n]) {
				t.Fatalf("ValidStatus(%q) = %d", text, n)
			}
		}
		st, rest := SplitStatus("4.0.0", text)
		if st != "4.0.0" && !status.MatchString(st) {
			t.Fatalf("status %q from %q", st, text)
		}
		if rest != strings.TrimLeft(rest, " \t\r\n\v\f") || len(rest) > len(text) {
			t.Fatalf("rest %q from %q", rest, text)
		}
	})
}
