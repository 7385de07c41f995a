package smtpd

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// DNS lookups as Postfix's dns_lookup_x() and dns_lookup_l() do them
// for the restrictions (dns/dns_lookup.c): the name is checked first,
// CNAME chains are followed up to 10 links, a null MX (RFC 7505) and
// malformed replies are told apart from a missing name, and every
// failure has Postfix's explanation text.

// dnsStatus is a lookup result (DNS_OK, DNS_NOTFOUND, ...); a higher
// value is a better result, as dns_lookup_l() compares them.
type dnsStatus int

const (
	dnsRecurse  dnsStatus = -7 // internal: follow a CNAME
	dnsNotFound dnsStatus = -6 // query ok, data not found
	dnsNullMX   dnsStatus = -5 // query ok, service unavailable
	dnsFail     dnsStatus = -4 // query failed, don't retry
	dnsInval    dnsStatus = -3 // query ok, malformed reply
	dnsRetry    dnsStatus = -2 // query failed, try again
	dnsOK       dnsStatus = 0
)

// dnsRecord is one record of a requested type, decoded.
type dnsRecord struct {
	typ  uint16
	host string // MX, NS
	pref uint16 // MX
	addr netip.Addr
	txt  string // first string of a TXT record, unprintable bytes as spaces
}

// dnsResult is the outcome of a lookup; why explains a failure.
type dnsResult struct {
	status dnsStatus
	herr   int
	why    string
	rrs    []dnsRecord
}

// Flags of dnsLookupL (DNS_REQ_FLAG_*).
const (
	dnsStopOK     = 1 << 0
	dnsStopInval  = 1 << 1
	dnsStopNullMX = 1 << 2
)

// dnsLookupL tries the types in order and returns the best result
// (dns_lookup_rl()): a stop flag ends the search at that status.
func (s *Server) dnsLookupL(name string, lflags int, types ...uint16) dnsResult {
	best := dnsResult{status: dnsRecurse}
	var rrs []dnsRecord
	var res dnsResult
	for i, t := range types {
		res = s.dnsLookup(name, t)
		rrs = append(rrs, res.rrs...)
		if res.status == dnsOK && lflags&dnsStopOK != 0 ||
			res.status == dnsInval && lflags&dnsStopInval != 0 ||
			res.status == dnsNullMX && lflags&dnsStopNullMX != 0 || i == len(types)-1 {
			break
		}
		if res.status >= best.status {
			best = res
		}
	}
	if res.status < best.status {
		res = best
	}
	res.rrs = rrs
	return res
}

// dnsLookup is dns_lookup_x() for one type.
func (s *Server) dnsLookup(name string, qtype uint16) dnsResult {
	if validHostAddr(name) || name != "." && !validHostnameWild(name) {
		return dnsResult{status: dnsNotFound, herr: hostNotFound,
			why: fmt.Sprintf("Name service error for %s: invalid host or domain name", name)}
	}
	for range 10 {
		m, herr := s.deps.DNS.resQuery(name, qtype)
		if herr != 0 {
			why := fmt.Sprintf("Host or domain name not found. Name service error for name=%s type=%s: %s",
				name, dnsTypeName(qtype), hErrnoText(herr))
			switch herr {
			case noRecovery:
				return dnsResult{status: dnsFail, herr: herr, why: why}
			case hostNotFound, noData:
				return dnsResult{status: dnsNotFound, herr: herr, why: why}
			}
			return dnsResult{status: dnsRetry, herr: herr, why: why}
		}
		res, cname := s.dnsAnswer(m, name, qtype)
		switch res.status {
		case dnsOK:
			return res
		case dnsRecurse:
			name = cname
			continue
		case dnsNullMX:
			res.herr, res.why = noData, fmt.Sprintf("Domain %s does not accept mail (nullMX)", name)
		default:
			res.why = fmt.Sprintf("Name service error for name=%s type=%s: Malformed or unexpected name server reply",
				name, dnsTypeName(qtype))
		}
		return res
	}
	s.log.Warn("dns_lookup: Name server loop for %s", name)
	return dnsResult{status: dnsNotFound, why: "Name server loop for " + name}
}

