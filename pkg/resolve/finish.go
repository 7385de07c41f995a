package resolve

import (
	"github.com/postern/postern/pkg/dict"
)

// defaultStrategy is mail_addr_find()'s search order (MA_FIND_DEFAULT).
const defaultStrategy = dict.FindDefault

// finish applies transport_maps, relocated_maps and the leading-dash
// check (the end of resolve_addr). It returns false on a lookup failure.
func (r *Resolver) finish(p *personality, domain string, res *Result) bool {
	// transport_maps may override any class but virtual alias (whose
	// "User unknown" result stands).
	if p.transport != nil && res.Flags&ClassAlias == 0 {
		if _, err := p.transport.lookup(res.Recipient, domain, r.addrParams, &res.Transport, &res.Nexthop); err != nil {
			r.lookupFailure(p.transportName, err)
			return false
		}
	}
	// Recipients that have moved bounce, whatever their class.
	if r.relocated != nil {
		v, found, err := r.relocated.FindAddr(res.Recipient, r.addrParams, defaultStrategy)
		if err != nil {
			r.lookupFailure("relocated_maps", err)
			return false
		}
		if found {
			res.Transport = "error"
			res.Nexthop = "5.1.6 User has moved to " + v.Value
		}
	}
	// Addresses starting with "-" could pass as command-line options to
	// external commands (allow_min_user).
	if !r.allowMinUser && res.Recipient != "" && res.Recipient[0] == '-' {
		res.Flags |= FlagError
	}
	return true
}

// Class returns the address class of a domain (resolve_class()), in the
// order Resolve uses: local, virtual alias, virtual mailbox, relay,
// default. An error is a table lookup failure.
func (r *Resolver) Class(domain string) (Flags, error) {
	if ok, err := r.IsLocal(domain); err != nil {
		return 0, err
	} else if ok {
		return ClassLocal, nil
	}
	for _, c := range []struct {
		l     *DomainList
		class Flags
	}{{r.virtAliasDoms, ClassAlias}, {r.virtMailboxDoms, ClassVirtual}, {r.relayDomains, ClassRelay}} {
		if ok, err := c.l.Match(domain); err != nil {
			return 0, err
		} else if ok {
			return c.class, nil
		}
	}
	return ClassDefault, nil
}
