package dict

import (
	"fmt"
	"net/netip"
	"strings"
)

func init() {
	register("cidr", openCIDR)
}

// cidrDict is a cidr_table(5) table (util/dict_cidr.c): rules
// "network/length result", "address result", "!pattern result" and
// "if pattern" ... "endif" blocks, tried in order; the first match wins.
// Lookup keys are IPv4 or IPv6 address strings; anything else is not
// found.
type cidrDict struct {
	name  string
	rules []cidrRule
}

type cidrRule struct {
	prefix   netip.Prefix
	match    bool // false for a negated pattern
	op       int
	value    string
	blockEnd int // for IF: index just past the matching ENDIF
}

const (
	ruleMatch = iota
	ruleIf
	ruleEndif
)

func openCIDR(name string, opts Options) (Dict, error) {
	lines, err := readRules("cidr", name, opts)
	if err != nil {
		return nil, err
	}
	return buildCIDR(name, lines)
}

// buildCIDR parses the rules of a cidr: table.
func buildCIDR(name string, lines []ruleLine) (*cidrDict, error) {
	d := &cidrDict{name: name}
	var st ifStack
	for _, l := range lines {
		r, why := parseCIDRRule(l.text)
		if why != "" {
			return nil, fmt.Errorf("cidr map %s, line %d: %s", name, l.lineno, why)
		}
		switch r.op {
		case ruleIf:
			st.push(len(d.rules), l.lineno)
		case ruleEndif:
			i, ok := st.pop()
			if !ok {
				return nil, fmt.Errorf("cidr map %s, line %d: ENDIF without IF", name, l.lineno)
			}
			d.rules[i].blockEnd = len(d.rules) + 1
		}
		d.rules = append(d.rules, r)
	}
	if err := st.unclosed("cidr", name); err != nil {
		return nil, err
	}
	return d, nil
}

// parseCIDRRule parses one rule; why is Postfix's reason text.
func parseCIDRRule(p string) (cidrRule, string) {
	if rest, ok := ifKeyword(p, "IF"); ok {
		pat, match := negations(rest)
		pat = trimSpace(pat)
		if pat == "" {
			return cidrRule{}, "no address pattern"
		}
		pfx, why := parseCIDRPattern(pat)
		return cidrRule{prefix: pfx, match: match, op: ruleIf}, why
	}
	if rest, ok := ifKeyword(p, "ENDIF"); ok {
		if trimSpace(rest) != "" {
			return cidrRule{}, "garbage after ENDIF"
		}
		return cidrRule{op: ruleEndif}, ""
	}
	rest, match := negations(p)
	i := strings.IndexAny(rest, " \t\n\v\f\r")
	if i < 0 {
		i = len(rest)
	}
	pat, value := rest[:i], trimSpace(rest[i:])
	if pat == "" {
		return cidrRule{}, "no address pattern"
	}
	pfx, why := parseCIDRPattern(pat)
	if why != "" {
		return cidrRule{}, why
	}
	if value == "" {
		return cidrRule{}, "no lookup result"
	}
	return cidrRule{prefix: pfx, match: match, value: value, op: ruleMatch}, ""
}

// parseCIDRPattern is cidr_match_parse(): [addr], [addr]/len, addr/len.
func parseCIDRPattern(pat string) (netip.Prefix, string) {
	maskSearch := pat
	if strings.HasPrefix(pat, "[") {
		inner, after, ok := strings.Cut(pat[1:], "]")
		if !ok {
			return netip.Prefix{}, fmt.Sprintf("missing ']' character after \"[%s\"", pat[1:])
		}
		if after != "" && after[0] != '/' {
			return netip.Prefix{}, fmt.Sprintf("garbage after \"[%s]\"", inner)
		}
		pat, maskSearch = inner+after, inner+after
	}
	addr, mask, hasMask := strings.Cut(maskSearch, "/")
	if !hasMask {
		a, err := parseAddrFamily(addr)
		if err != nil {
			return netip.Prefix{}, fmt.Sprintf("bad address pattern: \"%s\"", addr)
		}
		return netip.PrefixFrom(a, a.BitLen()), ""
	}
	return parseNetMask(addr, mask)
}

func parseNetMask(addr, mask string) (netip.Prefix, string) {
	bitsMax := 32
	if strings.Contains(addr, ":") {
		bitsMax = 128
	}
	n := 0
	for _, c := range []byte(mask) {
		if c < '0' || c > '9' {
			return netip.Prefix{}, fmt.Sprintf("bad mask value in \"%s/%s\"", addr, mask)
		}
		if n = n*10 + int(c-'0'); n > 1000 {
			break
		}
	}
	if mask == "" {
		return netip.Prefix{}, fmt.Sprintf("bad mask value in \"%s/%s\"", addr, mask)
	}
	if n > bitsMax {
		return netip.Prefix{}, fmt.Sprintf("bad mask length in \"%s/%s\"", addr, mask)
	}
	a, err := parseAddrFamily(addr)
	if err != nil || a.BitLen() != bitsMax {
		return netip.Prefix{}, fmt.Sprintf("bad network value in \"%s/%s\"", addr, mask)
	}
	p := netip.PrefixFrom(a, n)
	if p.Masked().Addr() != a {
		return netip.Prefix{}, fmt.Sprintf("non-null host address bits in \"%s/%s\", perhaps you should use \"%s/%d\" instead", addr, mask, p.Masked().Addr(), n)
	}
	return p, ""
}

// parseAddrFamily parses like inet_pton with the family chosen by the
// presence of ':' (no zones, no IPv4 shorthand).
func parseAddrFamily(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("bad address")
	}
	if strings.Contains(s, ":") != a.Is6() {
		return netip.Addr{}, fmt.Errorf("bad address")
	}
	return a, nil
}

func (d *cidrDict) Lookup(key string) (string, bool, error) {
	a, err := parseAddrFamily(key)
	if err != nil {
		return "", false, nil
	}
	for i := 0; i < len(d.rules); i++ {
		r := &d.rules[i]
		switch r.op {
		case ruleEndif:
			continue
		case ruleIf:
			if !cidrMatch(r, a) {
				i = r.blockEnd - 1
			}
		case ruleMatch:
			if cidrMatch(r, a) {
				return r.value, true, nil
			}
		}
	}
	return "", false, nil
}

// cidrMatch is cidr_match_entry(): a rule for the other address family
// never applies, negated or not.
func cidrMatch(r *cidrRule, a netip.Addr) bool {
	return a.BitLen() == r.prefix.Addr().BitLen() && r.prefix.Contains(a) == r.match
}

func (d *cidrDict) Flags() Flags { return Pattern }
func (d *cidrDict) Close() error { return nil }