// dnsAnswer extracts the records of qtype, or the CNAME to follow
// (dns_get_answer()).
func (s *Server) dnsAnswer(m *dnsMsg, orig string, qtype uint16) (dnsResult, string) {
	res := dnsResult{status: dnsNotFound}
	var cname string
	found, aliased := false, false
	for _, rr := range m.answers {
		if rr.class != dnsClassIN {
			s.log.Warn("dns_get_fixed: bad class: %d", rr.class)
			return dnsResult{status: dnsRetry}, ""
		}
		if !(orig == "." && rr.name == "") && !s.validRRName(m, rr.name, "resource name", rr.typ) {
			return dnsResult{status: dnsInval}, ""
		}
		switch {
		case rr.typ == qtype:
			rec, st := s.dnsRecordOf(m, rr)
			switch {
			case st == dnsOK:
				found = true
				res.rrs = append(res.rrs, rec)
			case st == dnsNullMX:
				return dnsResult{status: dnsNullMX}, ""
			case res.status != dnsRetry:
				res.status = st
			}
		case rr.typ == dnsTypeCNAME:
			aliased = true
			name, _, err := readDNSName(m.raw, rr.dataOff)
			if err != nil {
				return dnsResult{status: dnsRetry}, ""
			}
			if !s.validRRName(m, name, "resource data", rr.typ) {
				return dnsResult{status: dnsInval}, ""
			}
			cname = name
		}
	}
	switch {
	case m.parseErr != nil:
		return dnsResult{status: dnsRetry}, ""
	case found:
		res.status = dnsOK
	case aliased:
		res.status = dnsRecurse
	}
	return res, cname
}

// dnsRecordOf decodes one record (dns_get_rr()).
func (s *Server) dnsRecordOf(m *dnsMsg, rr dnsRR) (dnsRecord, dnsStatus) {
	rec := dnsRecord{typ: rr.typ}
	data := m.raw[rr.dataOff : rr.dataOff+rr.dataLen]
	switch rr.typ {
	case dnsTypeNS, dnsTypeMX:
		off := rr.dataOff
		if rr.typ == dnsTypeMX {
			if rr.dataLen < 2 {
				return rec, dnsRetry
			}
			rec.pref, off = binary.BigEndian.Uint16(data), off+2
		}
		name, _, err := readDNSName(m.raw, off)
		switch {
		case err != nil:
			return rec, dnsRetry
		case name == "" && rr.typ == dnsTypeMX:
			return rec, dnsNullMX
		case !s.validRRName(m, name, "resource data", rr.typ):
			return rec, dnsInval
		}
		rec.host = name
	case dnsTypeA, dnsTypeAAAA:
		a, ok := netip.AddrFromSlice(data)
		if !ok || rr.typ == dnsTypeA && len(data) != 4 || rr.typ == dnsTypeAAAA && len(data) != 16 {
			s.log.Warn("extract_answer: bad address length: %d", len(data))
			return rec, dnsRetry
		}
		rec.addr = a
	case dnsTypeTXT:
		rec.txt = txtFirstString(data)
	}
	return rec, dnsOK
}

// txtFirstString is the first character-string of a TXT record, with
// unprintable bytes shown as spaces.
func txtFirstString(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	n := min(int(data[0]), len(data)-1, 1023)
	b := make([]byte, n)
	for i := range n {
		c := data[1+i]
		if c < 0x20 || c > 0x7e {
			c = ' '
		}
		b[i] = c
	}
	return string(b)
}

// validRRName is valid_rr_name(): a numeric name passes with a warning,
// a malformed one fails with a warning.
func (s *Server) validRRName(m *dnsMsg, name, location string, typ uint16) bool {
	gripe, ok := "", true
	if validHostAddr(name) {
		gripe = "numeric domain name"
	} else if why := hostnameGripe(name, true); why != "" {
		s.log.Warn("valid_hostname: %s", why)
		gripe, ok = "malformed domain name", false
	}
	if gripe != "" {
		s.log.Warn("%s in %s of %s record for %s: %.100s", gripe, location, dnsTypeName(typ), m.qname, name)
	}
	return ok
}
