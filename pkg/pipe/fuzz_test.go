package pipe

import (
	"strings"
	"testing"
)

// FuzzParseArg: the argv macro parser never panics, and what it accepts
// expands without error.
func FuzzParseArg(f *testing.F) {
	for _, s := range []string{"${recipient}", "$(nexthop)!rmail", "-f$sender", "$$", "${", "$", "${a{b}}", "x$user+$extension"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		segs, _, err := parseArg(arg, "test")
		if err != nil {
			return
		}
		for _, s := range segs {
			if s.name {
				if _, ok := macros[s.text]; !ok {
					t.Fatalf("accepted unknown macro %q", s.text)
				}
			}
		}
		x := &expander{vars: map[string]string{}, rcpts: []rcptInfo{{address: "a@b", orig: "a@b"}}}
		if _, err := x.expand([]string{arg}); err != nil {
			t.Fatalf("expand after parse: %v", err)
		}
	})
}

// FuzzParseAttrs: the attribute parser never panics.
func FuzzParseAttrs(f *testing.F) {
	f.Add("flags=FRX user=vmail eol=\\r\\n argv=/bin/cat")
	f.Add("user=vmail:mail size=100 directory=/tmp argv=x ${recipient}")
	f.Fuzz(func(t *testing.T, line string) {
		ParseAttrs(strings.Fields(line), testIdent())
		unescape(line)
	})
}
