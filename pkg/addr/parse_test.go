package addr

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseList: expected results from Postfix 3.7.11 (sendmail
// recipients as postqueue -p listed them for the same input, and
// local(8) alias expansion).
func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"alice@example.com", []string{"alice@example.com"}},
		{"Full Name <fn@x.example>", []string{"fn@x.example"}},
		{"a@x.example, b@x.example", []string{"a@x.example", "b@x.example"}},
		{"nothing here", []string{"nothing", "here"}},
		{`"q x"@x.example`, []string{"q x@x.example"}},
		{`"quoted local"@x.example (comment), <route@x.example>, Name <n@x.example>`,
			[]string{"quoted local@x.example", "route@x.example", "n@x.example"}},
		{"undisclosed-recipients:;", nil},
		{"Group: g1@x.example, g2@x.example;", []string{"g1@x.example", "g2@x.example"}},
		{"<>", nil},
		{"", nil},
		{"Bounce Addr <bounce@example.org>", []string{"bounce@example.org"}},
		{"a, b c", []string{"a", "b", "c"}},
		{`"|/usr/bin/procmail -a x", /var/x`, []string{"|/usr/bin/procmail -a x", "/var/x"}},
		{"|/usr/bin/foo -x", []string{"|/usr/bin/foo", "-x"}},
		{":include:/etc/lists/staff", []string{":include:/etc/lists/staff"}},
		{`"john doe"@example.com (comment)`, []string{"john doe@example.com"}},
		{"~/mbox, \\root", []string{"~/mbox", "root"}},
		{"<@r1,@r2:u@d>", []string{"@r1,@r2:u@d"}},
	} {
		if got := ParseList(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// shape renders a parse tree: addresses in braces, other top-level
// tokens as their internal text.
func shape(tree *Node) string {
	var out []string
	for tp := tree; tp != nil; tp = tp.Next {
		if tp.Type == Address {
			out = append(out, "{"+Internalize(tp.Head)+"}")
		} else {
			out = append(out, Internalize(&Node{Type: tp.Type, Text: tp.Text}))
		}
	}
	return strings.Join(out, " ")
}

func TestParseTree(t *testing.T) {
	for in, want := range map[string]string{
		"Name <u@h>":           "Name < {u@h} >",
		"a b":                  "{a} , {b}",
		"a (c) b":              "{a} , {b} (c)",
		"g: a, b;":             "g : {a} , {b} ;",
		"<a@b> <c@d>":          "< {a@b} > < {c@d} >", // no comma is added after a route
		"x <@r:u@h> (cm) y":    "x < {@r:u@h} > , {y} (cm)",
		"<<a>>":                "< < {a>} >",
		"x (c) <u@h>":          "x (c) < {u@h} >", // a comment before "<" stays
		"(only a comment)":     "(only a comment)",
		"\"a b\"@c, [1.2.3.4]": "{a b@c} , {[1.2.3.4]}",
	} {
		if got := shape(Parse(in)); got != want {
			t.Errorf("Parse(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestExternalize(t *testing.T) {
	for in, want := range map[string]string{
		`"john doe"@example.com, Jane <j.d.@x>`: `"john doe"@example.com, Jane <"j.d."@x>`,
		`g: "a b"@c;`:                           `g: "a b"@c;`,
		`x (c) <u@h>`:                           `x (c) <u@h>`,
	} {
		if got := Externalize(Parse(in)); got != want {
			t.Errorf("Externalize(Parse(%q)) = %q, want %q", in, got, want)
		}
	}
	// An address node's children: quoted strings are quoted again.
	a := Grep(Parse(`"john doe"@example.com`), Address)[0]
	if got := Externalize(a.Head); got != `"john doe"@example.com` {
		t.Errorf("Externalize(head) = %q", got)
	}
}

// TestParserReuse: a Parser gives the same trees call after call, and
// earlier trees stay intact while its storage grows.
func TestParserReuse(t *testing.T) {
	var p Parser
	inputs := []string{"a, b, c", "Name <u@h>", strings.Repeat("x ", 40), "g: a;", ""}
	for round := 0; round < 3; round++ {
		for _, in := range inputs {
			if got, want := shape(p.Parse(in)), shape(Parse(in)); got != want {
				t.Errorf("round %d, %q: %s, want %s", round, in, got, want)
			}
		}
	}
	long := p.Parse(strings.Repeat("y ", 100))
	if n := len(Grep(long, Address)); n != 100 {
		t.Errorf("%d addresses", n)
	}
	allocs := testing.AllocsPerRun(100, func() { p.Parse("Full Name <user.name@sub.example.com>") })
	if allocs != 0 {
		t.Errorf("%v allocations per Parse", allocs)
	}
}

func BenchmarkParse(b *testing.B) {
	var p Parser
	var sb strings.Builder
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sb.Reset()
		for _, a := range Grep(p.Parse(`"Full Name" <user.name@sub.example.com>, other@example.org`), Address) {
			AppendInternalized(&sb, a.Head)
		}
	}
}
