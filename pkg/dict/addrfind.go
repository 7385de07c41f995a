package dict

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
)

// Address lookups in Postfix's search order (global/mail_addr_find.c):
// given user+ext@domain and recipient_delimiter "+", the forms are
// tried in this order, each in every table of the list before the next
// form:
//
//	user+ext@domain   (FindFull; every table)
//	user@domain       (FindNoExt; fixed-string tables only)
//	user+ext, user    (FindLocalpartIfLocal: only when domain is
//	                   $myorigin or local per AddrParams.IsLocal)
//	user+ext@, user@  (FindLocalpartAtIfLocal, same condition)
//	@domain           (FindAtDomain)
//	domain, parents   (FindDomain with FindPDMS / FindPDDMDS)
//	user+ext@, user@  (FindLocalpartAt, whatever the domain)
//
// virtual(5), canonical(5), generic(5) use FindDefault; access(5)
// sender/recipient lookups use AccessStrategy.

// Strategy selects the forms (MA_FIND_* in mail_addr_find.h).
type Strategy uint

const (
	FindFull               Strategy = 1 << iota // user+ext@domain
	FindNoExt                                   // user@domain
	FindLocalpartIfLocal                        // user+ext, user when domain is local
	FindLocalpartAtIfLocal                      // user+ext@, user@ when domain is local
	FindAtDomain                                // @domain
	FindDomain                                  // domain
	FindPDMS                                    // domain's parents: example.com
	FindPDDMDS                                  // domain's parents: .example.com
	FindLocalpartAt                             // user+ext@, user@ for any domain

	FindDefault = FindFull | FindNoExt | FindLocalpartIfLocal | FindAtDomain
)

// AccessStrategy is the search order of access(5) sender and recipient
// tables. parentMatches is whether parent_domain_matches_subdomains
// lists smtpd_access_maps (the default).
func AccessStrategy(parentMatches bool) Strategy {
	s := FindFull | FindNoExt | FindDomain | FindLocalpartAt
	if parentMatches {
		return s | FindPDMS
	}
	return s | FindPDDMDS
}

// AddrParams are the main.cf settings an address lookup depends on.
type AddrParams struct {
	Delimiter           string // recipient_delimiter (a set of characters)
	Myorigin            string // myorigin
	DoubleBounceSender  string // double_bounce_sender (never split)
	OwnerRequestSpecial bool   // owner_request_special
	// IsLocal reports whether domain is in $mydestination,
	// $inet_interfaces or $proxy_interfaces (resolve_local()). nil
	// means only $myorigin counts as local. An error is temporary.
	IsLocal func(domain string) (bool, error)
}

// AddrResult is a successful address lookup.
type AddrResult struct {
	Value string
	// Extension is "+ext" when the match was found only after the
	// extension was removed (for propagate_unmatched_extensions).
	Extension string
}

// FindAddr looks addr (internal, unquoted form) up in m with the given
// strategy, querying the RFC 822-quoted form first and the unquoted
// form after it when they differ (MA_FIND_FORM_LEGACY).
func (m *Maps) FindAddr(addr string, p AddrParams, s Strategy) (AddrResult, bool, error) {
	full := addr
	bare, ext := "", ""
	if p.Delimiter != "" && s&FindNoExt != 0 {
		bare, ext = stripAddr(full, p)
	}
	f := addrFinder{m: m}
	try := func(key string, partial, withDomain bool) (AddrResult, bool, error) {
		v, ok, err := f.find(key, partial, withDomain)
		return AddrResult{Value: v}, ok, err
	}
	if s&FindFull != 0 {
		if r, ok, err := try(full, false, true); ok || err != nil {
			return r, ok, err
		}
	}
	if bare != "" {
		if r, ok, err := try(bare, true, true); ok || err != nil {
			r.Extension = ext
			return r, ok, err
		}
	}
	at := strings.LastIndexByte(full, '@')
	if at >= 0 && s&(FindLocalpartIfLocal|FindLocalpartAtIfLocal) != 0 {
		if r, ok, err := f.ifLocal(full, bare, ext, at, p, s); ok || err != nil {
			return r, ok, err
		}
	}
	if at >= 0 && s&FindAtDomain != 0 {
		if v, ok, err := m.Find(full[at:], true); ok || err != nil {
			return AddrResult{Value: v}, ok, err
		}
	}
	if at >= 0 && s&FindDomain != 0 {
		if r, ok, err := f.domains(full[at+1:], s); ok || err != nil {
			return r, ok, err
		}
	}
	if s&FindLocalpartAt != 0 && at >= 0 {
		return f.local(full, bare, ext, 1)
	}
	return AddrResult{}, false, nil
}

