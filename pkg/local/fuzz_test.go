package local

import (
	"strings"
	"testing"
)

// FuzzParse822 feeds alias values and .forward lines to the RFC 822
// parser: it must not panic or loop, and every address must internalize
// and externalize. (No round-trip property: Postfix's token-wise
// externalization is not reversible for empty or mixed quoted strings,
// and this parser does what Postfix's does.)
func FuzzParse822(f *testing.F) {
	for _, s := range []string{"a, b c", `"|/usr/bin/procmail -a x", /var/x`, ":include:/etc/lists/x",
		"John <j@x>", "g: a, b;", `"a\"b"@x (c (d)) <@r:u@h>`, "\\root, ~/mbox", "[1.2.3.4]", "((", `"`, "a <<b>> c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range addrNodes(parse822(s)) {
			unquoteAddr(externalize(a.head))
			internalize(a.head)
		}
	})
}

// FuzzDeliveredTo reads arbitrary message headers.
func FuzzDeliveredTo(f *testing.F) {
	f.Add("Delivered-To: a@b\nSubject: x\n\nbody")
	f.Add("Delivered-To :\n\tx\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := deliveredTo(strings.NewReader(s))
		if err != nil || len(got) > deliveredLimit {
			t.Errorf("%q: %v %d", s, err, len(got))
		}
	})
}
