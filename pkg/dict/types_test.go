package dict

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openSpec(t *testing.T, spec string, flags Flags) Dict {
	t.Helper()
	d, err := Open(spec, Options{Flags: flags})
	if err != nil {
		t.Fatalf("open %s: %v", spec, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func expect(t *testing.T, d Dict, key, want string, wantOK bool) {
	t.Helper()
	got, ok, err := d.Lookup(key)
	if err != nil || got != want || ok != wantOK {
		t.Errorf("lookup %q: got (%q, %v, %v), want (%q, %v)", key, got, ok, err, want, wantOK)
	}
}

func tableFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "table")
	writeFile(t, p, text)
	return p
}

// openErr opens spec and returns the error text ("" on success).
func openErr(spec string) string {
	d, err := Open(spec, Options{Flags: MapsFlags})
	if err != nil {
		return err.Error()
	}
	d.Close()
	return ""
}

func TestTypesListsWorkingTypes(t *testing.T) {
	want := []string{"btree", "cdb", "cidr", "environ", "fail", "hash", "inline", "lmdb",
		"pcre", "pipemap", "proxy", "regexp", "static", "texthash", "unionmap"}
	have := map[string]bool{}
	for _, typ := range Types() {
		have[typ] = true
	}
	for _, typ := range want {
		if !have[typ] {
			t.Errorf("Types() lacks %s", typ)
		}
	}
	if e := openErr("nosuch:x"); e != "unsupported dictionary type: nosuch" {
		t.Errorf("unknown type: %q", e)
	}
}

func TestStaticFailEnviron(t *testing.T) {
	expect(t, openSpec(t, "static:OK", 0), "x", "OK", true)
	expect(t, openSpec(t, "static:{ a b }", 0), "x", "a b", true)
	if _, _, err := openSpec(t, "fail:down", 0).Lookup("x"); err == nil || err.Error() != "table fail:down: query error: Application error" {
		t.Errorf("fail: %v", err)
	}
	t.Setenv("POSTERN_TEST_VAR", "v1")
	expect(t, openSpec(t, "environ:", 0), "POSTERN_TEST_VAR", "v1", true)
	expect(t, openSpec(t, "environ:", 0), "POSTERN_NOT_SET", "", false)
	if e := openErr("static:{ a"); !strings.Contains(e, "bad static:name syntax: missing '}'") {
		t.Errorf("static: %q", e)
	}
}

func TestInlineSyntax(t *testing.T) {
	d := openSpec(t, "inline:{ Key1=v1, {k2 = two words}, {\"q k\"=qv} }", FoldFix)
	expect(t, d, "KEY1", "v1", true)
	expect(t, d, "k2", "two words", true)
	expect(t, d, `"q k"`, "qv", true)
	for spec, want := range map[string]string{
		"inline:{}":      `bad syntax: "inline:{}"; need "inline:{name=value...}"`,
		"inline:{a}":     `missing '=' after attribute name: "inline:{a}"; need "inline:{name=value...}"`,
		"inline:a=b":     `bad syntax: "inline:a=b"; need "inline:{name=value...}"`,
		"unionmap:{}":    `bad syntax: "unionmap:{}"; need "unionmap:{type:name...}"`,
		"pipemap:{nope}": `bad syntax: "pipemap:{nope}"; need "pipemap:{type:name...}"`,
	} {
		if e := openErr(spec); e != want {
			t.Errorf("%s: got %q want %q", spec, e, want)
		}
	}
}

func TestCompositeErrorsPropagate(t *testing.T) {
	d := openSpec(t, "unionmap:{static:a, fail:x}", 0)
	if _, _, err := d.Lookup("k"); err == nil {
		t.Error("unionmap hides a failing table")
	}
	if FlagsOf(openSpec(t, "unionmap:{cidr:{{0.0.0.0/0 x}}, static:y}", 0))&Pattern == 0 {
		t.Error("first table must decide pattern/fixed")
	}
}

func TestTexthashDuplicates(t *testing.T) {
	p := tableFile(t, "a 1\nA 2\n")
	var warns []string
	d, err := Open("texthash:"+p, Options{Flags: FoldFix | DupWarn, Warn: func(s string) { warns = append(warns, s) }})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, d, "a", "1", true)
	if len(warns) != 1 || warns[0] != p+`, line 2: duplicate entry: "a"` {
		t.Errorf("warnings %q", warns)
	}
	// Without a Dup* flag (daemons) a duplicate makes the table fail.
	if e := openErr("texthash:" + p); !strings.Contains(e, `line 2: duplicate entry: "a"`) {
		t.Errorf("got %q", e)
	}
}

