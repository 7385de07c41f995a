package dict

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Translation of POSIX ERE (regexp:) and PCRE (pcre:) patterns to Go's
// RE2 syntax. Where the source dialect means something RE2 cannot do,
// the translation fails with a message that names the feature; the
// caller adds the file and line.

// translateERE turns a POSIX extended regular expression with
// regexp_table(5) flags into RE2 syntax. Defaults: i on (REG_ICASE),
// x on (REG_EXTENDED), m off (no REG_NEWLINE).
func translateERE(pat, flags string) (string, error) {
	icase, extended, newline := true, true, false
	for _, f := range flags {
		switch f {
		case 'i':
			icase = !icase
		case 'x':
			extended = !extended
		case 'm':
			newline = !newline
		default:
			return "", fmt.Errorf("unknown regexp option \"%c\"", f)
		}
	}
	if !extended {
		return "", fmt.Errorf("basic regular expressions (flag \"x\") are not supported")
	}
	var b strings.Builder
	b.WriteString(reFlagPrefix(icase, !newline, newline, false))
	for i := 0; i < len(pat); {
		n, err := ereToken(&b, pat[i:])
		if err != nil {
			return "", err
		}
		i += n
	}
	return b.String(), nil
}

func reFlagPrefix(icase, dotall, multiline, ungreedy bool) string {
	f := ""
	if icase {
		f += "i"
	}
	if dotall {
		f += "s"
	}
	if multiline {
		f += "m"
	}
	if ungreedy {
		f += "U"
	}
	if f == "" {
		return ""
	}
	return "(?" + f + ")"
}

// ereToken translates one token at the start of s and returns its length.
func ereToken(b *strings.Builder, s string) (int, error) {
	switch s[0] {
	case '\\':
		if len(s) == 1 {
			return 0, fmt.Errorf("trailing backslash (\\)")
		}
		r, size := utf8.DecodeRuneInString(s[1:])
		switch {
		case '1' <= r && r <= '9':
			return 0, fmt.Errorf("backreference \"\\%c\" is not supported (RE2 syntax)", r)
		case strings.ContainsRune("<>`'", r):
			return 0, fmt.Errorf("GNU operator \"\\%c\" is not supported (RE2 syntax)", r)
		case strings.ContainsRune("wWsSbB", r):
			b.WriteString(s[:1+size])
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		return 1 + size, nil
	case '[':
		return ereBracket(b, s)
	case '(':
		if strings.HasPrefix(s, "(?") {
			return 0, fmt.Errorf("\"(?\" is not valid in a POSIX regular expression")
		}
	}
	b.WriteByte(s[0])
	return 1, nil
}

// ereBracket copies a POSIX bracket expression, where a backslash is an
// ordinary character and ']' first in the list is literal.
func ereBracket(b *strings.Builder, s string) (int, error) {
	i := 1
	b.WriteByte('[')
	if i < len(s) && s[i] == '^' {
		b.WriteByte('^')
		i++
	}
	if i < len(s) && s[i] == ']' {
		b.WriteString(`\]`)
		i++
	}
	for i < len(s) {
		switch c := s[i]; {
		case c == ']':
			b.WriteByte(']')
			return i + 1, nil
		case c == '[' && i+1 < len(s) && (s[i+1] == '=' || s[i+1] == '.'):
			return 0, fmt.Errorf("collating element \"[%c\" is not supported (RE2 syntax)", s[i+1])
		case c == '[' && i+1 < len(s) && s[i+1] == ':':
			end := strings.Index(s[i+2:], ":]")
			if end < 0 {
				return 0, fmt.Errorf("unterminated character class name")
			}
			b.WriteString(s[i : i+2+end+2])
			i += 2 + end + 2
		case c == '\\':
			b.WriteString(`\\`)
			i++
		case c == '[':
			b.WriteString(`\[`)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return 0, fmt.Errorf("unmatched [ or [^")
}
