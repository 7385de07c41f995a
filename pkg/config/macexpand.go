package config

import (
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// $name expansion as Postfix's util/mac_parse.c and util/mac_expand.c,
// with its two uses in postconf: expanding values (-x, and finding table
// names for the legacy database parameters) and scanning values for the
// names they reference ("undefined parameter" and "unused parameter").
// Syntax errors are warnings with Postfix's texts; the caller decides
// whether they are fatal. This is the one expander of Postern: daemons use
// it through Expander, postconf directly for its scan mode.

const (
	MacRecurse = 1 << iota // expand looked-up values again
	MacScan                // visit every name, produce no text
)

// Status bits of a parse.
const (
	MacParseError = 1 << iota
	MacParseUndef
)

const macMaxLevel = 100

// MacLookup returns a name's value and whether it is defined.
type MacLookup func(name string) (string, bool)

type macContext struct {
	out    *strings.Builder
	flags  int
	lookup MacLookup
	warn   func(format string, args ...any)
	status int
	level  int
}

// MacExpand expands (or, with MacScan, scans) pattern and returns the
// text and the parse status.
func MacExpand(pattern string, flags int, lookup MacLookup, warn func(string, ...any)) (string, int) {
	mc := &macContext{out: &strings.Builder{}, flags: flags, lookup: lookup, warn: warn}
	status := mc.parse(pattern)
	return mc.out.String(), status
}

func (mc *macContext) parseError(format string, args ...any) int {
	mc.warn(format, args...)
	mc.status |= MacParseError
	return mc.status
}

// parse splits value into literal text and macro references (mac_parse).
func (mc *macContext) parse(value string) int {
	var buf strings.Builder
	status := 0
	for vp := 0; vp < len(value); {
		if value[vp] != '$' {
			buf.WriteByte(value[vp])
			vp++
			continue
		}
		if cstr.At(value, vp+1) == '$' {
			buf.WriteByte('$')
			vp += 2
			continue
		}
		if buf.Len() > 0 {
			status |= mc.callback(false, buf.String())
			buf.Reset()
		}
		vp++
		if open := cstr.At(value, vp); open == '{' || open == '(' {
			end, ok := macEnd(value, vp)
			if !ok {
				mc.warn("truncated macro reference: \"%s\"", value)
				status |= MacParseError
				break
			}
			if status&MacParseError != 0 {
				break
			}
			buf.WriteString(value[vp+1 : end-1])
			vp = end
		} else {
			ep := vp
			for ep < len(value) && (cstr.IsAlnum(value[ep]) || value[ep] == '_') {
				ep++
			}
			buf.WriteString(value[vp:ep])
			vp = ep
		}
		if buf.Len() == 0 {
			status |= MacParseError
			mc.warn("empty macro name: \"%s\"", value)
			break
		}
		status |= mc.callback(true, buf.String())
		buf.Reset()
	}
	if buf.Len() > 0 && status&MacParseError == 0 {
		status |= mc.callback(false, buf.String())
	}
	return status
}

// macEnd returns the index after the parenthesis that closes the one at
// value[open], counting only that kind of parenthesis.
func macEnd(value string, open int) (int, bool) {
	o := value[open]
	c := byte('}')
	if o == '(' {
		c = ')'
	}
	level := 1
	for ep := open + 1; ep < len(value); ep++ {
		if value[ep] == o {
			level++
		}
		if value[ep] == c {
			level--
			if level == 0 {
				return ep + 1, true
			}
		}
	}
	return 0, false
}

// findLeftCurly skips white space to a '{' (MAC_EXP_FIND_LEFT_CURLY).
func findLeftCurly(cp string) (string, bool) {
	n := cstr.Strspn(cp, cstr.CharsSpace)
	if cstr.At(cp, n) == '{' {
		return cp[n:], true
	}
	return cp, false
}

// curlyPayload balances the {} at the start of *bp and returns what is
// inside; *bp moves past the '}' and the white space after it.
func (mc *macContext) curlyPayload(bp *string) (string, bool) {
	s := *bp
	level := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			level--
			if level <= 0 {
				rest := s[i+1:]
				*bp = rest[cstr.Strspn(rest, cstr.CharsSpace):]
				return s[1:i], true
			}
		}
	}
	mc.parseError("unbalanced {} in attribute expression: \"%s\"", s)
	return "", false
}

// callback handles one literal or macro expression (mac_expand_callback).
func (mc *macContext) callback(expr bool, text string) int {
	if mc.level > macMaxLevel {
		mc.parseError("unreasonable macro call nesting: \"%s\"", text)
	}
	mc.level++
	if mc.status&MacParseError != 0 {
		return mc.status
	}
	if !expr {
		if mc.flags&MacScan == 0 {
			mc.out.WriteString(text)
		}
		mc.level--
		return mc.status
	}
	if mc.expression(text) {
		mc.level--
	}
	return mc.status
}

