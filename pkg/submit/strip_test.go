package submit

import "testing"

// TestStripExtension: strip_externalize_addr() drops the extension and
// quotes what is left as quote_822_local() does.
func TestStripExtension(t *testing.T) {
	for in, want := range map[string]string{
		"user+ext@example.com": "user@example.com",
		"john doe+x@example":   `"john doe"@example`,
		"+ext@example":         "+ext@example", // a leading delimiter is no extension
		"plain":                "plain",
		"a\"b-c":               `"a\"b"`,
		"@example":             `""@example`,
	} {
		if got := stripExtension(in, "+-"); got != want {
			t.Errorf("stripExtension(%q) = %q, want %q", in, got, want)
		}
	}
}
