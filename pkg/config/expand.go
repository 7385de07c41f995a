package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Expansion of $name, ${name}, $(name), ${name?value}, ${name:value},
// ${name?{value}:{value}} and the relational form
// ${{left} OP {right}?{iftrue}:{iffalse}}, as Postfix's
// util/mac_parse.c and util/mac_expand.c do it.

// maxNesting is Postfix's limit on nested macro calls ("unreasonable
// macro call nesting").
const maxNesting = 100

const macWhite = " \t\r\n"

// LookupFunc returns a parameter's raw (unexpanded) value and whether it is
// defined.
type LookupFunc func(name string) (string, bool)

// Expander expands parameter values. Undefined names expand to nothing and
// are reported through Undefined when it is set (postconf warns "undefined
// parameter"). Raw, when set, says a parameter's value must not be
// expanded recursively (CONFIG_RAW_TABLE).
type Expander struct {
	Lookup    LookupFunc
	Undefined func(name string)
	Raw       func(name string) bool
}

type expandState struct {
	*Expander
	level int
	out   strings.Builder
}

// Expand returns s with every macro expanded recursively.
func (e *Expander) Expand(s string) (string, error) {
	st := &expandState{Expander: e}
	if err := st.parse(s); err != nil {
		return "", err
	}
	return st.out.String(), nil
}

// parse splits s into literal text and macro references (mac_parse).
func (st *expandState) parse(s string) error {
	var lit strings.Builder
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
		st.out.WriteString(lit.String())
		lit.Reset()
		i++
		var expr string
		if i < len(s) && (s[i] == '{' || s[i] == '(') {
			open, closeCh := s[i], byte('}')
			if open == '(' {
				closeCh = ')'
			}
			level, j := 1, i+1
			for ; level > 0; j++ {
				if j >= len(s) {
					return fmt.Errorf("truncated macro reference: \"%s\"", s)
				}
				switch s[j] {
				case open:
					level++
				case closeCh:
					level--
				}
			}
			expr, i = s[i+1:j-1], j
		} else {
			j := i
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			expr, i = s[i:j], j
		}
		if expr == "" {
			return fmt.Errorf("empty macro name: \"%s\"", s)
		}
		if err := st.macro(expr); err != nil {
			return err
		}
	}
	st.out.WriteString(lit.String())
	return nil
}

func isNameChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// macro evaluates one macro body (mac_expand_callback).
func (st *expandState) macro(expr string) error {
	st.level++
	defer func() { st.level-- }()
	if st.level > maxNesting {
		return fmt.Errorf("unreasonable macro call nesting: \"%s\"", expr)
	}
	var (
		value   string
		defined bool
		op      byte
		rest    string
		name    string
	)
	trimmed := strings.TrimLeft(expr, macWhite)
	if strings.HasPrefix(trimmed, "{") {
		v, r, err := st.relational(trimmed)
		if err != nil {
			return err
		}
		value, defined, rest = v, true, r
		if rest != "" {
			if rest[0] != '?' && rest[0] != ':' {
				return fmt.Errorf("\"?\" or \":\" expected at: \"...}>>>%.20s\"", rest)
			}
			op, rest = rest[0], rest[1:]
		}
	} else {
		var err error
		name, op, rest, err = splitName(expr)
		if err != nil {
			return err
		}
		value, defined = st.Lookup(name)
	}
	switch op {
	case 0:
		return st.plain(name, value, defined)
	case '?':
		return st.ternary(value, rest)
	default: // ':'
		return st.orElse(value, rest)
	}
}

// splitName collects a parameter name and the operator that follows it.
func splitName(expr string) (name string, op byte, rest string, err error) {
	s := strings.TrimLeft(expr, macWhite)
	for i := 0; ; i++ {
		ws := len(s[i:]) - len(strings.TrimLeft(s[i:], macWhite))
		if i+ws >= len(s) {
			return s[:i], 0, "", nil
		}
		c := s[i+ws]
		if c == '?' || c == ':' {
			return s[:i], c, s[i+ws+1:], nil
		}
		if c == '{' {
			return "", 0, "", fmt.Errorf("unsupported function call: \"%s\"", expr)
		}
		if !isNameChar(s[i]) {
			return "", 0, "", fmt.Errorf("attribute name syntax error at: \"...%s>>>%.20s\"", s[:i], s[i:])
		}
	}
}

func (st *expandState) plain(name, value string, defined bool) error {
	if !defined {
		if st.Undefined != nil {
			st.Undefined(name)
		}
		return nil
	}
	if value == "" {
		return nil
	}
	if st.Raw != nil && st.Raw(name) {
		st.out.WriteString(value)
		return nil
	}
	return st.parse(value)
}

