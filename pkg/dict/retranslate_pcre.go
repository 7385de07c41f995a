package dict

import (
	"fmt"
	"strings"
)

// translatePCRE turns a PCRE pattern with pcre_table(5) flags into RE2
// syntax. Defaults: i on (CASELESS), s on (DOTALL), m, x, A, E, U off;
// X is accepted (PCRE_EXTRA only adds strictness).
func translatePCRE(pat, flags string) (string, error) {
	icase, dotall, multi, ext, anch, endonly, ungreedy := true, true, false, false, false, false, false
	for _, f := range flags {
		switch f {
		case 'i':
			icase = !icase
		case 's':
			dotall = !dotall
		case 'm':
			multi = !multi
		case 'x':
			ext = !ext
		case 'A':
			anch = !anch
		case 'E':
			endonly = !endonly
		case 'U':
			ungreedy = !ungreedy
		case 'X':
		default:
			return "", fmt.Errorf("unknown regexp option \"%c\"", f)
		}
	}
	t := pcreTr{s: pat, ext: ext, dollarNL: !endonly && !multi}
	var body strings.Builder
	t.b = &body
	if err := t.run(); err != nil {
		return "", err
	}
	out := reFlagPrefix(icase, dotall, multi, ungreedy)
	if anch {
		return out + `\A(?:` + body.String() + `)`, nil
	}
	return out + body.String(), nil
}

type pcreTr struct {
	s        string
	i        int
	b        *strings.Builder
	ext      bool // x flag: skip whitespace and # comments
	dollarNL bool // $ also matches before a final newline
	quant    bool // previous token was a quantifier
}

func pcreOnly(what string) error {
	return fmt.Errorf("PCRE feature not supported (RE2 syntax): %s", what)
}

