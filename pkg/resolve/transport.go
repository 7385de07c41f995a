package resolve

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// transportTable is transport_maps (trivial-rewrite/transport.c): it maps
// a recipient to "transport:nexthop". Lookups try the full address, the
// address without extension, the domain, its parent domains ("domain" or
// ".domain" style per parent_domain_matches_subdomains), and finally the
// "*" wildcard.
type transportTable struct {
	maps   *dict.Maps
	parent bool
}

// update applies one table value to channel and nexthop (update_entry):
//
//	":"             no change
//	":nexthop"      keep the transport, change the nexthop
//	"transport"     change the transport; reset the nexthop to the
//	                recipient domain ("Address is undeliverable" for
//	                the error and retry transports)
//	"transport:nexthop"
func update(newChannel, newNexthop, rcptDomain string, channel, nexthop *string) {
	if newChannel == "" {
		if newNexthop != "" {
			*nexthop = newNexthop
		}
		return
	}
	*channel = newChannel
	switch {
	case newNexthop != "":
		*nexthop = newNexthop
	case newChannel != "error" && newChannel != "retry":
		*nexthop = rcptDomain
	default:
		*nexthop = "Address is undeliverable"
	}
}

// parseEntry splits a table value at the first ":" and applies it.
func parseEntry(value, rcptDomain string, channel, nexthop *string) {
	ch, hop, _ := strings.Cut(value, ":")
	update(ch, hop, rcptDomain, channel, nexthop)
}

// lookup applies the table to addr; found is false when no entry (not
// even "*") matched. An error is a table failure.
func (t *transportTable) lookup(addr, rcptDomain string, p dict.AddrParams, channel, nexthop *string) (bool, error) {
	if addr == "" {
		return false, nil
	}
	if at := strings.LastIndexByte(addr, '@'); at < 0 || at == len(addr)-1 {
		return false, fmt.Errorf("transport_lookup: bad address: \"%s\"", addr)
	}
	s := dict.FindFull | dict.FindNoExt | dict.FindDomain
	if t.parent {
		s |= dict.FindPDMS
	} else {
		s |= dict.FindPDDMDS
	}
	res, ok, err := t.maps.FindAddr(addr, p, s)
	if err != nil {
		return false, err
	}
	if ok {
		parseEntry(res.Value, rcptDomain, channel, nexthop)
		return true, nil
	}
	// The wildcard entry. XXX: Postfix caches it for 30 seconds.
	v, ok, err := t.maps.Find("*", false)
	if err != nil || !ok {
		return false, err
	}
	ch, hop, _ := strings.Cut(v, ":")
	update(ch, hop, rcptDomain, channel, nexthop)
	return true, nil
}
