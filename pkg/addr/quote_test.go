package addr

import "testing"

func TestQuoteLocal(t *testing.T) {
	for in, want := range map[string]string{
		"user@example.com":      "user@example.com",
		"john doe@example.com":  `"john doe"@example.com`,
		`a"b@x`:                 `"a\"b"@x`,
		`a\b@x`:                 `"a\\b"@x`,
		"a@b@c":                 `"a@b"@c`,
		"@r1,@r2:x y@d":         `@r1,@r2:"x y"@d`,
		"john.doe.@x":           `"john.doe."@x`,
		".a@x":                  `".a"@x`,
		"a..b@x":                `"a..b"@x`,
		"@x":                    `""@x`,
		"":                      `""`,
		"plain":                 "plain",
		"caf\xc3\xa9@x":         "caf\xc3\xa9@x",
		"a\rb@x":                "\"a\\\rb\"@x",
		"|/bin/cmd -x":          `"|/bin/cmd -x"`,
		"user+ext@example.com":  "user+ext@example.com",
		"a(b)@x":                `"a(b)"@x`,
		"MAILER-DAEMON@example": "MAILER-DAEMON@example",
		"[1.2.3.4]":             `"[1.2.3.4]"`,
		"a%b!c@x":               "a%b!c@x",
		"tab\there@x":           "\"tab\there\"@x",
		"x@":                    "x@",
		"u@[ipv6:1::2]":         "u@[ipv6:1::2]",
	} {
		if got := QuoteLocal(in); got != want {
			t.Errorf("QuoteLocal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuoteLocalFlags(t *testing.T) {
	for _, tc := range []struct {
		in    string
		flags QuoteFlags
		want  string
	}{
		{"caf\xc3\xa9@x", 0, "\"caf\\\xc3\\\xa9\"@x"},
		{"a@b", QuoteDefault | QuoteBareLocalpart, `"a@b"`},
		{"a@b", QuoteDefault | QuoteBareLocalpart | QuoteExposeAt, "a@b"},
		{"a b", QuoteDefault | QuoteBareLocalpart, `"a b"`},
		{"a@b@c", QuoteDefault | QuoteExposeAt, "a@b@c"},
	} {
		if got := QuoteLocalFlags(tc.in, tc.flags); got != tc.want {
			t.Errorf("QuoteLocalFlags(%q, %d) = %q, want %q", tc.in, tc.flags, got, tc.want)
		}
	}
}

func TestUnquoteLocal(t *testing.T) {
	for in, want := range map[string]string{
		`"a b"@example.com`:    `a b@example.com`,
		`"a\"b"@x`:             `a"b@x`,
		`plain@x`:              `plain@x`,
		`"a@b"@c`:              `a@b@c`,
		`@r1,@r2:"x y"@d`:      `@r1,@r2:x y@d`,
		`noat`:                 `noat`,
		`"user"`:               `user`,
		`a\@b@"quoted.domain"`: `a@b@"quoted.domain"`,
		`trailing\`:            `trailing`,
		`""@x`:                 `@x`,
	} {
		if got := UnquoteLocal(in); got != want {
			t.Errorf("UnquoteLocal(%q) = %q, want %q", in, got, want)
		}
	}
}
