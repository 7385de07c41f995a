package smtpd

import (
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Postfix's match lists (util/match_list.c, match_ops.c), used for
// mynetworks, relay_domains, mydestination,
// smtpd_forbid_bare_newline_exclusions and smtpd_forbidden_commands:
// patterns separated by commas or white space, "!pattern" negates and
// stops the search, "/file/name" stands for the patterns in that file,
// "type:table" is a table lookup, and the rest are host or domain names,
// IP addresses, [addresses] and net/mask blocks.

type matchPattern struct {
	neg    bool
	text   string // lower-cased pattern
	table  dict.Dict
	prefix netip.Prefix // net/mask; valid only when isCIDR
	isCIDR bool
}

type matchList struct {
	param  string
	parent bool // parent_domain_matches_subdomains names this list
	pats   []matchPattern
}

// openTableFunc opens a "type:name" table for a match list.
type openTableFunc func(spec string) (dict.Dict, error)

// newMatchList parses a list. param names it in messages and decides the
// parent-domain matching style.
func newMatchList(cfg *config.Config, param, value string, open openTableFunc) (*matchList, error) {
	m := &matchList{param: param}
	for _, p := range cfg.List("parent_domain_matches_subdomains") {
		if p == param {
			m.parent = true
		}
	}
	if err := m.add(value, open, 0); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *matchList) add(value string, open openTableFunc, depth int) error {
	for _, item := range config.SplitList(value) {
		neg := false
		for strings.HasPrefix(item, "!") {
			neg = !neg
			item = item[1:]
		}
		if item == "" {
			return fmt.Errorf("%s: no pattern after '!'", m.param)
		}
		if err := m.addPattern(item, neg, open, depth); err != nil {
			return err
		}
	}
	return nil
}

func (m *matchList) addPattern(item string, neg bool, open openTableFunc, depth int) error {
	switch {
	case item[0] == '/' && depth < 10:
		data, err := os.ReadFile(item)
		if err != nil {
			return fmt.Errorf("%s: open file %s: %v", m.param, item, err)
		}
		return m.add(stripComments(string(data)), open, depth+1)
	case strings.Contains(item, ":") && !looksLikeAddress(item):
		d, err := open(item)
		if err != nil {
			return fmt.Errorf("%s: %v", m.param, err)
		}
		m.pats = append(m.pats, matchPattern{neg: neg, text: item, table: d})
		return nil
	}
	p := matchPattern{neg: neg, text: strings.ToLower(item)}
	if pfx, ok := parseCIDR(item); ok {
		p.prefix, p.isCIDR = pfx, true
	}
	m.pats = append(m.pats, p)
	return nil
}

// looksLikeAddress tells an IPv6 pattern ("[::1]/128", "fe80::/10") from a
// "type:table" pattern (MATCH_DICTIONARY: a colon not in an address).
func looksLikeAddress(s string) bool {
	if s[0] == '[' {
		return true
	}
	_, err := netip.ParsePrefix(s)
	if err == nil {
		return true
	}
	_, err = netip.ParseAddr(s)
	return err == nil
}

// parseCIDR accepts net/mask with IPv6 optionally in brackets.
func parseCIDR(s string) (netip.Prefix, bool) {
	addr, bits, ok := strings.Cut(s, "/")
	if !ok {
		return netip.Prefix{}, false
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	pfx, err := netip.ParsePrefix(addr + "/" + bits)
	if err != nil {
		return netip.Prefix{}, false
	}
	return pfx, true
}

func stripComments(s string) string {
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// matchFunc tests one pattern.
type matchFunc func(p *matchPattern) (bool, error)

func (m *matchList) match(fn matchFunc) (bool, error) {
	if m == nil {
		return false, nil
	}
	for i := range m.pats {
		p := &m.pats[i]
		ok, err := fn(p)
		if err != nil { // match_error(): "PARAM: TYPE:NAME: table lookup problem"
			return false, fmt.Errorf("%s: %w", m.param, err)
		}
		if ok {
			return !p.neg, nil
		}
	}
	return false, nil
}

// matchHost is namadr_list_match: the client name, then its address.
func (m *matchList) matchHost(name, addr string) (bool, error) {
	name = strings.ToLower(name)
	addr = strings.ToLower(addr)
	return m.match(func(p *matchPattern) (bool, error) {
		ok, err := m.hostname(p, name)
		if ok || err != nil {
			return ok, err
		}
		return hostaddr(p, addr)
	})
}

// matchDomain is domain_list_match.
func (m *matchList) matchDomain(name string) (bool, error) {
	name = strings.ToLower(name)
	return m.match(func(p *matchPattern) (bool, error) { return m.hostname(p, name) })
}

// matchString is string_list_match.
func (m *matchList) matchString(s string) (bool, error) {
	s = strings.ToLower(s)
	return m.match(func(p *matchPattern) (bool, error) {
		if p.table != nil {
			return lookup(p, s)
		}
		return s == p.text, nil
	})
}

func lookup(p *matchPattern, key string) (bool, error) {
	_, found, err := p.table.Lookup(key)
	if err != nil {
		return false, fmt.Errorf("%s: table lookup problem", p.text)
	}
	return found, nil
}
