package addr

import (
	"strings"
	"testing"
)

// Fuzz targets for the tokenizer, the parser and local-part quoting.
// Seed corpora are in testdata/fuzz. There is no round trip through
// Externalize: Postfix's token-wise externalization is not reversible
// for domain literals with "]", escaped CR or LF, or empty atoms, and
// this package does what Postfix's does.

var fuzzSeeds = []string{"<a@b.example>", "<>", "<@r1,@r2:u@d>", "<\"a b\"@c>", "a (comment) <b@c>",
	"<a b@c>", "g: a@b, c@d;", "<[1.2.3.4]>", `<a\@b@c>`, "<<a@b>>", "<a@b", "\"unterminated",
	"a, b c", `"|/usr/bin/procmail -a x", /var/x`, ":include:/etc/lists/x", `"a\"b"@x (c (d)) <@r:u@h>`,
	"\\root, ~/mbox", "((", `"`, "a <<b>> c", "[a\\]b]", "\\", "caf\xc3\xa9@h"}

func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var p Parser
	f.Fuzz(func(t *testing.T, s string) {
		ts := Scan(s)
		// The flat and the linked tokenizer agree.
		head, _ := p.scan(s)
		i := 0
		for n := head; n != nil; n = n.Next {
			if i >= len(ts) || ts[i].Type != n.Type || ts[i].Text != n.Text {
				t.Fatalf("%q: token %d differs", s, i)
			}
			i++
		}
		if i != len(ts) {
			t.Fatalf("%q: %d linked tokens, %d flat", s, i, len(ts))
		}
		for _, tk := range ts {
			if tk.Type == Atom && needsQuote(tk.Text) {
				t.Fatalf("%q: atom %q needs quotes", s, tk.Text)
			}
		}
		ts.Internal()
		ts.External()
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var p Parser
	f.Fuzz(func(t *testing.T, s string) {
		reused := p.Parse(s)
		fresh := Parse(s)
		if a, b := Internalize(reused), Internalize(fresh); a != b {
			t.Fatalf("%q: reused parser %q, fresh %q", s, a, b)
		}
		Externalize(reused)
		for _, a := range Grep(reused, Address) {
			if a.Head == nil || a.Head.Owner != a || a.Tail.Owner != a {
				t.Fatalf("%q: bad address node", s)
			}
			Internalize(a.Head)
			Externalize(a.Head)
		}
		// Parsing keeps every token: the scanned tokens, comments
		// included, are all in the tree.
		if got, want := countTokens(reused), len(Scan(s)); got < want {
			t.Fatalf("%q: %d tokens in the tree, %d scanned", s, got, want)
		}
	})
}

// countTokens counts the scanned tokens in a tree (not the Address
// nodes and commas the parser adds; a comma may also come from input).
func countTokens(tree *Node) int {
	n := 0
	for tp := tree; tp != nil; tp = tp.Next {
		switch tp.Type {
		case Address:
			n += countTokens(tp.Head)
		default:
			n++
		}
	}
	return n
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"user@example.com", "john doe@x", `a"b@x`, `a\b@x`, "a@b@c", "@r:x y@d", "", "@", "\"", "a\rb@x", "caf\xc3\xa9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := QuoteLocal(s)
		if q != s && !strings.Contains(q, `"`) {
			t.Fatalf("%q quoted without quotes: %q", s, q)
		}
		// The domain is never changed, so it must not hold what
		// unquoting removes; a source route is never unquoted.
		at := strings.LastIndexByte(s, '@')
		if strings.HasPrefix(s, "@") || at >= 0 && strings.ContainsAny(s[at:], `"\`) {
			return
		}
		if u := UnquoteLocal(q); u != s {
			t.Fatalf("UnquoteLocal(QuoteLocal(%q)) = %q via %q", s, u, q)
		}
	})
}
