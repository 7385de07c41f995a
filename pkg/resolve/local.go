package resolve

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// IsLocal reports whether domain is this machine's (resolve_local()): it
// is listed in $mydestination, or it is an address literal [a.b.c.d] or
// [ipv6:...] of an interface in $inet_interfaces or $proxy_interfaces. One
// trailing dot is ignored. A table lookup failure is an error.
func (r *Resolver) IsLocal(domain string) (bool, error) {
	d := domain
	if d == "" {
		return false, nil
	}
	d = strings.TrimSuffix(d, ".")
	if d == "" || strings.HasSuffix(d, ".") {
		return false, nil
	}
	ok, err := r.mydest.Match(d)
	if ok || err != nil {
		return ok, err
	}
	if len(d) > 2 && d[0] == '[' && d[len(d)-1] == ']' {
		if a, ok := mailhostAddr(d[1 : len(d)-1]); ok && r.ownAddr != nil {
			return r.ownAddr(a), nil
		}
	}
	return false, nil
}

// mailhostAddr parses the inside of an address literal: a dotted-quad
// IPv4 address or "IPv6:" and an IPv6 address (valid_mailhost_addr()).
func mailhostAddr(s string) (netip.Addr, bool) {
	if len(s) > 5 && strings.EqualFold(s[:5], "ipv6:") {
		a, err := netip.ParseAddr(s[5:])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a, true
	}
	if !validIPv4(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// validIPv4 is valid_ipv4_hostaddr(): four decimal fields of at most
// three digits, each at most 255, the first not 0.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for i, p := range parts {
		if p == "" || len(p) > 3 || digits(p) != len(p) {
			return false
		}
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		if n > 255 || (i == 0 && n == 0) {
			return false
		}
	}
	return true
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// validHostAddr is valid_hostaddr(): an IPv4 or bare IPv6 address.
func validHostAddr(s string) bool {
	if validIPv4(s) {
		return true
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// OwnAddrs returns the test for "an address of this machine" from
// inet_interfaces ("all": every interface address; "loopback-only";
// or a list of names and addresses) and proxy_interfaces, as
// own_inet_addr() and proxy_inet_addr() see them.
func OwnAddrs(cfg *config.Config) (func(netip.Addr) bool, error) {
	set := map[netip.Addr]bool{}
	add := func(list []string) error {
		for _, v := range list {
			addrs, err := interfaceAddrs(v)
			if err != nil {
				return err
			}
			for _, a := range addrs {
				set[a.Unmap()] = true
			}
		}
		return nil
	}
	if err := add(cfg.List("inet_interfaces")); err != nil {
		return nil, fmt.Errorf("inet_interfaces: %w", err)
	}
	if err := add(cfg.List("proxy_interfaces")); err != nil {
		return nil, fmt.Errorf("proxy_interfaces: %w", err)
	}
	return func(a netip.Addr) bool { return set[a.Unmap()] }, nil
}

// interfaceAddrs expands one inet_interfaces entry.
func interfaceAddrs(v string) ([]netip.Addr, error) {
	switch strings.ToLower(v) {
	case "all":
		return allInterfaceAddrs()
	case "loopback-only":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("host not found: %s", host)
	}
	return addrs, nil
}

func allInterfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ia := range ifs {
		if p, err := netip.ParsePrefix(ia.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out, nil
}