// ternary handles "?iftrue" and "?{iftrue}:{iffalse}".
func (st *expandState) ternary(value, rest string) error {
	iftrue, after, curly, err := operand(rest)
	if err != nil {
		return err
	}
	if value != "" {
		if err := st.parse(iftrue); err != nil {
			return err
		}
	}
	if !curly || after == "" {
		return nil
	}
	if after[0] != ':' {
		return fmt.Errorf("\":\" expected at: \"...%s}>>>%.20s\"", iftrue, after)
	}
	if value == "" {
		return st.orElse(value, after[1:])
	}
	_, after, _, err = operand(after[1:])
	if err == nil && after != "" {
		err = fmt.Errorf("unexpected input at: \"...}>>>%.20s\"", after)
	}
	return err
}

func (st *expandState) orElse(value, rest string) error {
	iffalse, after, _, err := operand(rest)
	if err != nil {
		return err
	}
	if after != "" {
		return fmt.Errorf("unexpected input at: \"...%s}>>>%.20s\"", iffalse, after)
	}
	if value == "" {
		return st.parse(iffalse)
	}
	return nil
}

// operand returns a result operand: either {payload} (followed by left-over
// text, leading white space skipped) or all the remaining text.
func operand(s string) (payload, after string, curly bool, err error) {
	t := strings.TrimLeft(s, macWhite)
	if !strings.HasPrefix(t, "{") {
		return s, "", false, nil
	}
	payload, after, err = curlyPayload(t)
	return payload, after, true, err
}

// curlyPayload balances {} at the start of s (mac_exp_extract_curly_payload).
func curlyPayload(s string) (payload, after string, err error) {
	level := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			level--
			if level == 0 {
				return s[1:i], strings.TrimLeft(s[i+1:], macWhite), nil
			}
		}
	}
	return "", "", fmt.Errorf("unbalanced {} in attribute expression: \"%s\"", s)
}

// relational evaluates "{left} OP {right}" and returns "true" or "" as the
// fake lookup result, plus the text after the right operand.
func (st *expandState) relational(s string) (string, string, error) {
	left, rest, err := curlyPayload(s)
	if err != nil {
		return "", "", err
	}
	n := 0
	for n < len(rest) && strings.IndexByte("<>!=?+-*/~&|%", rest[n]) >= 0 {
		n++
	}
	op := rest[:n]
	for n < len(rest) && isNameChar(rest[n]) && rest[n] != '_' {
		n++
	}
	op, rest = rest[:n], strings.TrimLeft(rest[n:], macWhite)
	if !strings.HasPrefix(rest, "{") {
		return "", "", fmt.Errorf("\"{expression}\" expected at: \"...{%s} %s>>>%.20s\"", left, op, rest)
	}
	right, rest, err := curlyPayload(rest)
	if err != nil {
		return "", "", err
	}
	lv, err := st.Expander.Expand(left)
	if err != nil {
		return "", "", err
	}
	rv, err := st.Expander.Expand(right)
	if err != nil {
		return "", "", err
	}
	ok, err := compare(lv, op, rv)
	if err != nil {
		return "", "", err
	}
	if ok {
		return "true", rest, nil
	}
	return "", rest, nil
}

// compare implements the relational operators: numeric when both sides are
// all digits, else string comparison; the "level" suffix compares
// compatibility levels (global/compat_level.c).
func compare(l, op, r string) (bool, error) {
	var delta int
	base, suffix := strings.TrimRightFunc(op, isLetter), ""
	suffix = op[len(base):]
	switch {
	case suffix == "level":
		a, err1 := parseCompatLevel(l)
		b, err2 := parseCompatLevel(r)
		if err1 != nil {
			return false, err1
		}
		if err2 != nil {
			return false, err2
		}
		delta = cmpInts(a, b)
	case suffix != "":
		return false, fmt.Errorf("bad operator suffix at: \"...%s>>>%s\"", base, suffix)
	case allDigits(l) && allDigits(r):
		a, _ := strconv.ParseInt(l, 10, 64)
		b, _ := strconv.ParseInt(r, 10, 64)
		delta = cmpInts(a, b)
	default:
		delta = strings.Compare(l, r)
	}
	switch base {
	case "==":
		return delta == 0, nil
	case "!=":
		return delta != 0, nil
	case "<":
		return delta < 0, nil
	case "<=":
		return delta <= 0, nil
	case ">=":
		return delta >= 0, nil
	case ">":
		return delta > 0, nil
	}
	return false, fmt.Errorf("\"==\" or \"!=\" or \"<\" or \"<=\" or \">=\" or \">\" expected at: \"...}>>>%.20s\"", op)
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func cmpInts(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseCompatLevel converts "major[.minor[.patch]]" into one comparable
// number, as compat_level_from_string does.
func parseCompatLevel(s string) (int64, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return 0, fmt.Errorf("bad compatibility level: %q", s)
	}
	var v int64
	for i := 0; i < 3; i++ {
		v *= 1 << 20
		if i >= len(parts) {
			continue
		}
		if !allDigits(parts[i]) || len(parts[i]) > 6 {
			return 0, fmt.Errorf("bad compatibility level: %q", s)
		}
		n, _ := strconv.ParseInt(parts[i], 10, 64)
		v += n
	}
	return v, nil
}
