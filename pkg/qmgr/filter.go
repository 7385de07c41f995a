package qmgr

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Content filters and redirection (qmgr_message_resolve). Two queue
// file attributes override the address resolver:
//
//   - content_filter: "transport:nexthop", from the content_filter
//     parameter (written when the message is received) or an access(5)
//     or header_checks FILTER action (written later; the last one
//     wins). Every recipient goes to that transport and next hop with
//     its address unchanged. An empty next hop is
//     $default_filter_nexthop, else the recipient's domain, else
//     $myhostname. Address probes and sendmail -bv
//     (DEL_REQ_TRACE_ONLY_MASK) are not filtered.
//   - redirect: an address, from an access(5) or header_checks REDIRECT
//     action. The message keeps one recipient, the first in Postfix's
//     sort order (domain, then address), whose address becomes the
//     redirect address in canonical form (rewrite_clnt_internal() with
//     the "local" ruleset), resolved as usual; the other recipients are
//     dropped. The original recipient stays, so the delivery is logged
//     with orig_to=. Redirection overrides a content filter.

// traceOnly is DEL_REQ_TRACE_ONLY_MASK: requests that report instead of
// delivering.
const traceOnly = deliver.FlagMTAVerify | deliver.FlagUserVerify

// Rewriter rewrites addresses to canonical form (trivial-rewrite's
// rewrite service); *resolve.Resolver is one. A Resolver without it
// leaves a redirect address as it is.
type Rewriter interface {
	Rewrite(ruleset, addr string) string
}

// filterRoute returns the content filter's route for a recipient, and
// false when the message is not filtered.
func (m *Manager) filterRoute(msg *message, rcpt string) (resolve.Result, bool) {
	filter := msg.env.Attr(queue.AttrFilter)
	if filter == "" || msg.tflags&traceOnly != 0 || msg.env.Attr(queue.AttrRedirect) != "" {
		return resolve.Result{}, false
	}
	transport, nexthop, _ := strings.Cut(filter, ":")
	if nexthop == "" {
		nexthop = m.set.DefaultFilterNexthop
	}
	if nexthop == "" {
		if at := strings.LastIndexByte(rcpt, '@'); at >= 0 && at+1 < len(rcpt) {
			nexthop = rcpt[at+1:]
		} else {
			nexthop = m.set.MyHostname
		}
	}
	return resolve.Result{Transport: transport, Nexthop: nexthop, Recipient: rcpt}, true
}

// redirect applies the redirect attribute to the pending recipients:
// it returns the one recipient to deliver, now with the redirect
// address, or pending unchanged when the message is not redirected.
func (m *Manager) redirect(msg *message, pending []rcptRef) []rcptRef {
	to := msg.env.Attr(queue.AttrRedirect)
	if to == "" || len(pending) == 0 {
		return pending
	}
	first := pending[0]
	for _, r := range pending[1:] {
		if compareAddr(msg.rcpt(r).Address, msg.rcpt(first).Address) < 0 {
			first = r
		}
	}
	msg.setAddress(first, m.canonical(to))
	return []rcptRef{first}
}

// canonical rewrites an internal-form address to canonical form.
func (m *Manager) canonical(a string) string {
	rw, ok := m.deps.Resolver.(Rewriter)
	if !ok || a == "" {
		return a
	}
	return addr.UnquoteLocal(rw.Rewrite(resolve.ContextLocal, addr.QuoteLocal(a)))
}
