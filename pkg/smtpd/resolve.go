package smtpd

import (
	"errors"
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/resolve"
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
	Class     AddrClass
	Domain    string // domain of the resolved address
	Bad       bool   // malformed address (RESOLVE_FLAG_ERROR)
	Routed    bool   // routing operators in the local part (RESOLVE_FLAG_ROUTED)
	Recipient string // the resolved address (user@domain)
	Transport string // master.cf transport, e.g. "error" for unknown users in alias domains
	Nexthop   string // nexthop, or the error text of the error transport
}

// Resolver classifies an address. An error is a temporary failure
// (RESOLVE_FLAG_FAIL, a table that could not be read).
type Resolver interface {
	Resolve(sender, addr string) (Resolution, error)
}

// errResolveFail is a resolver failure (table trouble).
var errResolveFail = errors.New("address resolution failed")

// trivialRewrite resolves with pkg/resolve in this process, as
// smtpd_resolve_addr() asks trivial-rewrite: sender and recipient are
// first rewritten in the local context, then resolved.
type trivialRewrite struct {
	r *resolve.Resolver
}

func (t trivialRewrite) Resolve(sender, addr string) (Resolution, error) {
	res := t.r.Resolve(t.rewrite(sender), t.rewrite(addr))
	if res.Flags&resolve.FlagFail != 0 {
		return Resolution{}, errResolveFail
	}
	out := Resolution{Bad: res.Flags&resolve.FlagError != 0, Routed: res.Flags&resolve.FlagRouted != 0,
		Recipient: res.Recipient, Transport: res.Transport, Nexthop: res.Nexthop}
	if i := strings.LastIndexByte(res.Recipient, '@'); i >= 0 {
		out.Domain = strings.ToLower(res.Recipient[i+1:])
	}
	switch res.Flags.Class() {
	case resolve.ClassLocal:
		out.Class = ClassLocal
	case resolve.ClassAlias:
		out.Class = ClassAlias
	case resolve.ClassVirtual:
		out.Class = ClassVirtual
	case resolve.ClassRelay:
		out.Class = ClassRelay
	}
	return out, nil
}

// rewrite is rewrite_clnt_internal() in the local context.
func (t trivialRewrite) rewrite(a string) string {
	if a == "" {
		return ""
	}
	return addr.UnquoteLocal(t.r.Rewrite(resolve.ContextLocal, addr.QuoteLocal(a)))
}
