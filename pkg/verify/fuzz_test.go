package verify

import (
	"testing"
)

// FuzzParseEntry: cache values never panic the parser, and a parsed
// entry prints back to a value that parses to the same entry.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"0:0:1700000000:ok", "3:1:0:Address verification in progress", "junk", "2::5:", "9:1:1:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, ok := parseEntry(raw)
		if !ok {
			return
		}
		e2, ok := parseEntry(e.String())
		if !ok || e2 != e {
			t.Fatalf("%q -> %+v -> %q -> %+v", raw, e, e.String(), e2)
		}
	})
}

// FuzzCacheLine: escaping round-trips and line parsing never panics.
func FuzzCacheLine(f *testing.F) {
	f.Add("a@example.net", "0:0:1:ok")
	f.Add("tab\t%@x", "line\nbreak\x00")
	f.Fuzz(func(t *testing.T, key, value string) {
		m := map[string]string{}
		applyLine(m, key)
		if key == "" {
			return
		}
		m = map[string]string{}
		if !applyLine(m, escape(key)+"\t"+escape(value)) || m[key] != value {
			t.Fatalf("round trip of %q=%q: %v", key, value, m)
		}
	})
}
