package config

import (
	"errors"
	"fmt"
	"strings"
)

// LookupFunc returns a parameter's raw (unexpanded) value and whether it is
// defined.
type LookupFunc func(name string) (string, bool)

// Expander expands parameter values with MacExpand: $name, ${name},
// $(name), ${name?value}, ${name:value}, ${name?{value}:{value}} and
// ${{left} OP {right}?{iftrue}:{iffalse}}, recursively. Undefined names
// expand to nothing and are reported through Undefined when it is set
// (postconf warns "undefined parameter"; daemons are silent, as Postfix's).
type Expander struct {
	Lookup    LookupFunc
	Undefined func(name string)
}

// Expand returns s with every macro expanded. A syntax error is returned
// with Postfix's text ("unreasonable macro call nesting: ...", ...).
func (e *Expander) Expand(s string) (string, error) {
	var warnings []string
	warn := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	lookup := func(name string) (string, bool) {
		v, ok := e.Lookup(name)
		if !ok && e.Undefined != nil {
			e.Undefined(name)
		}
		return v, ok
	}
	out, status := MacExpand(s, MacRecurse, lookup, warn)
	if status&MacParseError != 0 {
		if len(warnings) == 0 {
			return "", errors.New("macro processing error")
		}
		return "", errors.New(strings.Join(warnings, "; "))
	}
	return out, nil
}

// ScanNames calls visit for every parameter name s refers to, in both
// branches of every conditional (MAC_EXP_FLAG_SCAN).
func ScanNames(s string, visit func(name string)) {
	lookup := func(name string) (string, bool) {
		visit(name)
		return "", false
	}
	MacExpand(s, MacScan, lookup, func(string, ...any) {})
}

// parseCompatLevel converts "major[.minor[.patch]]" into one comparable
// number (global/compat_level.c).
func parseCompatLevel(s string) (int64, error) {
	var msg string
	n, ok := compatLevel(s, func(f string, a ...any) { msg = fmt.Sprintf(f, a...) })
	if !ok {
		return 0, errors.New(msg)
	}
	return n, nil
}

// CompatBelow reports whether compatibility level a is below level b
// (both "major[.minor[.patch]]"); a malformed level counts as 0, the
// most conservative reading, as Postfix's compat_level does after its
// warning.
func CompatBelow(a, b string) bool {
	x, err := parseCompatLevel(a)
	if err != nil {
		x = 0
	}
	y, err := parseCompatLevel(b)
	if err != nil {
		y = 0
	}
	return x < y
}
