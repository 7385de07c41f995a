package smtpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/postern/postern/pkg/deliver"
)

// Resolver is the name service the client uses; *net.Resolver is one.
// Tests substitute their own.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Target is one server address to try, in order.
type Target struct {
	Host string // MX host or destination name (the literal for addresses)
	Addr netip.Addr
	Pref int
	Best bool // among the most preferred MX hosts
}

// lookup is the outcome of resolving one destination: the addresses, or
// the reason there are none (why, as smtp_addr.c fills its DSN_BUF).
type lookup struct {
	targets []Target
	why     *deliver.DSN
}

// resolveDest finds the servers of one destination (smtp_domain_addr,
// smtp_host_addr).
func (a *attempt) resolveDest(ctx context.Context, d Destination) lookup {
	if ip, err := netip.ParseAddr(d.Host); err == nil {
		return lookup{targets: []Target{{Host: d.Host, Addr: ip.Unmap(), Best: true}}}
	}
	var l lookup
	if a.cfg.LMTP || !a.cfg.DNS || d.NoMX {
		l = a.hostAddrs(ctx, d.Host, 0, nil)
		for i := range l.targets {
			l.targets[i].Best = true
		}
	} else {
		l = a.mxAddrs(ctx, d.Host)
	}
	a.prefer(l.targets)
	return l
}

// prefer orders addresses of equal preference by protocol
// (smtp_address_preference = ipv4 or ipv6).
func (a *attempt) prefer(ts []Target) {
	if a.cfg.Prefer != "ipv4" && a.cfg.Prefer != "ipv6" {
		return
	}
	want6 := a.cfg.Prefer == "ipv6"
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].Pref != ts[j].Pref {
			return ts[i].Pref < ts[j].Pref
		}
		return ts[i].Addr.Is6() == want6 && ts[j].Addr.Is6() != want6
	})
}

// mxAddrs looks up the MX hosts of domain and their addresses.
func (a *attempt) mxAddrs(ctx context.Context, domain string) lookup {
	mxs, err := a.cfg.Resolver.LookupMX(ctx, domain)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return a.hostAddrs(ctx, domain, 0, nil)
		}
		return lookup{why: dnsFailure(domain, "MX", err, "4.4.3")}
	}
	if len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == "") {
		dsn := deliver.Simple("5.1.0", fmt.Sprintf("Domain %s does not accept mail (nullMX)", domain))
		return lookup{why: &dsn}
	}
	if len(mxs) == 0 {
		return a.hostAddrs(ctx, domain, 0, nil)
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Pref < mxs[j].Pref })
	var out lookup
	best := int(mxs[0].Pref)
	for _, mx := range mxs {
		host := strings.TrimSuffix(mx.Host, ".")
		l := a.hostAddrs(ctx, host, int(mx.Pref), out.why)
		for i := range l.targets {
			l.targets[i].Best = int(mx.Pref) == best
		}
		out.targets = append(out.targets, l.targets...)
		if l.why != nil {
			out.why = l.why
		}
	}
	if len(out.targets) == 0 {
		a.cfg.warn("no MX host for %s has a valid address record", domain)
		return out
	}
	return a.dropSelf(domain, best, out)
}

// dropSelf truncates the MX list at this machine (smtp_find_self,
// smtp_truncate_self) when the SMTP port is 25.
func (a *attempt) dropSelf(domain string, best int, l lookup) lookup {
	if a.cfg.OwnAddr == nil || a.port != 25 {
		return l
	}
	for i, t := range l.targets {
		if !a.cfg.OwnAddr(t.Addr) {
			continue
		}
		pref := t.Pref
		j := i
		for j > 0 && l.targets[j-1].Pref == pref {
			j--
		}
		l.targets = l.targets[:j]
		if len(l.targets) == 0 {
			dsn := deliver.Simple("5.4.6", "mail for "+domain+" loops back to myself")
			if best != pref {
				dsn = deliver.Simple("4.4.4", "unable to find primary relay for "+domain)
			}
			l.why = &dsn
		}
		return l
	}
	return l
}

// hostAddrs looks up the addresses of host (smtp_addr_one). prev is the
// failure so far: once a lookup failed temporarily, later "not found"
// results are temporary too (SMTP_HAS_SOFT_DSN).
func (a *attempt) hostAddrs(ctx context.Context, host string, pref int, prev *deliver.DSN) lookup {
	network, qtype := "ip", "AAAA"
	switch {
	case a.cfg.IPv4 && !a.cfg.IPv6:
		network, qtype = "ip4", "A"
	case a.cfg.IPv6 && !a.cfg.IPv4:
		network = "ip6"
	}
	addrs, err := a.cfg.Resolver.LookupNetIP(ctx, network, host)
	soft := prev != nil && strings.HasPrefix(prev.Status, "4")
	if err != nil {
		var de *net.DNSError
		status := "4.4.3"
		if errors.As(err, &de) && de.IsNotFound && !de.IsTemporary {
			status = map[bool]string{true: "4.4.4", false: "5.4.4"}[soft]
		}
		if !a.cfg.DNS {
			return lookup{why: nativeFailure(host, status, err)}
		}
		return lookup{why: dnsFailure(host, qtype, err, status)}
	}
	var out lookup
	for _, ip := range addrs {
		ip = ip.Unmap()
		if (ip.Is4() && !a.cfg.IPv4) || (ip.Is6() && !a.cfg.IPv6) {
			continue
		}
		out.targets = append(out.targets, Target{Host: host, Addr: ip, Pref: pref})
	}
	if len(out.targets) == 0 {
		dsn := dnsFailure(host, qtype, &net.DNSError{IsNotFound: true}, map[bool]string{true: "4.4.4", false: "5.4.4"}[soft])
		out.why = dsn
	}
	return out
}

// dnsFailure words a DNS error as dns_lookup() does.
func dnsFailure(name, qtype string, err error, status string) *deliver.DSN {
	text := "Host not found, try again"
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound && !de.IsTemporary {
		text = "Host not found"
	}
	dsn := deliver.Simple(status, fmt.Sprintf(
		"Host or domain name not found. Name service error for name=%s type=%s: %s", name, qtype, text))
	return &dsn
}

// nativeFailure words a getaddrinfo() error (smtp_host_lookup = native).
func nativeFailure(host, status string, err error) *deliver.DSN {
	text := "Temporary failure in name resolution"
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		text = "Name or service not known"
	}
	dsn := deliver.Simple(status, fmt.Sprintf("unable to look up host %s: %s", host, text))
	return &dsn
}
