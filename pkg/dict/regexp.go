package dict

import (
	"fmt"
	"regexp"
	"strings"
)

func init() {
	register("regexp", func(name string, opts Options) (Dict, error) {
		return openRegexp("regexp", name, opts)
	})
	register("pcre", func(name string, opts Options) (Dict, error) {
		return openRegexp("pcre", name, opts)
	})
}

// reDict is a regexp_table(5) or pcre_table(5) table
// (util/dict_regexp.c, util/dict_pcre.c): rules "/pattern/flags result",
// "!/pattern/ result", "/p1/!/p2/ result" (regexp only) and
// "if /pattern/" ... "endif", applied in order to the whole key; the
// first match wins; $1..$9, ${n} and $$ in the result are substituted.
//
// Patterns run on Go's RE2 engine. regexp: patterns are POSIX extended
// regular expressions, translated to RE2 and matched leftmost-longest as
// POSIX requires. pcre: PCRE syntax that RE2 shares; a PCRE-only
// feature (backreference, lookaround, atomic group, possessive
// quantifier, recursion, ...) makes the table fail to open with an
// error naming the file, line and feature.
type reDict struct {
	typ, name string
	rules     []reRule
}

type reRule struct {
	op       int
	re       *regexp.Regexp
	match    bool
	re2      *regexp.Regexp // regexp "/p1/!/p2/" second pattern
	match2   bool
	repl     []replPart
	maxSub   int
	blockEnd int
}

// replPart is literal text or a $number reference (sub > 0).
type replPart struct {
	text string
	sub  int
}

func openRegexp(typ, name string, opts Options) (Dict, error) {
	lines, err := readRules(typ, name, opts)
	if err != nil {
		return nil, err
	}
	return buildRegexp(typ, name, lines, opts)
}

// buildRegexp compiles the rules of a regexp: or pcre: table.
func buildRegexp(typ, name string, lines []ruleLine, opts Options) (*reDict, error) {
	d := &reDict{typ: typ, name: name}
	var st ifStack
	for _, l := range lines {
		p := reParser{typ: typ, name: name, lineno: l.lineno, opts: opts}
		r, err := p.rule(l.text)
		if err != nil {
			return nil, err
		}
		switch r.op {
		case ruleIf:
			st.push(len(d.rules), l.lineno)
		case ruleEndif:
			i, ok := st.pop()
			if !ok {
				return nil, p.errf("ignoring ENDIF without matching IF")
			}
			d.rules[i].blockEnd = len(d.rules) + 1
		}
		d.rules = append(d.rules, r)
	}
	if err := st.unclosed(typ, name); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *reDict) Lookup(key string) (string, bool, error) {
	for i := 0; i < len(d.rules); i++ {
		r := &d.rules[i]
		switch r.op {
		case ruleIf:
			if r.re.MatchString(key) != r.match {
				i = r.blockEnd - 1
			}
		case ruleMatch:
			if v, ok := r.apply(key); ok {
				return v, true, nil
			}
		}
	}
	return "", false, nil
}

// apply matches one rule against key and builds the result.
func (r *reRule) apply(key string) (string, bool) {
	if r.maxSub == 0 || !r.match {
		if r.re.MatchString(key) != r.match {
			return "", false
		}
		if r.re2 != nil && r.re2.MatchString(key) != r.match2 {
			return "", false
		}
		return r.literal(), true
	}
	m := r.re.FindStringSubmatchIndex(key)
	if m == nil {
		return "", false
	}
	if r.re2 != nil && r.re2.MatchString(key) != r.match2 {
		return "", false
	}
	var sb strings.Builder
	for _, p := range r.repl {
		if p.sub == 0 {
			sb.WriteString(p.text)
		} else if s, e := m[2*p.sub], m[2*p.sub+1]; s >= 0 {
			sb.WriteString(key[s:e])
		}
	}
	return sb.String(), true
}

func (r *reRule) literal() string {
	if len(r.repl) == 1 {
		return r.repl[0].text
	}
	var sb strings.Builder
	for _, p := range r.repl {
		sb.WriteString(p.text)
	}
	return sb.String()
}

func (d *reDict) Flags() Flags { return Pattern }
func (d *reDict) Close() error { return nil }

// String names the table for messages.
func (d *reDict) String() string { return fmt.Sprintf("%s:%s", d.typ, d.name) }
