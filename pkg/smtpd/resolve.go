package smtpd

import (
	"net"
	"net/netip"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// AddrClass is the address class of a resolved recipient, as
// trivial-rewrite(8) reports it.
type AddrClass int

const (
	ClassDefault AddrClass = iota // none of the below
	ClassLocal                    // mydestination, inet_interfaces, proxy_interfaces
	ClassAlias                    // virtual_alias_domains
	ClassVirtual                  // virtual_mailbox_domains
	ClassRelay                    // relay_domains
)

// Final reports whether mail for this class is delivered here.
func (c AddrClass) Final() bool { return c == ClassLocal || c == ClassAlias || c == ClassVirtual }

// Resolution is what smtpd needs from address resolution.
type Resolution struct {
	Class  AddrClass
	Domain string // domain of the resolved address
	Bad    bool   // malformed address (RESOLVE_FLAG_ERROR)
	Routed bool   // routing operators in the local part (RESOLVE_FLAG_ROUTED)
}

// Resolver classifies an address. An error is a temporary failure
// (RESOLVE_FLAG_FAIL, a table that could not be read).
type Resolver interface {
	Resolve(sender, addr string) (Resolution, error)
}

// domainResolver is smtpd's own resolver over mydestination,
// inet_interfaces, proxy_interfaces, virtual_alias_domains,
// virtual_mailbox_domains and relay_domains.
// XXX: this stands in for trivial-rewrite (pkg/resolve) until that
// package exists; it applies the percent hack, bang paths and source
// routes to local domains only as far as relay control needs them, and
// does not consult transport_maps.
type domainResolver struct {
	mydest, aliasDoms, virtDoms, relayDoms *matchList
	myAddrs                                []netip.Addr
	percent, bang, utf8                    bool
	myhostname, myorigin, mydomain         string
	atMyorigin, dotMydomain                bool
}

func newDomainResolver(cfg *config.Config, open openTableFunc) (*domainResolver, error) {
	r := &domainResolver{myhostname: strings.ToLower(cfg.Get("myhostname"))}
	var err error
	lists := []struct {
		dst   **matchList
		param string
	}{{&r.mydest, "mydestination"}, {&r.aliasDoms, "virtual_alias_domains"},
		{&r.virtDoms, "virtual_mailbox_domains"}, {&r.relayDoms, "relay_domains"}}
	for _, l := range lists {
		if *l.dst, err = newMatchList(cfg, l.param, cfg.Get(l.param), open); err != nil {
			return nil, err
		}
	}
	r.percent, _ = cfg.Bool("allow_percent_hack")
	r.bang, _ = cfg.Bool("swap_bangpath")
	r.utf8, _ = cfg.Bool("smtputf8_enable")
	r.myorigin, r.mydomain = strings.ToLower(cfg.Get("myorigin")), strings.ToLower(cfg.Get("mydomain"))
	r.atMyorigin, _ = cfg.Bool("append_at_myorigin")
	r.dotMydomain, _ = cfg.Bool("append_dot_mydomain")
	r.myAddrs = ownAddresses(cfg)
	return r, nil
}

// ownAddresses lists inet_interfaces and proxy_interfaces as addresses
// (own_inet_addr, proxy_inet_addr); "all" means every interface.
func ownAddresses(cfg *config.Config) []netip.Addr {
	var out []netip.Addr
	names := append(cfg.List("inet_interfaces"), cfg.List("proxy_interfaces")...)
	for _, n := range names {
		switch strings.ToLower(n) {
		case "all":
			addrs, _ := net.InterfaceAddrs()
			for _, a := range addrs {
				if p, err := netip.ParsePrefix(a.String()); err == nil {
					out = append(out, p.Addr())
				}
			}
		case "loopback-only":
			out = append(out, netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback())
		default:
			ips, _ := net.LookupIP(n)
			for _, ip := range ips {
				if a, ok := netip.AddrFromSlice(ip); ok {
					out = append(out, a.Unmap())
				}
			}
		}
	}
	return out
}

// Resolve implements Resolver. As smtpd_resolve_addr(), the address is
// first made canonical in the local rewrite context.
func (r *domainResolver) Resolve(sender, addr string) (Resolution, error) {
	addr = r.canonical(addr)
	for range 100 {
		local, domain, has := cutDomain(addr)
		if !has {
			domain = r.myhostname
		}
		isLocal, err := r.isLocal(domain)
		if err != nil {
			return Resolution{}, err
		}
		if isLocal {
			if next, ok := r.reroute(local); ok {
				addr = next
				continue
			}
		}
		return r.classify(local, domain, isLocal)
	}
	return Resolution{Bad: true}, nil
}

// cutDomain splits at the last '@' and drops one trailing dot.
func cutDomain(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, "", false
	}
	domain = strings.ToLower(addr[i+1:])
	if strings.HasSuffix(domain, ".") && !strings.HasSuffix(domain, "..") {
		domain = domain[:len(domain)-1]
	}
	return addr[:i], domain, true
}

// reroute applies source routes, the percent hack and bang paths to the
// local part of an address in a local domain.
func (r *domainResolver) reroute(local string) (string, bool) {
	if strings.Contains(local, "@") {
		return local, true
	}
	if i := strings.LastIndexByte(local, '%'); r.percent && i >= 0 {
		return local[:i] + "@" + local[i+1:], true
	}
	if i := strings.IndexByte(local, '!'); r.bang && i > 0 {
		return local[i+1:] + "@" + local[:i], true
	}
	return "", false
}

// canonical appends @$myorigin to an address without domain
// (append_at_myorigin) and .$mydomain to a domain without dot
// (append_dot_mydomain), as trivial-rewrite's local context does.
func (r *domainResolver) canonical(addr string) string {
	if addr == "" {
		return addr
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		if r.atMyorigin && r.myorigin != "" {
			return addr + "@" + r.myorigin
		}
		return addr
	}
	domain := addr[i+1:]
	if r.dotMydomain && domain != "" && !strings.ContainsAny(domain, ".[") && r.mydomain != "" {
		return addr + "." + r.mydomain
	}
	return addr
}
