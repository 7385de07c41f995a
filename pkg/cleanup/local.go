package cleanup

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// localDomains answers resolve_local() (global/resolve_local.c): is a
// domain the local machine, because it is listed in $mydestination or is
// an address literal of $inet_interfaces or $proxy_interfaces.
type localDomains struct {
	patterns []domainPattern
	addrs    map[netip.Addr]bool
	tables   []dict.Dict
}

// domainPattern is one element of a domain match list.
type domainPattern struct {
	negate bool
	name   string    // lower case; ".example.com" matches subdomains
	table  dict.Dict // for "type:name" elements
}

func newLocalDomains(cfg *config.Config, opts dict.Options) (*localDomains, error) {
	l := &localDomains{addrs: map[netip.Addr]bool{}}
	for _, w := range expandFiles(cfg.List("mydestination")) {
		p := domainPattern{}
		if strings.HasPrefix(w, "!") {
			p.negate, w = true, w[1:]
		}
		if strings.Contains(w, ":") && !strings.HasPrefix(w, "[") {
			d, err := dict.Open(w, opts)
			if err != nil {
				l.close()
				return nil, fmt.Errorf("mydestination: %w", err)
			}
			l.tables = append(l.tables, d)
			p.table = d
		} else {
			p.name = strings.ToLower(w)
		}
		l.patterns = append(l.patterns, p)
	}
	if err := l.addInterfaces(cfg.List("inet_interfaces")); err != nil {
		l.close()
		return nil, err
	}
	return l, l.addInterfaces(cfg.List("proxy_interfaces"))
}

// expandFiles replaces "/file/name" elements by the words in the file,
// as match_list does.
func expandFiles(words []string) []string {
	var out []string
	for _, w := range words {
		if !strings.HasPrefix(w, "/") {
			out = append(out, w)
			continue
		}
		data, err := os.ReadFile(w)
		if err != nil {
			out = append(out, w) // matches nothing, as a literal
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			out = append(out, config.SplitList(line)...)
		}
	}
	return out
}

// addInterfaces records interface addresses; "all" and "loopback-only"
// mean the machine's (loopback) addresses.
func (l *localDomains) addInterfaces(list []string) error {
	for _, w := range list {
		switch strings.ToLower(w) {
		case "all", "loopback-only":
			addrs, err := net.InterfaceAddrs()
			if err != nil {
				return fmt.Errorf("inet_interfaces: %w", err)
			}
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok {
					if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
						if w == "all" || ip.IsLoopback() {
							l.addrs[ip.Unmap()] = true
						}
					}
				}
			}
			continue
		}
		host := strings.Trim(w, "[]")
		if ip, err := netip.ParseAddr(host); err == nil {
			l.addrs[ip.Unmap()] = true
			continue
		}
		ips, _ := net.LookupIP(host) // a name that does not resolve adds nothing
		for _, ip := range ips {
			if a, ok := netip.AddrFromSlice(ip); ok {
				l.addrs[a.Unmap()] = true
			}
		}
	}
	return nil
}

// IsLocal reports whether domain is local; a table error is returned.
func (l *localDomains) IsLocal(domain string) (bool, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		lit := strings.TrimPrefix(domain[1:len(domain)-1], "ipv6:")
		ip, err := netip.ParseAddr(lit)
		return err == nil && l.addrs[ip.Unmap()], nil
	}
	for _, p := range l.patterns {
		ok, err := p.match(domain)
		if err != nil {
			return false, err
		}
		if ok {
			return !p.negate, nil
		}
	}
	return false, nil
}

func (p domainPattern) match(domain string) (bool, error) {
	if p.table != nil {
		_, found, err := p.table.Lookup(domain)
		return found, err
	}
	if strings.HasPrefix(p.name, ".") {
		return strings.HasSuffix(domain, p.name), nil
	}
	return domain == p.name, nil
}

func (l *localDomains) close() {
	for _, d := range l.tables {
		d.Close()
	}
}