func TestMalformedTexthashNamesFileLine(t *testing.T) {
	p := tableFile(t, "good value\n\nkeyonly\n")
	if e := openErr("texthash:" + p); e != p+", line 3: expected format: key whitespace value" {
		t.Errorf("got %q", e)
	}
}

func TestCIDRErrors(t *testing.T) {
	cases := map[string]string{
		"1.2.3.4/33 x":   `bad mask length in "1.2.3.4/33"`,
		"1.2.3.4/2x x":   `bad mask value in "1.2.3.4/2x"`,
		"1.2.3.5/24 x":   `non-null host address bits in "1.2.3.5/24", perhaps you should use "1.2.3.0/24" instead`,
		"1.2.3.4":        "no lookup result",
		"foo x":          `bad address pattern: "foo"`,
		"[1.2.3.4 x":     `missing ']' character after "[1.2.3.4"`,
		"endif":          "ENDIF without IF",
		"if 1.2.3.0/24":  "IF has no matching ENDIF",
		"endif garbage":  "garbage after ENDIF",
		"if":             "no address pattern",
		"1.2.3.256/32 x": `bad network value in "1.2.3.256/32"`,
	}
	for rule, want := range cases {
		p := tableFile(t, "10.0.0.0/8 ok\n"+rule+"\n")
		if e := openErr("cidr:" + p); e != "cidr map "+p+", line 2: "+want {
			t.Errorf("%q: got %q want %q", rule, e, want)
		}
	}
	d := openSpec(t, "cidr:{ {10.0.0.0/8 ten}, {if !192.168.0.0/16}, {0.0.0.0/0 other}, {endif} }", 0)
	expect(t, d, "10.9.9.9", "ten", true)
	expect(t, d, "8.8.8.8", "other", true)
	expect(t, d, "192.168.1.1", "", false)
}

func TestRegexpRules(t *testing.T) {
	p := tableFile(t, "/^(.*)@(.*)$/ $2:${1}:$(1):$$\nif !/^x/\n/y/ inner\nendif\n/a/!/b/ a-not-b\n/CXSE/i exact\n")
	d := openSpec(t, "regexp:"+p, 0)
	expect(t, d, "joe@ex", "ex:joe:joe:$", true)
	expect(t, d, "zy", "inner", true)
	expect(t, d, "xy", "", false)
	expect(t, d, "ca", "a-not-b", true)
	expect(t, d, "cab", "", false)
	expect(t, d, "CXSE", "exact", true)
	expect(t, d, "cxse", "", false)
}

func TestRegexpErrorsNameFileLine(t *testing.T) {
	cases := map[string]string{
		`/(a)\1/ x`:   `backreference "\1" is not supported`,
		`/a/q x`:      `unknown regexp option "q"`,
		`/abc x`:      `no closing regexp delimiter "/"`,
		`/(a)/ $2`:    `out of range replacement index "2"`,
		`!/(a)/ $1`:   "$number found in negative match replacement text",
		`/a/ ${x}`:    `non-numeric replacement index "x"`,
		`/a/ $`:       "bad replacement syntax",
		`/\</ x`:      `GNU operator "\<" is not supported`,
		`/[[=a=]]/ x`: `collating element "[=" is not supported`,
		`bogus`:       "ignoring unrecognized request",
		`/a/x x`:      "basic regular expressions",
	}
	for rule, want := range cases {
		p := tableFile(t, "/ok/ ok\n"+rule+"\n")
		e := openErr("regexp:" + p)
		if !strings.HasPrefix(e, "regexp map "+p+", line 2: ") || !strings.Contains(e, want) {
			t.Errorf("%q: got %q, want %q", rule, e, want)
		}
	}
}

