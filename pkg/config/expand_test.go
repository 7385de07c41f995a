package config

import (
	"strings"
	"testing"
)

// Cases checked against Postfix 3.7.11 "postconf -xh".
func TestExpand(t *testing.T) {
	vars := map[string]string{"myhostname": "a.b.c", "empty": "", "late": "L", "ref": "$late", "loop": "$loop"}
	e := &Expander{Lookup: func(n string) (string, bool) { v, ok := vars[n]; return v, ok }}
	cases := []struct{ in, want string }{
		{"$myhostname ${myhostname} $(myhostname)", "a.b.c a.b.c a.b.c"},
		{"${nope?yes}|${nope:no}|${myhostname?{Y}:{N}}|$$", "|no|Y|$"},
		{"[${myhostname?{ Y }:{ N }}][${nope?{ Y }:{ N }}][${myhostname? Y }][${nope: N }][${myhostname ? Y}][${ myhostname }]", "[ Y ][ N ][ Y ][ N ][ Y][a.b.c]"},
		{"[${{a} == {a} ? {T} : {F}}][${{3.6} <level {3.10}?{lt}}][${{10} < {9}?{lt}:{ge}}]", "[T][lt][ge]"},
		{"${empty?x}|${empty:y}|$myhostname.x|$myhostname-y|${myhostname}x", "|y|a.b.c.x|a.b.c-y|a.b.cx"},
		{"$ref ${myhostname?$late}", "L L"},
		{"${{$empty} == {} ? {none} : {some}}", "none"},
	}
	for _, c := range cases {
		got, err := e.Expand(c.in)
		if err != nil || got != c.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	errs := map[string]string{
		"$loop":                 "unreasonable macro call nesting",
		"${myhostname":          "truncated macro reference",
		"${myhostname?{a} x}":   "\":\" expected at",
		"${myhostname?{a}:b}":   "",
		"${{a} ~= {b}?{x}}":     "expected at",
		"${{3.x} <level {3}?x}": "malformed compatibility level syntax",
	}
	for in, want := range errs {
		_, err := e.Expand(in)
		if want == "" {
			if err != nil {
				t.Errorf("Expand(%q): unexpected error %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestParseMainCF(t *testing.T) {
	src := "  orphan\n# comment\nmyhostname = a.b.c\n  continued\n# inside\n\tmore \nx=1\n\n  blank-line-does-not-end-it\nx = 2\ny =\n"
	f, err := Parse("main.cf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Map["myhostname"]; got != "a.b.c  continued\tmore" {
		t.Errorf("continuation: %q", got)
	}
	if f.Map["x"] != "2" || f.Map["y"] != "" {
		t.Errorf("values: %v", f.Map)
	}
	if len(f.Warnings) != 2 || !strings.Contains(f.Warnings[0], "logical line must not start with whitespace") ||
		!strings.Contains(f.Warnings[1], "line 10: overriding earlier entry: x=1  blank-line-does-not-end-it") {
		t.Errorf("warnings: %q", f.Warnings)
	}
	for _, bad := range []string{"foo bar\n", "a b = c\n", "= x\n"} {
		_, err := Parse("/etc/postfix/main.cf", []byte("ok = 1\n"+bad))
		if err == nil || !strings.HasPrefix(err.Error(), "/etc/postfix/main.cf, line 2: ") {
			t.Errorf("Parse(%q): %v", bad, err)
		}
	}
	_, err = Parse("/etc/postfix/main.cf", []byte("foo bar\n"))
	if err == nil || err.Error() != `/etc/postfix/main.cf, line 1: missing '=' after attribute name: "foo bar"` {
		t.Errorf("error text: %v", err)
	}
}

func TestSplitList(t *testing.T) {
	got := SplitList(" a, b\tc,,{ d e }, inline:{ x=1, y=2 } ")
	want := []string{"a", "b", "c", "{ d e }", "inline:{ x=1, y=2 }"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("SplitList = %q", got)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, "5m": 300, "2h": 7200, "1d": 86400, "1w": 604800} {
		if got, ok := ParseTime(in, 's'); !ok || got != want {
			t.Errorf("ParseTime(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "5x", "-1", "+3", "1.5h"} {
		if _, ok := ParseTime(bad, 's'); ok {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