// expression evaluates a named parameter or relational expression with
// its optional ?iftrue and :iffalse operands. It returns false after a
// syntax error.
func (mc *macContext) expression(text string) bool {
	var (
		value   string
		defined bool
		op      byte
		cp      = text
	)
	if c, ok := findLeftCurly(cp); ok {
		cp = c
		v, def, ok := mc.relational(&cp)
		if !ok {
			return false
		}
		value, defined = v, def
		if op = cstr.At(cp, 0); op != 0 {
			if op != '?' && op != ':' {
				mc.parseError("\"?\" or \":\" expected at: \"...}>>>%.20s\"", cp)
				return false
			}
			cp = cp[1:]
		}
	} else {
		name, o, rest, ok := mc.attributeName(cp, text)
		if !ok {
			return false
		}
		op, cp = o, rest
		value, defined = mc.lookup(name)
	}
	return mc.operands(op, value, defined, cp)
}

// attributeName collects the parameter name of an expression and the
// operator after it.
func (mc *macContext) attributeName(cp, text string) (name string, op byte, rest string, ok bool) {
	start := cstr.Strspn(cp, cstr.CharsSpace)
	for i := start; ; i++ {
		ws := cstr.Strspn(cp[i:], cstr.CharsSpace)
		ch := cstr.At(cp, i+ws)
		if ch == 0 {
			return cp[start:i], 0, "", true
		}
		if ch == '?' || ch == ':' {
			return cp[start:i], ch, cp[i+ws+1:], true
		}
		if ch = cp[i]; !cstr.IsAlnum(ch) && ch != '_' {
			mc.parseError("attribute name syntax error at: \"...%s>>>%.20s\"", cp[:i], cp[i:])
			return "", 0, "", false
		}
	}
}

// operands handles what follows the name: nothing, ?iftrue[:iffalse]
// or :iffalse.
func (mc *macContext) operands(op byte, value string, defined bool, cp string) bool {
	scan := mc.flags&MacScan != 0
	switch op {
	case 0:
		switch {
		case !defined:
			mc.status |= MacParseUndef
		case value == "" || scan:
		case mc.flags&MacRecurse != 0:
			mc.status |= mc.parse(value)
		default:
			mc.out.WriteString(value)
		}
		return true
	case '?':
		iftrue := cp
		if c, ok := findLeftCurly(cp); ok {
			cp = c
			p, ok := mc.curlyPayload(&cp)
			if !ok {
				return false
			}
			iftrue = p
		} else {
			cp = ""
		}
		if value != "" || scan {
			mc.status |= mc.parse(iftrue)
		}
		if cp == "" {
			return true
		}
		if cp[0] != ':' {
			mc.parseError("\":\" expected at: \"...%s}>>>%.20s\"", iftrue, cp)
			return false
		}
		cp = cp[1:]
	}
	return mc.ifFalse(value, cp)
}

func (mc *macContext) ifFalse(value, cp string) bool {
	iffalse := cp
	if c, ok := findLeftCurly(cp); ok {
		cp = c
		p, ok := mc.curlyPayload(&cp)
		if !ok {
			return false
		}
		iffalse = p
	} else {
		cp = ""
	}
	if value == "" || mc.flags&MacScan != 0 {
		mc.status |= mc.parse(iffalse)
	}
	if cp != "" {
		mc.parseError("unexpected input at: \"...%s}>>>%.20s\"", iffalse, cp)
		return false
	}
	return true
}

// Relational operators (mac_expand.c, with the doubled quotes of
// MAC_EXP_OP_STR_ANY kept as Postfix prints them).
const macOpAny = `"==" or "!="" or "<"" or "<="" or ">="" or ">"`

var macOps = map[string]func(delta int64) bool{
	"==": func(d int64) bool { return d == 0 },
	"!=": func(d int64) bool { return d != 0 },
	"<":  func(d int64) bool { return d < 0 },
	"<=": func(d int64) bool { return d <= 0 },
	">=": func(d int64) bool { return d >= 0 },
	">":  func(d int64) bool { return d > 0 },
}