func TestPCRE(t *testing.T) {
	p := tableFile(t, `/^(\d+)\.(?:\w+)$/ num $1
/^a.b$/ dotall
/x  y # comment/x extended
/^end$/ dollar
/(?<name>q)z/ named
/UPPER/ caseless
/\Qa.b\E!/ quoted
`)
	d := openSpec(t, "pcre:"+p, 0)
	expect(t, d, "123.abc", "num 123", true)
	expect(t, d, "a\nb", "dotall", true)
	expect(t, d, "xy", "extended", true)
	expect(t, d, "end\n", "dollar", true)
	expect(t, d, "qz", "named", true)
	expect(t, d, "upper", "caseless", true)
	expect(t, d, "a.b!", "quoted", true)
	expect(t, d, "axb!", "", false)
}

func TestPCREOnlyFeaturesFail(t *testing.T) {
	for rule, what := range map[string]string{
		`/(a)\1/ x`:     "backreference",
		`/a(?=b)/ x`:    "lookahead",
		`/a(?!b)/ x`:    "negative lookahead",
		`/(?<=a)b/ x`:   "lookbehind",
		`/(?<!a)b/ x`:   "negative lookbehind",
		`/a++/ x`:       "possessive quantifier",
		`/a{2}+/ x`:     "possessive quantifier",
		`/(?>ab)/ x`:    "atomic group",
		`/(a(?R))/ x`:   "recursion",
		`/(?(1)a|b)/ x`: "conditional",
		`/a\Kb/ x`:      "match reset",
		`/(?P=n)/ x`:    "backreference",
		`/(*FAIL)/ x`:   "backtracking control verb",
		`/(a)(?1)/ x`:   "subroutine call",
		`/\g{1}/ x`:     "backreference",
	} {
		p := tableFile(t, "/ok/ ok\n"+rule+"\n")
		e := openErr("pcre:" + p)
		if !strings.HasPrefix(e, "pcre map "+p+", line 2: PCRE feature not supported (RE2 syntax): ") || !strings.Contains(e, what) {
			t.Errorf("%q: got %q, want %q", rule, e, what)
		}
	}
	// Lazy quantifiers and a literal '+' after a group are RE2 too.
	openSpec(t, "pcre:{ {/a+?b/ lazy}, {/(a)+/ group} }", 0)
}

func TestNoRegsub(t *testing.T) {
	p := tableFile(t, "/(.*)/ $1\n")
	_, err := Open("regexp:"+p, Options{Flags: NoRegsub})
	if err == nil || !strings.Contains(err.Error(), "regular expression substitution is not allowed") {
		t.Errorf("got %v", err)
	}
}

func TestProxy(t *testing.T) {
	p := func(name string) string {
		return map[string]string{"proxy_read_maps": "$x proxy:inline:{a=1} proxy:static:ok"}[name]
	}
	d, err := Open("proxy:static:ok", Options{Param: p})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, d, "k", "ok", true)
	_, err = Open("proxy:static:no", Options{Param: p})
	if err == nil || err.Error() != `proxymap service is not configured for table "static:no"` {
		t.Errorf("got %v", err)
	}
}

