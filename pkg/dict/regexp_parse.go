package dict

import (
	"fmt"
	"regexp"
	"strings"
)

// reParser parses one rule of a regexp: or pcre: table.
type reParser struct {
	typ, name string
	lineno    int
	opts      Options
}

func (p *reParser) errf(format string, args ...any) error {
	return fmt.Errorf("%s map %s, line %d: %s", p.typ, p.name, p.lineno, fmt.Sprintf(format, args...))
}

func (p *reParser) warnf(format string, args ...any) {
	p.opts.warnf("%s map %s, line %d: %s", p.typ, p.name, p.lineno, fmt.Sprintf(format, args...))
}

// rule parses a match rule, IF or ENDIF (dict_regexp_parseline()).
func (p *reParser) rule(s string) (reRule, error) {
	if !isAlnum(s[0]) {
		return p.matchRule(s)
	}
	if rest, ok := ifKeyword(s, "IF"); ok {
		return p.ifRule(strings.TrimLeft(rest, " \t\n\v\f\r"))
	}
	if rest, ok := ifKeyword(s, "ENDIF"); ok {
		if trimSpace(rest) != "" {
			p.warnf("ignoring extra text after ENDIF")
		}
		return reRule{op: ruleEndif}, nil
	}
	return reRule{}, p.errf("ignoring unrecognized request")
}

func (p *reParser) ifRule(s string) (reRule, error) {
	re, match, rest, err := p.pattern(s, true)
	if err != nil {
		return reRule{}, err
	}
	if rest = trimSpace(rest); rest != "" {
		p.warnf("ignoring extra text after IF statement: \"%s\"", rest)
		p.warnf("do not prepend whitespace to statements between IF and ENDIF")
	}
	return reRule{op: ruleIf, re: re, match: match}, nil
}

func (p *reParser) matchRule(s string) (reRule, error) {
	r := reRule{op: ruleMatch}
	var err error
	if r.re, r.match, s, err = p.pattern(s, true); err != nil {
		return r, err
	}
	if p.typ == "regexp" && strings.HasPrefix(s, "!") {
		if r.re2, r.match2, s, err = p.pattern(s, false); err != nil {
			return r, err
		}
	}
	s = trimSpace(s)
	if s == "" {
		p.warnf("no replacement text: using empty string")
	}
	if r.repl, r.maxSub, err = p.replacement(s); err != nil {
		return r, err
	}
	switch {
	case r.maxSub > 0 && !r.match:
		return r, p.errf("$number found in negative match replacement text")
	case r.maxSub > 0 && p.opts.Flags&NoRegsub != 0:
		return r, p.errf("regular expression substitution is not allowed")
	case r.maxSub > r.re.NumSubexp():
		return r, p.errf("out of range replacement index \"%d\"", r.maxSub)
	}
	return r, nil
}

// pattern extracts "!/re/flags" (dict_regexp_get_pat()) and compiles it.
func (p *reParser) pattern(s string, first bool) (*regexp.Regexp, bool, string, error) {
	s, match := negations(s)
	if s == "" {
		return nil, false, "", p.errf("no regexp")
	}
	delim := s[0]
	i := 1
	for ; i < len(s) && s[i] != delim; i++ {
		if s[i] == '\\' {
			if i+1 >= len(s) {
				i = len(s)
				break
			}
			i++
		}
	}
	if i >= len(s) {
		return nil, false, "", p.errf("no closing regexp delimiter \"%c\"", delim)
	}
	pat, rest := s[1:i], s[i+1:]
	j := 0
	for j < len(rest) && !isSpace(rest[j]) && !(p.typ == "regexp" && rest[j] == '!') {
		j++
	}
	re, err := p.compile(pat, rest[:j])
	return re, match, rest[j:], err
}

// compile translates pat with its flags to RE2 and compiles it.
func (p *reParser) compile(pat, flags string) (*regexp.Regexp, error) {
	var expr string
	var err error
	if p.typ == "regexp" {
		expr, err = translateERE(pat, flags)
	} else {
		expr, err = translatePCRE(pat, flags)
	}
	if err != nil {
		return nil, p.errf("%v", err)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	if p.typ == "regexp" {
		re.Longest() // POSIX leftmost-longest matching
	}
	return re, nil
}

// replacement parses the result text with mac_parse() rules: $n, ${n},
// $(n), $$; anything else after $ is an error.
func (p *reParser) replacement(s string) ([]replPart, int, error) {
	var parts []replPart
	var lit strings.Builder
	maxSub := 0
	for i := 0; i < len(s); {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			lit.WriteByte('$')
			i += 2
			continue
		}
		name, n, ok := macroName(s[i+1:])
		if !ok || name == "" {
			return nil, 0, p.errf("bad replacement syntax")
		}
		num, ok := parseSmallInt(name)
		if !ok {
			return nil, 0, p.errf("non-numeric replacement index \"%s\"", name)
		}
		if num < 1 {
			return nil, 0, p.errf("out of range replacement index \"%s\"", name)
		}
		if lit.Len() > 0 {
			parts = append(parts, replPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, replPart{sub: num})
		maxSub = max(maxSub, num)
		i += 1 + n
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, replPart{text: lit.String()})
	}
	return parts, maxSub, nil
}

// macroName reads the name after '$': {x}, (x) or an alnum/_ run. n is
// the number of bytes consumed; ok is false for an unclosed brace.
func macroName(s string) (name string, n int, ok bool) {
	if s != "" && (s[0] == '{' || s[0] == '(') {
		open, closeCh := s[0], byte('}')
		if open == '(' {
			closeCh = ')'
		}
		level := 1
		for i := 1; i < len(s); i++ {
			if s[i] == open {
				level++
			} else if s[i] == closeCh {
				if level--; level == 0 {
					return s[1:i], i + 1, true
				}
			}
		}
		return "", 0, false
	}
	i := 0
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	return s[:i], i, true
}

func parseSmallInt(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + int(c-'0'); n > 1<<20 {
			return n, true
		}
	}
	return n, s != ""
}