func (t *pcreTr) run() error {
	for t.i < len(t.s) {
		c := t.s[t.i]
		wasQuant := t.quant
		t.quant = false
		if wasQuant && c == '+' {
			return pcreOnly("possessive quantifier")
		}
		var err error
		switch {
		case t.ext && isSpace(c):
			t.i++
			t.quant = wasQuant
		case t.ext && c == '#':
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
		case c == '\\':
			err = t.escape()
		case c == '[':
			err = t.class()
		case c == '(':
			err = t.group()
		case c == '*' || c == '+' || c == '?':
			t.b.WriteByte(c)
			t.i++
			t.quant = !(wasQuant && c == '?')
		case c == '{':
			t.interval()
		case c == '$' && t.dollarNL:
			t.b.WriteString(`(?:\n?\z)`)
			t.i++
		default:
			t.b.WriteByte(c)
			t.i++
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// interval copies "{n}", "{n,}", "{n,m}" (a quantifier) or a literal '{'.
func (t *pcreTr) interval() {
	j := t.i + 1
	for j < len(t.s) && (t.s[j] >= '0' && t.s[j] <= '9' || t.s[j] == ',') {
		j++
	}
	if j < len(t.s) && t.s[j] == '}' && j > t.i+1 && t.s[t.i+1] != ',' {
		t.b.WriteString(t.s[t.i : j+1])
		t.i = j + 1
		t.quant = true
		return
	}
	t.b.WriteString(`\{`)
	t.i++
}

var pcreEscapes = map[byte]string{
	'e': `\x1B`,
	'Z': `(?:\n?\z)`,
	'N': `[^\n]`,
	'h': `[\t \x{A0}]`,
	'H': `[^\t \x{A0}]`,
	'v': `[\n\v\f\r\x{85}\x{2028}\x{2029}]`,
	'V': `[^\n\v\f\r\x{85}\x{2028}\x{2029}]`,
	'R': `(?:\r\n|[\n\v\f\r\x{85}\x{2028}\x{2029}])`,
}

var pcreOnlyEscapes = map[byte]string{
	'g': "backreference (\\g)", 'k': "backreference (\\k)", 'K': "match reset (\\K)",
	'G': "\\G assertion", 'X': "extended grapheme cluster (\\X)", 'C': "single code unit (\\C)",
	'o': "octal escape \\o{...}",
}

func (t *pcreTr) escape() error {
	if t.i+1 >= len(t.s) {
		return fmt.Errorf("\\ at end of pattern")
	}
	c := t.s[t.i+1]
	switch {
	case c >= '1' && c <= '9':
		return pcreOnly(fmt.Sprintf("backreference \\%c", c))
	case pcreOnlyEscapes[c] != "":
		return pcreOnly(pcreOnlyEscapes[c])
	case pcreEscapes[c] != "":
		t.b.WriteString(pcreEscapes[c])
		t.i += 2
		return nil
	case c == 'c':
		if t.i+2 >= len(t.s) {
			return fmt.Errorf("\\c at end of pattern")
		}
		fmt.Fprintf(t.b, `\x{%X}`, (t.s[t.i+2]&^0x20)^0x40)
		t.i += 3
		return nil
	case c == 'Q':
		end := strings.Index(t.s[t.i+2:], `\E`)
		if end < 0 {
			end = len(t.s) - t.i - 2
			t.b.WriteString(`\Q` + t.s[t.i+2:])
			t.i = len(t.s)
			return nil
		}
		t.b.WriteString(`\Q` + t.s[t.i+2:t.i+2+end] + `\E`)
		t.i += 2 + end + 2
		return nil
	case c == 'E':
		t.i += 2 // \E without \Q is ignored
		return nil
	}
	t.b.WriteString(t.s[t.i : t.i+2])
	t.i += 2
	return nil
}

// class copies a character class; ']' first in the list is literal.
func (t *pcreTr) class() error {
	j := t.i + 1
	if j < len(t.s) && t.s[j] == '^' {
		j++
	}
	if j < len(t.s) && t.s[j] == ']' {
		j++
	}
	for j < len(t.s) {
		switch {
		case t.s[j] == '\\':
			j += 2
			continue
		case t.s[j] == '[' && j+1 < len(t.s) && t.s[j+1] == ':':
			if k := strings.Index(t.s[j+2:], ":]"); k >= 0 {
				j += 2 + k + 2
				continue
			}
		case t.s[j] == ']':
			cls := t.s[t.i : j+1]
			cls = strings.Replace(cls, "[]", `[\]`, 1)
			cls = strings.Replace(cls, "[^]", `[^\]`, 1)
			t.b.WriteString(cls)
			t.i = j + 1
			return nil
		}
		j++
	}
	return fmt.Errorf("missing terminating ] for character class")
}

// group handles "(" and the "(?...)" / "(*...)" constructs.
func (t *pcreTr) group() error {
	rest := t.s[t.i:]
	for _, g := range pcreOnlyGroups {
		if strings.HasPrefix(rest, g.prefix) {
			return pcreOnly(g.what)
		}
	}
	switch {
	case strings.HasPrefix(rest, "(?#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return fmt.Errorf("missing ) after comment")
		}
		t.i += end + 1
		t.quant = false
		return nil
	case strings.HasPrefix(rest, "(?'"):
		end := strings.IndexByte(rest[3:], '\'')
		if end < 0 {
			return fmt.Errorf("syntax error in subpattern name (missing terminator)")
		}
		t.b.WriteString("(?P<" + rest[3:3+end] + ">")
		t.i += 3 + end + 1
		return nil
	case len(rest) > 2 && rest[1] == '?' && (rest[2] >= '0' && rest[2] <= '9' || rest[2] == '+' || rest[2] == '-' && len(rest) > 3 && rest[3] >= '0' && rest[3] <= '9'):
		return pcreOnly("subroutine call")
	}
	t.b.WriteByte('(')
	t.i++
	return nil
}

var pcreOnlyGroups = []struct{ prefix, what string }{
	{"(?=", "lookahead assertion (?=...)"},
	{"(?!", "negative lookahead assertion (?!...)"},
	{"(?<=", "lookbehind assertion (?<=...)"},
	{"(?<!", "negative lookbehind assertion (?<!...)"},
	{"(?>", "atomic group (?>...)"},
	{"(?(", "conditional group (?(...)...)"},
	{"(?|", "branch reset group (?|...)"},
	{"(?R)", "recursion (?R)"},
	{"(?&", "subroutine call (?&name)"},
	{"(?P>", "subroutine call (?P>name)"},
	{"(?P=", "backreference (?P=name)"},
	{"(*", "backtracking control verb (*...)"},
}
