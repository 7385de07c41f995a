package smtpd

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/postern/postern/pkg/config"
)

// DNS list results, cached for the process lifetime as Postfix's
// smtpd_rbl_cache (100 queries, negative and failed results too) and
// smtpd_rbl_byte_cache (parsed reply patterns).

// States of a DNS list lookup.
const (
	rblNotListed = iota
	rblSoft      // lookup error: no verdict
	rblListed
)

// rblResult is a cached answer: the A records and the TXT text, or a
// lookup error (soft). A nil result means "not listed".
type rblResult struct {
	soft  bool
	addrs [][4]byte
	txt   string
	ok    bool // txt was found
}

const rblCacheSize = 100

type rblCache struct {
	mu       sync.Mutex
	results  map[string]*rblResult
	ring     []string
	pos      int
	patterns map[string]*ipPattern
}

func newRBLCache() *rblCache {
	return &rblCache{results: map[string]*rblResult{}, ring: make([]string, rblCacheSize),
		patterns: map[string]*ipPattern{}}
}

// lookup returns the cached result for query, or caches what fetch
// returns. Concurrent sessions may both fetch; the first answer stays.
func (c *rblCache) lookup(query string, fetch func() *rblResult) *rblResult {
	c.mu.Lock()
	r, ok := c.results[query]
	c.mu.Unlock()
	if ok {
		return r
	}
	r = fetch()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, dup := c.results[query]; dup {
		return old
	}
	delete(c.results, c.ring[c.pos])
	c.ring[c.pos] = query
	c.pos = (c.pos + 1) % len(c.ring)
	c.results[query] = r
	return r
}

func (c *rblCache) pattern(text string) (*ipPattern, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.patterns[text]; ok {
		return p, nil
	}
	p, err := parseIPPattern(text)
	if err != nil {
		return nil, err
	}
	c.patterns[text] = p
	return p, nil
}

// rblTXTLimit bounds the joined TXT text (RBL_TXT_LIMIT).
const rblTXTLimit = 500

// rblPageIn does the lookups of one query (rbl_pagein()): the A records,
// and when there are some, the TXT records joined with " / ".
func (s *Server) rblPageIn(query string) *rblResult {
	a := s.dnsLookup(query, dnsTypeA)
	if a.status != dnsOK && a.status != dnsNotFound {
		s.log.Warn("%s: RBL lookup error: %s", query, a.why)
		return &rblResult{soft: true}
	}
	if a.status != dnsOK {
		return nil
	}
	r := &rblResult{}
	for _, rr := range a.rrs {
		if rr.addr.Is4() {
			r.addrs = append(r.addrs, rr.addr.As4())
		}
	}
	t := s.dnsLookup(query, dnsTypeTXT)
	if t.status == dnsOK {
		var sb strings.Builder
		for i, rr := range t.rrs {
			sb.WriteString(rr.txt[:min(len(rr.txt), rblTXTLimit-sb.Len())])
			if i+1 < len(t.rrs) && rblTXTLimit-sb.Len() > 3 {
				sb.WriteString(" / ")
			}
			if sb.Len() >= rblTXTLimit {
				break
			}
		}
		r.txt, r.ok = sb.String(), true
	}
	return r
}

func (r *rblResult) matches(p *ipPattern, _ func(string, ...any)) bool {
	for _, a := range r.addrs {
		if p.match(a) {
			return true
		}
	}
	return false
}

// ipPattern is an ip_match(3) IPv4 pattern: four fields, each a number
// or a "[...]" list of numbers and number..number ranges separated by
// ";". A pattern may be enclosed in "[]" as a whole.
type ipPattern struct {
	fields [4][][2]int
}

func (p *ipPattern) match(a [4]byte) bool {
	for i, f := range p.fields {
		ok := false
		for _, r := range f {
			ok = ok || int(a[i]) >= r[0] && int(a[i]) <= r[1]
		}
		if !ok {
			return false
		}
	}
	return true
}

func parseIPPattern(text string) (*ipPattern, error) {
	pat := text
	if strings.HasPrefix(pat, "[") && strings.HasSuffix(pat, "]") && matchingBracket(pat) == len(pat)-1 {
		pat = pat[1 : len(pat)-1]
	}
	if pat == "" {
		return nil, fmt.Errorf("empty address pattern")
	}
	fields := splitIPFields(pat) // ranges contain ".." inside "[]"
	if len(fields) != 4 {
		return nil, fmt.Errorf("need four address fields in \"%s\"", text)
	}
	p := &ipPattern{}
	for i, f := range fields {
		r, err := parseIPField(f)
		if err != nil {
			return nil, fmt.Errorf("%v in \"%s\"", err, text)
		}
		p.fields[i] = r
	}
	return p, nil
}

func matchingBracket(s string) int {
	level := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			level++
		case ']':
			if level--; level == 0 {
				return i
			}
		}
	}
	return -1
}

