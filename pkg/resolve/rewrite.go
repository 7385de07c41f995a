package resolve

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
)

// Rewriting contexts (MAIL_ATTR_RWR_LOCAL, MAIL_ATTR_RWR_REMOTE).
const (
	ContextLocal  = "local"
	ContextRemote = "remote"
)

// rwContext is the origin and domain a context appends (RWR_CONTEXT):
// $myorigin and $mydomain locally, $remote_header_rewrite_domain for
// remote clients.
type rwContext struct {
	origin, domain string
}

// Rewrite rewrites an address in external (quoted) form to canonical
// form, as trivial-rewrite's "rewrite" request does (rewrite.c): source
// routes are stripped, domain!user and user%domain become user@domain
// (swap_bangpath, allow_percent_hack), @$myorigin is appended to a bare
// user (append_at_myorigin) and .$mydomain to a domain without a dot
// (append_dot_mydomain). ruleset is ContextLocal or ContextRemote.
func (r *Resolver) Rewrite(ruleset, a string) string {
	if a == "" {
		r.warn("rewrite_addr: null address")
		return ""
	}
	ctx := r.local
	if ruleset == ContextRemote {
		ctx = r.remote
	}
	ts := r.rewriteTree(ctx, addr.Scan(a))
	return addr.QuoteLocal(ts.Internal())
}

// rewriteTree is rewrite_tree(): it returns the rewritten token list.
func (r *Resolver) rewriteTree(ctx rwContext, ts addr.Tokens) addr.Tokens {
	if len(ts) == 0 {
		return ts
	}
	// An empty address is a special case; a lone @ is one too.
	if len(ts) == 1 && ts[0].Type == addr.QuotedString && ts[0].Text == "" {
		return ts
	}
	if len(ts) == 1 && ts[0].Type == '@' {
		return addr.Tokens{{Type: addr.QuotedString}}
	}
	// Strip source route.
	if ts[0].Type == '@' {
		if colon := ts.First(':', 0); colon >= 0 && colon != len(ts)-1 {
			ts = ts[colon+1:].Clone()
		}
	}
	if ts.Last('@') < 0 {
		ts = r.noDomain(ctx, ts)
	}
	ts = r.appendDotMydomain(ctx, ts)
	// Strip trailing dot at end of domain, but not dot-dot or @-dot.
	if n := len(ts); n > 1 && ts[n-1].Type == '.' && ts[n-2].Type != '.' && ts[n-2].Type != '@' {
		ts = ts[:n-1]
	}
	return ts
}

// noDomain handles an address without @: domain!user, user%domain or a
// bare user.
func (r *Resolver) noDomain(ctx rwContext, ts addr.Tokens) addr.Tokens {
	if bang := ts.First('!', 0); r.swapBangpath && bang >= 0 {
		out := ts[bang+1:].Clone()
		out = append(out, addr.Token{Type: '@'})
		return append(out, ts[:bang]...)
	}
	if pct := ts.Last('%'); r.percentHack && pct >= 0 {
		out := ts.Clone()
		out[pct].Type = '@'
		return out
	}
	if r.appendAtMyorigin && ctx.origin != "" {
		out := ts.Clone()
		out = append(out, addr.Token{Type: '@'})
		return append(out, addr.Scan(ctx.origin)...)
	}
	return ts
}

// appendDotMydomain appends .domain to a domain part without a dot, but
// leaves broken forms ending in @ and address literals alone.
func (r *Resolver) appendDotMydomain(ctx rwContext, ts addr.Tokens) addr.Tokens {
	at := ts.Last('@')
	if !r.appendDotMydomainOn || ctx.domain == "" || at < 0 || at == len(ts)-1 {
		return ts
	}
	if ts.First(addr.DomainLiteral, at) >= 0 || ts.First('.', at) >= 0 {
		return ts
	}
	if r.warnCompatDotMydomain && ts[at+1].Type == addr.Atom {
		r.compatDotMydomain(ts[at+1].Text)
	}
	out := ts.Clone()
	out = append(out, addr.Token{Type: '.'})
	return append(out, addr.Scan(ctx.domain)...)
}

// compatDotMydomain logs Postfix's backwards-compatibility notice.
func (r *Resolver) compatDotMydomain(name string) {
	if !strings.EqualFold(name, "localhost") {
		r.info("using backwards-compatible default setting append_dot_mydomain=yes to rewrite \"%s\" to \"%s.%s\"",
			name, name, r.mydomain)
		return
	}
	if c, err := r.Class("localhost"); err == nil && c == ClassDefault {
		r.info("using backwards-compatible default setting append_dot_mydomain=yes to rewrite \"%s\" to \"%s.%s\"; please add \"localhost\" to mydestination or other address class",
			name, name, r.mydomain)
	}
}
