package dict

import (
	"net/netip"
	"strings"
)

// access(5) client, helo and domain lookups, as smtpd_check.c's
// check_domain_access(), check_addr_access() and check_namadr_access()
// do them. Sender and recipient address lookups use FindAddr with
// AccessStrategy.

// Key is one lookup form: the key and whether only fixed-string tables
// are asked (a "partial" form in maps_find() terms).
type Key struct {
	Key     string
	Partial bool
}

// DomainKeys lists the forms for a host or domain name: the name
// itself, then (unless it is a numeric address) its parent domains,
// "example.com" style when parentMatches (parent_domain_matches_subdomains
// lists smtpd_access_maps) or ".example.com" style otherwise.
func DomainKeys(domain string, parentMatches bool) []Key {
	var keys []Key
	partial := false
	for name := domain; name != ""; {
		keys = append(keys, Key{name, partial})
		if validHostAddr(domain) {
			break
		}
		dot := strings.IndexByte(name[1:], '.')
		if dot < 0 {
			break
		}
		name = name[1+dot:]
		if parentMatches {
			name = name[1:]
		}
		partial = true
	}
	return keys
}

// AddrKeys lists the forms for a client IP address: the address, then
// the address with its last ".octet" (IPv4) or ":group" (IPv6) removed,
// repeatedly: 1.2.3.4, 1.2.3, 1.2, 1.
func AddrKeys(addr string) []Key {
	delim := byte('.')
	if strings.Contains(addr, ":") {
		delim = ':'
	}
	keys := []Key{{addr, false}}
	for {
		i := strings.LastIndexByte(addr, delim)
		if i < 0 {
			return keys
		}
		addr = addr[:i]
		keys = append(keys, Key{addr, true})
	}
}

// FindKeys tries each form in order and returns the first hit.
func (m *Maps) FindKeys(keys []Key) (string, bool, error) {
	for _, k := range keys {
		if v, ok, err := m.Find(k.Key, k.Partial); ok || err != nil {
			return v, ok, err
		}
	}
	return "", false, nil
}

// FindDomain is check_domain_access(): helo names, sender/recipient
// domains in check_*_ns_access and the like.
func (m *Maps) FindDomain(domain string, parentMatches bool) (string, bool, error) {
	return m.FindKeys(DomainKeys(domain, parentMatches))
}

// FindClient is check_namadr_access() for check_client_access: the
// client host name ("unknown" when it did not resolve) and its parent
// domains, then the address and its network prefixes.
func (m *Maps) FindClient(name, addr string, parentMatches bool) (string, bool, error) {
	if v, ok, err := m.FindDomain(name, parentMatches); ok || err != nil {
		return v, ok, err
	}
	return m.FindKeys(AddrKeys(addr))
}

// validHostAddr reports whether s is a numeric IPv4 or IPv6 address
// (valid_hostaddr()).
func validHostAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}