// splitIPFields splits at dots outside "[...]".
func splitIPFields(s string) []string {
	var out []string
	level, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			level++
		case ']':
			level--
		case '.':
			if level == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func parseIPField(f string) ([][2]int, error) {
	if !strings.HasPrefix(f, "[") {
		n, err := octet(f)
		return [][2]int{{n, n}}, err
	}
	if !strings.HasSuffix(f, "]") {
		return nil, fmt.Errorf("missing \"]\" character")
	}
	var out [][2]int
	for _, m := range strings.Split(f[1:len(f)-1], ";") {
		lo, hi, isRange := strings.Cut(m, "..")
		a, err := octet(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = octet(hi); err != nil || a > b {
				return nil, fmt.Errorf("numeric range error")
			}
		}
		out = append(out, [2]int{a, b})
	}
	return out, nil
}

func octet(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || s == "" || strings.Trim(s, "0123456789") != "" || n > 255 {
		return 0, fmt.Errorf("need decimal number 0..255")
	}
	return n, nil
}

// expandRBLReply expands the reply template (rbl_expand_lookup() and
// smtpd_expand_lookup()); a bad template falls back to
// default_rbl_reply.
func (s *session) expandRBLReply(template string, r *rblResult, rblDomain, what, class string) (string, bool) {
	domain, _, _ := strings.Cut(rblDomain, "=")
	lookup := func(name string) (string, bool) {
		switch name {
		case "rbl_code":
			return strconv.Itoa(s.rp().rblCode), true
		case "rbl_domain":
			return domain, true
		case "rbl_reason", "rbl_txt":
			return r.txt, true
		case "rbl_what":
			return what, true
		case "rbl_class":
			return class, true
		}
		return s.expandLookup(name)
	}
	filtered := func(name string) (string, bool) {
		v, ok := lookup(name)
		return s.srv.checks.expFilter.apply(v), ok
	}
	for {
		t := template
		if t == "" {
			t = s.rp().defaultRBLReply
		}
		why, status := config.MacExpand(t, 0, filtered, s.srv.log.Warn)
		if status == 0 {
			return why, true
		}
		if template == "" {
			s.srv.log.Warn("rbl_reject_reply: bad default rbl reply template: %s", t)
			return "", false
		}
		s.srv.log.Warn("rbl_reject_reply: bad rbl reply template for domain %s: %s", rblDomain, template)
		template = ""
	}
}

// expandLookup is smtpd_expand_lookup(): the client, HELO and address
// names a reply template may use.
func (s *session) expandLookup(name string) (string, bool) {
	switch name {
	case "server_name":
		return s.p.myhostname, true
	case "client":
		return s.namaddr(), true
	case "client_port":
		return s.client.port, true
	case "client_address":
		return s.client.addr, true
	case "client_name":
		return s.client.name, true
	case "reverse_client_name":
		return s.client.reverseName, true
	case "helo_name":
		return s.helo, true
	}
	for _, a := range []struct {
		prefix, addr string
		have         bool
	}{{"sender", s.tx.sender, s.tx.inMail}, {"recipient", s.tx.recipient, s.tx.haveRcpt}} {
		if suffix, ok := strings.CutPrefix(name, a.prefix); ok {
			if v, ok := expandAddr(a.addr, a.have, suffix); ok {
				return v, true
			}
			break
		}
	}
	s.srv.log.Warn("unknown macro name \"%s\" in expansion request", name)
	return "", false
}

// expandAddr is smtpd_expand_addr(): "", "_name" or "_domain" of addr.
func expandAddr(addr string, have bool, suffix string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	switch {
	case suffix != "" && suffix != "_name" && suffix != "_domain":
		return "", false
	case !have:
		return "", true
	case suffix == "_domain" && addr != "" && at >= 0:
		return addr[at+1:], true
	case suffix == "_domain":
		return "", true
	case addr == "":
		return "<>", true
	case suffix == "_name" && at >= 0:
		return addr[:at], true
	}
	return addr, true
}

// expandFilter replaces the characters that smtpd_expansion_filter
// does not allow with "_".
type expandFilter string

func (f expandFilter) apply(v string) string {
	if strings.Trim(v, string(f)) == "" {
		return v
	}
	b := []byte(v)
	for i, c := range b {
		if strings.IndexByte(string(f), c) < 0 {
			b[i] = '_'
		}
	}
	return string(b)
}

// unescape is Postfix's unescape(): C escapes \a \b \f \n \r \t \v,
// octal \ooo, and a backslash before any other character.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; {
		case strings.IndexByte("abfnrtv", c) >= 0:
			b.WriteByte("\a\b\f\n\r\t\v"[strings.IndexByte("abfnrtv", c)])
		case c >= '0' && c <= '7':
			n, j := 0, i
			for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b.WriteByte(byte(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
