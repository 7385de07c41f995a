package resolve

import (
	"strings"
)

// classify picks the address class, transport and nexthop (resolve.c,
// after the preliminary resolver). It returns false on a lookup failure.
func (r *Resolver) classify(p *personality, sender, domain string, remote bool, res *Result) bool {
	var blame string
	if !remote {
		r.nagLocal(domain)
		res.Transport, res.Nexthop, blame = p.local.value, domain, p.local.name
		res.Flags |= ClassLocal
	} else {
		var ok bool
		if blame, ok = r.remoteClass(p, sender, domain, res); !ok {
			return false
		}
	}
	// An explicit main.cf transport:nexthop overrides the nexthop.
	if ch, hop, ok := strings.Cut(res.Transport, ":"); ok {
		res.Transport = ch
		if hop != "" {
			res.Nexthop = hop
		}
	}
	if res.Transport == "" {
		r.warn("file %s/main.cf: parameter %s: null transport is not allowed", r.configDir, blame)
		return false
	}
	return true
}

// remoteClass handles the virtual alias, virtual mailbox, relay and
// default classes. It returns the parameter to blame for a null
// transport, and false on a lookup failure.
func (r *Resolver) remoteClass(p *personality, sender, domain string, res *Result) (string, bool) {
	if ok, err := r.virtAliasDoms.Match(domain); err != nil {
		return r.lookupFailure("virtual_alias_domains", err)
	} else if ok {
		r.nag(domain, "virtual_alias_domains", r.virtMailboxDoms, "virtual_mailbox_domains")
		r.nag(domain, "virtual_alias_domains", r.relayDomains, "relay_domains")
		res.Transport = "error"
		res.Nexthop = "5.1.1 User unknown"
		if r.showUnkRcptTable {
			res.Nexthop += " in virtual alias table"
		}
		res.Flags |= ClassAlias
		return "", true
	}
	if ok, err := r.virtMailboxDoms.Match(domain); err != nil {
		return r.lookupFailure("virtual_mailbox_domains", err)
	} else if ok {
		r.nag(domain, "virtual_mailbox_domains", r.relayDomains, "relay_domains")
		res.Transport, res.Nexthop = p.virtual.value, domain
		res.Flags |= ClassVirtual
		return p.virtual.name, true
	}
	blame, ok := r.offHost(p, sender, domain, res)
	if !ok {
		return "", false
	}
	return blame, r.relayhost(p, sender, domain, res)
}

// offHost picks the relay or default class transport.
func (r *Resolver) offHost(p *personality, sender, domain string, res *Result) (string, bool) {
	if ok, err := r.relayDomains.Match(domain); err != nil {
		return r.lookupFailure("relay_domains", err)
	} else if ok {
		res.Transport = p.relay.value
		res.Flags |= ClassRelay
		return p.relay.name, true
	}
	res.Flags |= ClassDefault
	if p.sndDefXport != nil {
		key := sender
		if key == "" {
			key = r.nullDefXportKey
		}
		v, found, err := p.sndDefXport.FindAddr(key, r.addrParams, defaultStrategy)
		if err != nil {
			return r.lookupFailure(p.sndDefXpName, err)
		}
		if found {
			xport := v.Value
			if strings.EqualFold(xport, "DUNNO") {
				xport = p.def.value
			}
			res.Transport = xport
			return p.sndDefXpName, true
		}
	}
	res.Transport = p.def.value
	return p.def.name, true
}

// relayhost sets the nexthop of off-host mail: the sender-dependent
// relayhost, else $relayhost, else the recipient domain.
func (r *Resolver) relayhost(p *personality, sender, domain string, res *Result) bool {
	relay := ""
	if p.sndRelay != nil {
		key := sender
		if key == "" {
			key = r.nullRelayKey
		}
		v, found, err := p.sndRelay.FindAddr(key, r.addrParams, defaultStrategy)
		if err != nil {
			r.lookupFailure(p.sndRelayName, err)
			return false
		}
		if found && !strings.EqualFold(v.Value, "DUNNO") {
			relay = v.Value
		}
	}
	switch {
	case relay != "":
		res.Nexthop = relay
	case p.relayhost != "":
		res.Nexthop = p.relayhost
	default:
		res.Nexthop = domain
	}
	return true
}

func (r *Resolver) lookupFailure(name string, err error) (string, bool) {
	// Postfix's order: the table's problem (match_list.c, maps.c), then
	// the resolver's "lookup failure".
	if err != nil {
		r.warn("%v", err)
	}
	r.warn("%s lookup failure", name)
	return "", false
}

// nagLocal warns about a local domain also listed as a virtual domain.
func (r *Resolver) nagLocal(domain string) {
	r.nag(domain, "mydestination", r.virtAliasDoms, "virtual_alias_domains")
	r.nag(domain, "mydestination", r.virtMailboxDoms, "virtual_mailbox_domains")
}

// nag logs "do not list domain X in BOTH a and b" (helpful_warnings).
func (r *Resolver) nag(domain, first string, other *DomainList, second string) {
	if !r.helpfulWarnings || other == nil {
		return
	}
	if ok, _ := other.Match(domain); ok {
		r.warn("do not list domain %s in BOTH %s and %s", domain, first, second)
	}
}
