package bounce

import (
	"strings"
	"testing"
)

func FuzzParseTemplate(f *testing.F) {
	f.Add("Charset: us-ascii\nSubject: x\n\ntext $myhostname\n")
	f.Add("Postmaster-Subject: y\n\n\n")
	f.Add("Bogus: x\n\ntext")
	f.Add("text only\n$maximal_queue_lifetime_days ${myhostname} $$")
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, ok := parseTemplate(defaultFailure, "fuzz", text, func(string) {})
		if !ok {
			return
		}
		if len(tmpl.Text) == 0 {
			t.Fatal("accepted a template without text")
		}
		lines, err := tmpl.expand(func(n string) (string, bool) { return "v", n == "myhostname" }, nil, func(string) {})
		if err == nil && len(lines) != len(tmpl.Text) {
			t.Fatal("expansion changed the line count")
		}
		for _, l := range lines {
			if strings.Contains(l, "\n") {
				t.Fatal("expansion made a line break")
			}
		}
	})
}

func FuzzLineWrap(f *testing.F) {
	f.Add("<a@b>: host x said: 550 no such user here at all, really, none, whatsoever, nothing")
	f.Add("  leading   and trailing  ")
	f.Fuzz(func(t *testing.T, s string) {
		// Text lines never end in a blank; an indent alone may be
		// printed, as Postfix's line_wrap() prints it.
		for _, l := range lineWrap(s, 79, 4) {
			if strings.TrimSpace(l) != "" && (strings.HasSuffix(l, " ") || strings.HasSuffix(l, "\t")) {
				t.Fatalf("trailing blank in %q", l)
			}
		}
	})
}
