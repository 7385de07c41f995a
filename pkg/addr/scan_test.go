package addr

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// show renders tokens as "type:text" words, operators as themselves.
func show(ts Tokens) string {
	var out []string
	for _, t := range ts {
		switch t.Type {
		case Atom:
			out = append(out, "a:"+t.Text)
		case QuotedString:
			out = append(out, "q:"+t.Text)
		case Comment:
			out = append(out, "c:"+t.Text)
		case DomainLiteral:
			out = append(out, "d:"+t.Text)
		default:
			out = append(out, string(rune(t.Type)))
		}
	}
	return strings.Join(out, " ")
}

func TestScan(t *testing.T) {
	for in, want := range map[string]string{
		"user@example.com":            "a:user @ a:example . a:com",
		`"a b"@[1.2.3.4]`:             "q:a b @ d:1.2.3.4",
		"Name (a (nested) c) <u@h>":   "a:Name c:(a (nested) c) < a:u @ a:h >",
		"a\\ b\\@c":                   "q:a b@c", // escaped operators make the atom a quoted string
		"\"tab\there\"":               "q:tab here",
		"|/bin/cmd -x, /var/file":     "| a:/bin/cmd a:-x , a:/var/file",
		"\"unterminated":              "q:unterminated",
		"(open":                       "c:(open",
		"a\\":                         "a:a",
		"caf\xc3\xa9@h":               "a:caf\xc3\xa9 @ a:h",
		"g: a, b;":                    "a:g : a:a , a:b ;",
		"  \r\n ":                     "",
		"x%y!z":                       "a:x % a:y ! a:z",
		`"esc\"aped\\"`:               `q:esc"aped\`,
		"[ip\\]v6]":                   "d:ip]v6",
		"ctl\x01x":                    "q:ctl\x01x",
		"@r1,@r2:user@host":           "@ a:r1 , @ a:r2 : a:user @ a:host",
		"<>":                          "< >",
		"\\":                          "a:", // an empty atom, as Postfix
		"a.\"b\".c":                   "a:a . q:b . a:c",
		"(c) \"q\" [d] <x> : ; @ . ,": "c:(c) q:q d:d < a:x > : ; @ . ,",
	} {
		if got := show(Scan(in)); got != want {
			t.Errorf("Scan(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFlatForms(t *testing.T) {
	for _, tc := range []struct{ in, internal, external string }{
		{"john@example.com", "john@example.com", "john@example.com"},
		{`"john doe"@example.com`, "john doe@example.com", `"john doe"@example.com`},
		{`"a\"b"@example.com`, `a"b@example.com`, `"a\"b"@example.com`},
		{"user@[192.0.2.1]", "user@[192.0.2.1]", "user@[192.0.2.1]"},
		{`"john.doe."@example.com`, "john.doe.@example.com", `"john.doe."@example.com`},
		{"a,b,  c", "a, b, c", "a, b, c"},
		{"Name <u@h>", "Name <u@h>", "Name <u@h>"},
		{"a b (c)", "a b (c)", "a b (c)"},
		{"g: a;", "g:a;", "g:a;"}, // no StartGroup in a flat list
		{"\"|cmd arg\"", "|cmd arg", `"|cmd arg"`},
		{"[a\\]b]", "[a]b]", "[a]b]"}, // "]" is not escaped again, as Postfix
	} {
		ts := Scan(tc.in)
		if got := ts.Internal(); got != tc.internal {
			t.Errorf("Internal(%q) = %q, want %q", tc.in, got, tc.internal)
		}
		if got := ts.External(); got != tc.external {
			t.Errorf("External(%q) = %q, want %q", tc.in, got, tc.external)
		}
	}
}

func TestTokensHelpers(t *testing.T) {
	ts := Scan("a@b@c.d")
	if ts.Last('@') != 3 || ts.First('@', 0) != 1 || ts.First('@', 2) != 3 || ts.First(DomainLiteral, 0) != -1 || ts.Last('!') != -1 {
		t.Errorf("Last/First on %s", show(ts))
	}
	c := ts.Clone()
	c[0].Type = '%'
	if ts[0].Type != Atom {
		t.Error("Clone shares storage")
	}
	if got := AppendScan(Scan("x"), "y z"); show(got) != "a:x a:y a:z" {
		t.Errorf("AppendScan: %s", show(got))
	}
}

// TestScanAllocs: text without escapes is a substring of the input.
func TestScanAllocs(t *testing.T) {
	buf := make(Tokens, 0, 16)
	n := testing.AllocsPerRun(100, func() { buf = AppendScan(buf[:0], `user.name@sub.example.com (Full Name) "q s"`) })
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func ExampleScan() {
	ts := Scan(`"John Doe"@example.com`)
	fmt.Println(len(ts), ts.Internal(), ts.External())
	// Output: 5 John Doe@example.com "John Doe"@example.com
}

var _ = reflect.DeepEqual
