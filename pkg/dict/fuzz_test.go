package dict

import (
	"bytes"
	"strings"
	"testing"
)

// Fuzz targets for every table source parser and the table file
// reader. Seed corpora live in testdata/fuzz/<FuzzName>/; run one with
// "go test -fuzz=FuzzName ./pkg/dict/".

func FuzzSourceParser(f *testing.F) {
	f.Add([]byte("key value\n# comment\nk2 v\n  continued\n\"quoted key\" v\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lr := NewLineReader(bytes.NewReader(data), "fuzz", func(string) {})
		b := NewBuilder(true)
		for {
			line, n, ok, err := lr.Next()
			if err != nil || !ok {
				break
			}
			if n <= 0 || line == "" || isSpace(line[0]) {
				t.Fatalf("bad logical line %d %q", n, line)
			}
			if k, v, p := SplitKeyValue(line); p == "" {
				if k == "" || v == "" || strings.TrimSpace(v) != v {
					t.Fatalf("bad split %q -> %q %q", line, k, v)
				}
				b.Add(k, v, false)
			}
		}
		var buf bytes.Buffer
		if err := writeHashFile(&buf, b.entries, true); err != nil {
			t.Fatal(err)
		}
		tab, err := parseHashFile(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range b.entries {
			if v, ok, err := tab.get(e.key); !ok || err != nil || string(v) != e.value {
				t.Fatalf("round trip %q: %q %v %v", e.key, v, ok, err)
			}
		}
	})
}

func FuzzAliasParser(f *testing.F) {
	f.Add("root: admin, \"a b\"@x, |\"/bin/prog -x\", /var/mail/file, :include:/etc/list")
	f.Fuzz(func(t *testing.T, line string) {
		k, v, p := SplitAliasLine(line)
		if p == "" && (k == "" && v == "") {
			t.Fatalf("accepted %q with empty result", line)
		}
	})
}

func FuzzHashFileReader(f *testing.F) {
	var buf bytes.Buffer
	writeHashFile(&buf, []hashEntry{{key: "a", value: "b", hash: hashOf("a")}}, true)
	f.Add(buf.Bytes(), "a")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		tab, err := parseHashFile(data)
		if err != nil {
			return
		}
		tab.get(key)
		tab.seq(func(k, v []byte) bool { tab.get(string(k)); return true })
	})
}

func FuzzCIDRTable(f *testing.F) {
	f.Add("10.0.0.0/8 ten\nif !192.168.0.0/16\n[2001:db8::]/32 six\nendif\n", "2001:db8::1")
	f.Fuzz(func(t *testing.T, src, key string) {
		lines, err := ruleLines("cidr", "fuzz", strings.NewReader(src), Options{})
		if err != nil {
			return
		}
		if d, err := buildCIDR("fuzz", lines); err == nil {
			d.Lookup(key)
		}
	})
}

func fuzzRegexp(f *testing.F, typ, seed string) {
	f.Add(seed, "user@example.com")
	f.Fuzz(func(t *testing.T, src, key string) {
		lines, err := ruleLines(typ, "fuzz", strings.NewReader(src), Options{})
		if err != nil {
			return
		}
		if d, err := buildRegexp(typ, "fuzz", lines, Options{}); err == nil {
			d.Lookup(key)
		}
	})
}

func FuzzRegexpTable(f *testing.F) {
	fuzzRegexp(f, "regexp", "/^(.*)@(.*)$/ $2 $1\nif !/x/\n/[]a\\.]+/i y\nendif\n")
}

func FuzzPCRETable(f *testing.F) {
	fuzzRegexp(f, "pcre", "/^(\\d+)(?:\\w+)$/ $1\n/a\\Qb.\\E{2}/x y\n")
}

func FuzzInlineTable(f *testing.F) {
	f.Add("{a=1, {b = two words}, \"q\"=x}", "b")
	f.Fuzz(func(t *testing.T, name, key string) {
		if strings.Contains(name, "/") {
			return // no file-backed tables inside the composites
		}
		for _, typ := range []string{"inline", "static", "unionmap", "pipemap"} {
			if d, err := Open(typ+":"+name, Options{}); err == nil {
				d.Lookup(key)
				d.Close()
			}
		}
	})
}
