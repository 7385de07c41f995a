package cleanup

import (
	"errors"
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// errNonAddress is a table result with no address in it.
var errNonAddress = errors.New("non-address result")

// mapAddr looks addr (internal form) up in m in the virtual(5) and
// canonical(5) search order and returns the addresses of the result,
// each canonicalized in the local context, with an unmatched address
// extension propagated when propagate is set (mail_addr_map_opt()).
func (c *Cleanup) mapAddr(m *dict.Maps, addr string, propagate bool) ([]string, bool, error) {
	r, ok, err := m.FindAddr(addr, c.addrParams, dict.FindDefault)
	if err != nil || !ok {
		return nil, false, err
	}
	value, ext := r.Value, r.Extension
	if strings.HasPrefix(value, "@") {
		// "@otherdomain": the original user in the other domain; the
		// extension is not propagated.
		user := addr
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			user = addr[:at]
		}
		user = strings.TrimSuffix(user, ext)
		value, ext = externalize(user+value), ""
	}
	if !propagate {
		ext = ""
	}
	list := c.crunch(value, ext)
	if len(list) == 0 {
		c.logf("warning", "%s lookup of %s returns non-address result \"%s\"", m.Title, addr, r.Value)
		return nil, false, errNonAddress
	}
	return list, true, nil
}

// crunch splits a table result into internal-form addresses,
// canonicalized in the local context, with ext inserted before the '@'
// of each (mail_addr_crunch_opt()).
func (c *Cleanup) crunch(value, ext string) []string {
	if value == "" || value == "<>" {
		value = `""`
	}
	var out []string
	for _, sp := range scanAddrs(value) {
		a := c.rewrite(sp.Addr, c.localContext())
		if ext != "" {
			if at := strings.LastIndexByte(a, '@'); at >= 0 {
				a = a[:at] + ext + a[at:]
			} else {
				a += ext
			}
		}
		out = append(out, a)
	}
	return out
}

// canonMaxRecursion bounds canonical map rewriting (cleanup_map11.c
// MAX_RECURSION).
const canonMaxRecursion = 10

// map11 rewrites addr through a canonical table until it maps to itself
// (cleanup_map11_external()). A lookup failure makes the message fail
// with "queue file write error", as Postfix's CLEANUP_STAT_WRITE.
func (m *Message) map11(maps *dict.Maps, addr string) string {
	if maps == nil || maps.Len() == 0 {
		return addr
	}
	c := m.c
	for count := 0; count < canonMaxRecursion; count++ {
		list, ok, err := c.mapAddr(maps, addr, c.p.propagateCanonical)
		if err != nil {
			c.logf("warning", "%s: %s map lookup problem for %s -- message not accepted, try again later",
				m.id, maps.Title, addr)
			m.fail(errWrite(err))
			return addr
		}
		if !ok {
			return addr
		}
		if len(list) > 1 {
			c.logf("warning", "%s: multi-valued %s entry for %s", m.id, maps.Title, addr)
		}
		prev := addr
		addr = list[0]
		if strings.EqualFold(prev, addr) {
			return addr
		}
	}
	c.logf("warning", "%s: unreasonable %s map nesting for %s -- message not accepted, try again later",
		m.id, maps.Title, addr)
	return addr
}

// map1n expands a recipient through virtual_alias_maps recursively
// (cleanup_map1n_internal()): every result is looked up again; an
// address that maps to itself is kept once; the number of addresses,
// the nesting depth and the result length are limited. On trouble the
// message fails with 4.6.0 Alias expansion error and addr is returned
// unexpanded.
func (m *Message) map1n(maps *dict.Maps, addr string) []string {
	c := m.c
	list := []string{addr}
	beenHere := map[string]bool{}
	fail := func(format string, arg string, err *failure) []string {
		c.logf("warning", format, m.id, maps.Title, arg)
		m.fail(err)
		return []string{addr}
	}
	for i := 0; i < len(list); i++ {
		if len(list) > c.p.virtExpansionLimit {
			return fail("%s: unreasonable %s map expansion size for %s -- message not accepted, try again later", addr, errAliasExpansion())
		}
		for count := 0; ; count++ {
			if beenHere[strings.ToLower(list[i])] {
				break
			}
			if count >= c.p.virtRecursionLimit {
				return fail("%s: unreasonable %s map nesting for %s -- message not accepted, try again later", addr, errAliasExpansion())
			}
			res, ok, err := c.mapAddr(maps, list[i], c.p.propagateVirtual)
			if err != nil {
				return fail("%s: %s map lookup problem for %s -- message not accepted, try again later", addr, errWrite(err))
			}
			if !ok {
				break
			}
			lhs := list[i]
			for j, r := range res {
				if len(r) > c.p.virtAddrLenLimit {
					return fail("%s: unreasonable %s result %.300s... -- message not accepted, try again later", r, errAliasExpansion())
				}
				if j == 0 {
					list[i] = r
				} else {
					list = append(list, r)
				}
				if strings.EqualFold(lhs, r) {
					beenHere[strings.ToLower(lhs)] = true
				}
			}
		}
	}
	return list
}

// openMaps opens one *_maps parameter (empty: nil).
func openMaps(name, value string, opts dict.Options) (*dict.Maps, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	m, err := dict.OpenMaps(name, value, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return m, nil
}
