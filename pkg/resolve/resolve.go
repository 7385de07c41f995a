package resolve

import (
	"strings"
	"unicode/utf8"
)

// Flags are the resolver's result flags and address class
// (global/resolve_clnt.h RESOLVE_FLAG_* and RESOLVE_CLASS_*).
type Flags int

const (
	FlagFinal  Flags = 1 << 0 // final delivery (not set by trivial-rewrite)
	FlagRouted Flags = 1 << 1 // the local part holds routing operators
	FlagError  Flags = 1 << 2 // bad destination syntax
	FlagFail   Flags = 1 << 3 // the request failed (table trouble): try again later

	ClassLocal   Flags = 1 << 8  // mydestination, inet_interfaces, proxy_interfaces
	ClassAlias   Flags = 1 << 9  // virtual_alias_domains
	ClassVirtual Flags = 1 << 10 // virtual_mailbox_domains
	ClassRelay   Flags = 1 << 11 // relay_domains
	ClassDefault Flags = 1 << 12 // everything else

	ClassFinal = ClassLocal | ClassAlias | ClassVirtual
	ClassMask  = ClassLocal | ClassAlias | ClassVirtual | ClassRelay | ClassDefault
)

// Class returns the address class bits of f.
func (f Flags) Class() Flags { return f & ClassMask }

// Result is the resolver's answer: the master.cf transport, its nexthop
// (a host, [host]:port, a socket path, or the error text of the error
// transport), the final recipient address, and flags with the class.
type Result struct {
	Transport string
	Nexthop   string
	Recipient string
	Flags     Flags
}

// Resolve resolves a recipient in internal (unquoted) form for delivery
// (trivial-rewrite "resolve"). sender selects
// sender_dependent_relayhost_maps and
// sender_dependent_default_transport_maps entries. When Flags has
// FlagFail the caller must try again later; with FlagError the address
// is not deliverable ("bad address syntax").
func (r *Resolver) Resolve(sender, addr string) Result {
	return r.resolve(&r.regular, sender, addr)
}

// ResolveVerify is Resolve with the address_verify_* personality, for
// address probes (trivial-rewrite "verify").
func (r *Resolver) ResolveVerify(sender, addr string) Result {
	return r.resolve(&r.verify, sender, addr)
}

func (r *Resolver) resolve(p *personality, sender, addr string) Result {
	ts, remote, fail := r.strip(addr)
	if fail {
		return Result{Flags: FlagFail}
	}
	res := Result{Recipient: ts.Internal()}
	rcptDomain := res.Recipient[strings.LastIndexByte(res.Recipient, '@')+1:]
	if res.Flags, remote, fail = r.validate(&res.Recipient, &rcptDomain, remote); fail {
		return Result{Flags: FlagFail}
	}
	if res.Flags&FlagError != 0 {
		res.Flags |= ClassDefault
		return res
	}
	// Routing operators in the local part, whatever swap_bangpath and
	// allow_percent_hack say: the next MX host may honor them.
	if i := strings.IndexAny(res.Recipient, "@!%"); i >= 0 && res.Recipient[i+1:] != rcptDomain {
		res.Flags |= FlagRouted
	}
	if !r.classify(p, sender, rcptDomain, remote, &res) {
		return Result{Flags: FlagFail}
	}
	if !r.finish(p, rcptDomain, &res) {
		return Result{Flags: FlagFail}
	}
	return res
}

// validate checks the recipient domain (valid_mailhost_literal,
// valid_utf8_hostname) and turns a bare numeric domain into [addr] with
// resolve_numeric_domain. It may find that domain local after all.
func (r *Resolver) validate(rcpt, domain *string, remote bool) (Flags, bool, bool) {
	d := *domain
	switch {
	case strings.HasPrefix(d, "["):
		if !validMailhostLiteral(d) {
			return FlagError, remote, false
		}
	case r.smtputf8 && !utf8.ValidString(*rcpt):
		return FlagError, remote, false
	case !validHostname(d, r.smtputf8):
		if !r.resolveNumericDomain || !validHostAddr(d) {
			return FlagError, remote, false
		}
		*rcpt = (*rcpt)[:len(*rcpt)-len(d)] + "[" + d + "]"
		*domain = "[" + d + "]"
		local, err := r.IsLocal(*domain)
		if err != nil {
			r.warn("%v", err)
			return 0, remote, true
		}
		if local {
			remote = false
		}
	}
	return 0, remote, false
}

// validMailhostLiteral accepts "[addr]" with nothing after "]".
func validMailhostLiteral(d string) bool {
	end := strings.IndexByte(d, ']')
	if end < 0 || end != len(d)-1 {
		return false
	}
	_, ok := mailhostAddr(d[1:end])
	return ok
}

// validHostname is valid_hostname() (valid_utf8_hostname() when
// smtputf8_enable: non-ASCII labels are accepted as UTF-8).
func validHostname(name string, utf8ok bool) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	labelLen, nonNumeric := 0, false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isAlnum(c) || c == '_' || (utf8ok && c >= 0x80):
			labelLen++
			if labelLen > 63 {
				return false
			}
			if c < '0' || c > '9' {
				nonNumeric = true
			}
		case c == '.':
			if labelLen == 0 || i == len(name)-1 {
				return false
			}
			labelLen = 0
		case c == '-':
			nonNumeric = true
			labelLen++
			if labelLen == 1 || i == len(name)-1 || name[i+1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	// XXX: non-ASCII labels are not converted with IDNA, only checked
	// to be UTF-8.
	return nonNumeric && (!utf8ok || utf8.ValidString(name))
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
