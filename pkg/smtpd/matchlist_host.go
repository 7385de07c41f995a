package smtpd

import (
	"net/netip"
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// hostname matches a host or domain name (match_hostname): a table is
// asked for the name and, if it has fixed keys, its parent domains; a
// plain pattern matches the name or, by parent style, its subdomains.
func (m *matchList) hostname(p *matchPattern, name string) (bool, error) {
	if p.table != nil {
		return m.hostnameTable(p, name)
	}
	if name == p.text {
		return true, nil
	}
	if m.parent {
		return strings.HasSuffix(name, "."+p.text) && !strings.HasPrefix(p.text, "."), nil
	}
	return p.text[0] == '.' && len(name) > len(p.text) && strings.HasSuffix(name, p.text), nil
}

func (m *matchList) hostnameTable(p *matchPattern, name string) (bool, error) {
	fixed := dict.FlagsOf(p.table)&dict.Fixed != 0
	for entry := name; entry != ""; {
		if entry == name || fixed {
			if ok, err := lookup(p, entry); ok || err != nil {
				return ok, err
			}
		}
		dot := strings.IndexByte(entry[1:], '.')
		if dot < 0 {
			break
		}
		entry = entry[1+dot:]
		if m.parent {
			entry = entry[1:]
		}
	}
	return false, nil
}

// hostaddr matches an IP address (match_hostaddr): a table lookup, the
// address itself or in brackets, or a net/mask block.
func hostaddr(p *matchPattern, addr string) (bool, error) {
	if addr == "" || strings.Trim(addr, "0123456789.abcdef:") != "" {
		return false, nil
	}
	if p.table != nil {
		return lookup(p, addr)
	}
	if addr == p.text || "["+addr+"]" == p.text {
		return true, nil
	}
	if p.isCIDR {
		a, err := netip.ParseAddr(addr)
		return err == nil && p.prefix.Contains(a.Unmap()), nil
	}
	if strings.Contains(p.text, ":") && strings.Contains(addr, ":") {
		pa, err1 := netip.ParseAddr(strings.Trim(p.text, "[]"))
		a, err2 := netip.ParseAddr(addr)
		return err1 == nil && err2 == nil && pa == a, nil
	}
	return false, nil
}