// relational evaluates "{left} OP[suffix] {right}" and returns the fake
// lookup result: "true" or "" (undefined while scanning).
func (mc *macContext) relational(bp *string) (string, bool, bool) {
	cp := *bp
	left, ok := mc.curlyPayload(&cp)
	if !ok {
		return "", false, false
	}
	opStr, suffix, test, ok := mc.relOperator(&cp, left)
	if !ok {
		return "", false, false
	}
	c, found := findLeftCurly(cp)
	if !found {
		mc.parseError("\"{expression}\" expected at: \"...{%s} %s>>>%.20s\"", left, opStr, cp)
		return "", false, false
	}
	cp = c
	right, ok := mc.curlyPayload(&cp)
	if !ok {
		return "", false, false
	}
	lv, st1 := mc.operand(left)
	rv, st2 := mc.operand(right)
	mc.status |= st1 | st2
	result := false
	if mc.flags&MacScan == 0 {
		delta, err := relopDelta(lv, rv, suffix, mc.warn)
		if err {
			mc.status |= MacParseError
		}
		result = test(delta)
	}
	if mc.status&MacParseError != 0 {
		return "", false, false
	}
	*bp = cp
	if mc.flags&MacScan != 0 {
		return "", false, true
	}
	if result {
		return "true", true, true
	}
	return "", true, true
}

// relOperator parses a relational operator and its optional "level"
// suffix (the only one Postfix registers, compat_level.c).
func (mc *macContext) relOperator(bp *string, left string) (op, suffix string, test func(int64) bool, ok bool) {
	cp := *bp
	n := cstr.Strspn(cp, "<>!=?+-*/~&|%")
	op = cp[:n]
	if test, ok = macOps[op]; !ok {
		mc.parseError("%s expected at: \"...%s}>>>%.20s\"", macOpAny, left, cp)
		return "", "", nil, false
	}
	cp = cp[n:]
	if cstr.IsAlnum(cstr.At(cp, 0)) {
		n = 1
		for cstr.IsAlnum(cstr.At(cp, n)) {
			n++
		}
		suffix, cp = cp[:n], cp[n:]
		if suffix != "level" {
			mc.parseError("bad operator suffix at: \"...%s>>>%s\"", op, suffix)
			return "", "", nil, false
		}
	}
	*bp = cp
	return op, suffix, test, true
}

// operand expands a relational operand in a context of its own, as
// Postfix does. XXX: Postfix starts that context at nesting level 0, and
// a value that refers to itself inside an operand recurses until it
// crashes; Postern carries the nesting level over and stops at 100.
func (mc *macContext) operand(text string) (string, int) {
	sub := &macContext{out: &strings.Builder{}, flags: mc.flags, lookup: mc.lookup,
		warn: mc.warn, level: mc.level}
	status := sub.parse(text)
	return sub.out.String(), status
}

// relopDelta compares two operands: compatibility levels with the "level"
// suffix (global/compat_level.c), numbers when both are all digits, else
// strings. It reports a conversion failure (already warned about).
func relopDelta(l, r, suffix string, warn func(string, ...any)) (int64, bool) {
	if suffix == "level" {
		a, ok1 := compatLevel(l, warn)
		if !ok1 {
			return 0, true
		}
		b, ok2 := compatLevel(r, warn)
		if !ok2 {
			return 0, true
		}
		return a - b, false
	}
	if cstr.AllDigits(l) && cstr.AllDigits(r) {
		a, ok1 := strtol(l)
		b, ok2 := strtol(r)
		// XXX: Postfix makes an overflow fatal right here; Postern warns
		// and fails the expansion ("macro processing error").
		if !ok1 {
			warn("mac_exp_eval: bad conversion: %s", l)
			return 0, true
		}
		if !ok2 {
			warn("mac_exp_eval: bad conversion: %s", r)
			return 0, true
		}
		return a - b, false
	}
	return int64(strings.Compare(l, r)), false
}

// compatLevel converts "major[.minor[.patch]]" into one comparable number
// (compat_level_from_string).
func compatLevel(s string, warn func(string, ...any)) (int64, bool) {
	const minorBits, patchBits = 10, 10
	parts := strings.SplitN(s, ".", 3)
	var res int64
	for i, p := range parts {
		n, ok := strtol(p)
		limit := int64(1<<minorBits - 1)
		if i == 0 {
			limit = int64(^uint64(0)>>1) >> (minorBits + patchBits)
		}
		if !ok || n < 0 || n > limit {
			warn("malformed compatibility level syntax: \"%s\"", s)
			return 0, false
		}
		res |= n << ((2 - i) * 10)
	}
	return res, true
}

// strtol converts a whole string as sane_strtol() followed by a check
// that nothing is left over: optional leading white space and sign, at
// least one digit, no overflow.
func strtol(s string) (int64, bool) {
	t := s[cstr.SkipSpace(s):]
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg, t = t[0] == '-', t[1:]
	}
	if t == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(t); i++ {
		if !cstr.IsDigit(t[i]) {
			return 0, false
		}
		d := int64(t[i] - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}
