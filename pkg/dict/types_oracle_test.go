package dict

import (
	"testing"
)

// Each table type answers every key as the real postmap -q does.

const sampleSource = `# comment
Foo bar
foo@Example.COM   value with  spaces   
multi first
  second
 # comment inside a continued line
	third
"quoted key" quoted value
key\ with\ escapes v1
user+ext@example.com extended
@example.org catchall
example.net domain
192.168.1 net
dup first
dup second
`

func TestHashAndTexthashAgainstPostfix(t *testing.T) {
	needPostfix(t)
	tw := newTwin(t, "map", sampleSource, true)
	keys := []string{"foo", "FOO", "Foo", "foo@example.com", "FOO@EXAMPLE.COM", "multi",
		`"quoted key"`, "quoted key", `key\ with\ escapes`, "user+ext@example.com",
		"@example.org", "example.net", "192.168.1", "dup", "missing", ""}
	for _, typ := range []string{"hash", "texthash"} {
		tw.compareKeys(t, typ, tw.open(t, typ), keys[:len(keys)-1])
	}
}

func TestPatternTypesAgainstPostfix(t *testing.T) {
	needPostfix(t)
	cases := []struct {
		typ, source string
		keys        []string
	}{
		{"cidr", "10.0.0.0/8 ten\n!192.168.0.0/16 notlocal\n[2001:db8::]/32 doc6\n192.168.1.1 exact\n" +
			"if 172.16.0.0/12\n172.16.5.0/24 five\nendif\n::ffff:1.2.3.4 mapped\n0.0.0.0/0 any4\n",
			[]string{"10.1.2.3", "192.168.1.1", "8.8.8.8", "2001:db8::1", "2001:db9::1", "172.16.5.9",
				"172.17.0.1", "::ffff:1.2.3.4", "not-an-ip", "[10.0.0.1]"}},
		{"regexp", "/^(.*)@(.*)\\.example\\.com$/ $2 user $1\n/^postmaster@/ OK\n!/@/ NO-AT\n" +
			"if /^a/\n/b$/ a-to-b\nendif\n/x+y/i XY\n/[[:digit:]]{3}/ digits\n/\\.$/ dot-at-end\n" +
			"/[\\.]q/ backslash-or-dot-q\n/(a|ab)(c|bcd)(d*)/ longest:$1:$2:$3\n/^\\w+$/ word $$ sign\n",
			[]string{"joe@mail.example.com", "POSTMASTER@x", "nouser", "ab", "ac", "XXY", "a123",
				"end.", `\q`, ".q", "abcd", "hello_1", "x@y"}},
		{"inline", "", []string{"a", "A", "b", "c", "d"}},
		{"static", "", []string{"anything", ""}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			switch c.typ {
			case "inline", "static":
				compareSpec(t, map[string]string{
					"inline": "inline:{A=1, {b = two}, {c = three four}, { d=x=y }}",
					"static": "static:{ some value }",
				}[c.typ], c.keys)
				return
			}
			tw := newTwin(t, "table", c.source, false)
			tw.compareKeys(t, c.typ, tw.open(t, c.typ), c.keys)
		})
	}
}

// compareSpec compares a table given entirely by its spec.
func compareSpec(t *testing.T, spec string, keys []string) {
	t.Helper()
	dir, cfg := t.TempDir(), oracleConfig(t)
	d, err := Open(spec, Options{Flags: MapsFlags})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, k := range keys {
		if k == "" {
			continue
		}
		want, wantOK := realQuery(t, dir, cfg, spec, k)
		got, gotOK, _ := d.Lookup(k)
		if got != want || gotOK != wantOK {
			t.Errorf("%s %q: got (%q, %v), real (%q, %v)", spec, k, got, gotOK, want, wantOK)
		}
	}
}

func TestCompositeAgainstPostfix(t *testing.T) {
	needPostfix(t)
	compareSpec(t, "unionmap:{inline:{a=1, b=2}, static:3, inline:{a=4}}", []string{"a", "b", "z"})
	compareSpec(t, "pipemap:{inline:{a=1, b=2}, inline:{1=one}}", []string{"a", "b", "z"})
}