type addrFinder struct{ m *Maps }

// find is find_addr() with query form "external first".
func (f addrFinder) find(key string, partial, withDomain bool) (string, bool, error) {
	flags := addr.QuoteDefault
	if !withDomain {
		flags |= addr.QuoteBareLocalpart
	}
	q := addr.QuoteLocalFlags(key, flags)
	v, ok, err := f.m.Find(q, partial)
	if ok || err != nil || q == key {
		return v, ok, err
	}
	return f.m.Find(key, partial)
}

func (f addrFinder) ifLocal(full, bare, ext string, at int, p AddrParams, s Strategy) (AddrResult, bool, error) {
	domain := full[at+1:]
	local := strings.EqualFold(domain, p.Myorigin)
	if !local && p.IsLocal != nil {
		var err error
		if local, err = p.IsLocal(domain); err != nil {
			return AddrResult{}, false, err
		}
	}
	if !local {
		return AddrResult{}, false, nil
	}
	if s&FindLocalpartIfLocal != 0 {
		if r, ok, err := f.local(full, bare, ext, 0); ok || err != nil {
			return r, ok, err
		}
	}
	if s&FindLocalpartAtIfLocal != 0 {
		return f.local(full, bare, ext, 1)
	}
	return AddrResult{}, false, nil
}

// local is find_local(): the local part of full (then of bare), with the
// '@' kept when keepAt is 1.
func (f addrFinder) local(full, bare, ext string, keepAt int) (AddrResult, bool, error) {
	at := strings.LastIndexByte(full, '@')
	v, ok, err := f.find(full[:at+keepAt], true, keepAt == 1)
	if ok || err != nil || bare == "" {
		return AddrResult{Value: v}, ok, err
	}
	at = strings.LastIndexByte(bare, '@')
	v, ok, err = f.find(bare[:at+keepAt], true, keepAt == 1)
	if ok {
		return AddrResult{Value: v, Extension: ext}, true, nil
	}
	return AddrResult{}, false, err
}

// domains tries the domain and, per strategy, its parent domains.
func (f addrFinder) domains(name string, s Strategy) (AddrResult, bool, error) {
	for name != "" {
		v, ok, err := f.m.Find(name, true)
		if ok || err != nil || s&(FindPDMS|FindPDDMDS) == 0 {
			return AddrResult{Value: v}, ok, err
		}
		dot := strings.IndexByte(name[1:], '.')
		if dot < 0 {
			break
		}
		name = name[1+dot:]
		if s&FindPDDMDS == 0 {
			name = name[1:]
		}
	}
	return AddrResult{}, false, nil
}

// stripAddr removes the address extension (strip_addr_internal()):
// it returns user@domain and "+ext", or "" when nothing was removed.
func stripAddr(full string, p AddrParams) (bare, ext string) {
	if !strings.ContainsAny(full, p.Delimiter) {
		return "", ""
	}
	local, domain := full, ""
	if at := strings.LastIndexByte(full, '@'); at >= 0 {
		local, domain = full[:at], full[at:]
	}
	if noSplit(local, p) {
		return "", ""
	}
	n := strings.IndexAny(local, p.Delimiter)
	if n <= 0 {
		return "", ""
	}
	return local[:n] + domain, local[n:]
}

// noSplit lists the local parts split_addr_internal() never splits.
func noSplit(local string, p AddrParams) bool {
	if strings.EqualFold(local, "postmaster") || strings.EqualFold(local, "MAILER-DAEMON") {
		return true
	}
	if p.DoubleBounceSender != "" && strings.EqualFold(local, p.DoubleBounceSender) {
		return true
	}
	if strings.Contains(p.Delimiter, "-") && p.OwnerRequestSpecial {
		if len(local) >= 6 && strings.EqualFold(local[:6], "owner-") {
			return true
		}
		if len(local) > 8 && strings.EqualFold(local[len(local)-8:], "-request") {
			return true
		}
	}
	return false
}