func TestMapsList(t *testing.T) {
	p := tableFile(t, "/^x/ from-regexp\n")
	m, err := OpenMaps("virtual_alias_maps", "inline:{ {a = 1} }, static:{ s }  regexp:"+p, Options{Flags: MapsFlags})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Len() != 3 {
		t.Fatalf("len %d", m.Len())
	}
	if v, ok, _ := m.Find("a", false); !ok || v != "1" {
		t.Errorf("a: %q", v)
	}
	if v, _, _ := m.Find("x", false); v != "s" {
		t.Errorf("x: %q", v)
	}
	if _, err := OpenMaps("t", "nocolon", Options{}); err == nil || !strings.Contains(err.Error(), `expecting "type:name" form instead of "nocolon"`) {
		t.Errorf("got %v", err)
	}
	bad := NewMaps("t", []string{"static:"}, []Dict{&staticDict{}})
	if _, _, err := bad.Find("k", false); err == nil {
		t.Error("empty result must be an error")
	}
	fail := NewMaps("t", []string{"fail:x"}, []Dict{&failDict{"x"}})
	if _, _, err := fail.Find("k", false); err == nil || !strings.Contains(err.Error(), `fail:x lookup error for "k"`) {
		t.Errorf("got %v", err)
	}
}

func TestLineReader(t *testing.T) {
	src := "  leading\n  cont\n# c\nk v\n  more\n\n  # comment\n\tlast\nx\x00y z\nend"
	var warns []string
	lr := NewLineReader(strings.NewReader(src), "f", func(s string) { warns = append(warns, s) })
	var got []string
	for {
		l, n, ok, err := lr.Next()
		if err != nil || !ok {
			break
		}
		got = append(got, fmt.Sprintf("%d:%s", n, l))
	}
	want := []string{"4:k v  more\tlast", "9:x", "10:end"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q want %q", got, want)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "logical line must not start with whitespace") ||
		warns[1] != "f, line 9: text after null byte may be ignored" {
		t.Errorf("warnings %q", warns)
	}
}

func TestSplitKeyValue(t *testing.T) {
	cases := []struct{ in, k, v, problem string }{
		{"a b", "a", "b", ""},
		{"a   b c  ", "a", "b c", ""},
		{`"a b" c`, `"a b"`, "c", ""},
		{`a\ b c`, `a\ b`, "c", ""},
		{`"a b c`, "", "", `unbalanced '"' in '"a b c' -- ignoring this line`},
		{"a", "", "", "expected format: key whitespace value"},
	}
	for _, c := range cases {
		k, v, p := SplitKeyValue(c.in)
		if k != c.k || v != c.v || p != c.problem {
			t.Errorf("%q: got (%q, %q, %q)", c.in, k, v, p)
		}
	}
}

func TestSplitAliasLine(t *testing.T) {
	cases := []struct{ in, k, v, problem string }{
		{`Root: foo, "bar baz"@x ,  /tmp/file`, "Root", `foo, "bar baz"@x, /tmp/file`, ""},
		{`"John Doe": jd`, "John Doe", "jd", ""},
		{`k: "|/bin/cmd arg"`, "k", `"|/bin/cmd arg"`, ""},
		{`foo: a:b`, "foo", "a:b", ""},
		{`z: :include:/etc/x`, "z", ":include:/etc/x", ""},
		{`u@d: x`, "", "", "name must be local"},
		{`bad line`, "", "", "need name:value pair"},
		{`x:`, "", "", "need name:value pair"},
		{`a, b: c`, "", "", "need name:value pair"},
	}
	for _, c := range cases {
		k, v, p := SplitAliasLine(c.in)
		if k != c.k || v != c.v || p != c.problem {
			t.Errorf("%q: got (%q, %q, %q)", c.in, k, v, p)
		}
	}
}

func TestEnvironNotInheritedSilently(t *testing.T) {
	os.Unsetenv("POSTERN_TEST_UNSET")
	expect(t, openSpec(t, "environ:x", 0), "POSTERN_TEST_UNSET", "", false)
}
