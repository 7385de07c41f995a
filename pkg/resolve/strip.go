package resolve

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
)

// strip is the preliminary resolver (resolve.c resolve_addr, first
// loop): it strips every instance of a local domain, cracks user%domain,
// domain!user and quoted local parts with routing operators, replaces an
// empty address with $empty_address_recipient and adds @$myhostname to a
// bare user, until the address ends in a remote domain or in a local one
// with nothing left to strip. remote reports which; fail reports a table
// lookup failure.
func (r *Resolver) strip(a string) (ts addr.Tokens, remote, fail bool) {
	ts = addr.Scan(addr.QuoteLocal(a))
	var saved addr.Tokens
	loopMax := len(a) + 100
	for n := 0; ; n++ {
		if n > loopMax {
			r.warn("resolve_addr: <%s>: giving up after %d iterations", a, n)
			return nil, false, true
		}
		ts = r.trimTail(ts)
		if at := ts.Last('@'); at >= 0 {
			if at+1 < len(ts) {
				local, err := r.IsLocal(ts[at+1:].Internal())
				if err != nil {
					r.warn("%v", err)
					return nil, false, true
				}
				if !local {
					return ts, true, false
				}
			}
			saved, ts = ts[at:].Clone(), ts[:at].Clone()
		}
		if ts.Last('@') >= 0 || (r.swapBangpath && ts.Last('!') >= 0) || (r.percentHack && ts.Last('%') >= 0) {
			ts = r.rewriteTree(r.local, ts)
			continue
		}
		if cracked, ok := r.crackQuoted(ts); ok {
			ts = r.rewriteTree(r.local, cracked)
			continue
		}
		if len(ts) == 1 && ts[0].Type == addr.QuotedString && ts[0].Text == "" {
			ts = nil
		}
		if len(ts) == 0 {
			ts = addr.Scan(r.emptyAddr)
			continue
		}
		if saved == nil {
			ts = append(ts, addr.Token{Type: '@'})
			ts = append(ts, addr.Scan(r.myhostname)...)
			continue
		}
		break
	}
	return append(ts, saved...), false, false
}

// trimTail strips a trailing dot after the domain (but not dot-dot or
// @-dot) and, with resolve_null_domain, a trailing @.
func (r *Resolver) trimTail(ts addr.Tokens) addr.Tokens {
	if n := len(ts); n > 1 && ts[n-1].Type == '.' && ts.Last('@') >= 0 &&
		ts[n-2].Type != '.' && ts[n-2].Type != '@' {
		ts = ts[:n-1]
	}
	if n := len(ts); r.resolveNullDomain && n > 0 && ts[n-1].Type == '@' {
		ts = ts[:n-1]
	}
	return ts
}

// crackQuoted opens a quoted local part that holds routing operators
// (resolve_dequoted_address): "user@domain"@local resolves as user@domain.
// This is technically incorrect, but stops relaying through backup MX
// hosts.
func (r *Resolver) crackQuoted(ts addr.Tokens) (addr.Tokens, bool) {
	if !r.resolveDequoted || len(ts) != 1 || ts[0].Type != addr.QuotedString {
		return nil, false
	}
	local := ts[0].Text
	oper := strings.LastIndexByte(local, '@')
	if oper < 0 && r.percentHack {
		oper = strings.LastIndexByte(local, '%')
	}
	if oper < 0 && r.swapBangpath {
		oper = strings.LastIndexByte(local, '!')
	}
	if oper < 0 {
		return nil, false
	}
	if local[oper] == '%' {
		local = local[:oper] + "@" + local[oper+1:]
	}
	if local[oper] == '@' {
		local = addr.QuoteLocal(local)
	}
	return addr.Scan(local), true
}
