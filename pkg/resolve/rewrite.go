package resolve

import (
	"strings"
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
func (r *Resolver) Rewrite(ruleset, addr string) string {
	if addr == "" {
		r.warn("rewrite_addr: null address")
		return ""
	}
	ctx := r.local
	if ruleset == ContextRemote {
		ctx = r.remote
	}
	ts := r.rewriteTree(ctx, scan(addr))
	return Quote822Local(ts.internal())
}

// rewriteTree is rewrite_tree(): it returns the rewritten token list.
func (r *Resolver) rewriteTree(ctx rwContext, ts toks) toks {
	if len(ts) == 0 {
		return ts
	}
	// An empty address is a special case; a lone @ is one too.
	if len(ts) == 1 && ts[0].typ == tQString && ts[0].s == "" {
		return ts
	}
	if len(ts) == 1 && ts[0].typ == '@' {
		return toks{{tQString, ""}}
	}
	// Strip source route.
	if ts[0].typ == '@' {
		if colon := ts.first(':', 0); colon >= 0 && colon != len(ts)-1 {
			ts = ts[colon+1:].clone()
		}
	}
	if ts.last('@') < 0 {
		ts = r.noDomain(ctx, ts)
	}
	ts = r.appendDotMydomain(ctx, ts)
	// Strip trailing dot at end of domain, but not dot-dot or @-dot.
	if n := len(ts); n > 1 && ts[n-1].typ == '.' && ts[n-2].typ != '.' && ts[n-2].typ != '@' {
		ts = ts[:n-1]
	}
	return ts
}

// noDomain handles an address without @: domain!user, user%domain or a
// bare user.
func (r *Resolver) noDomain(ctx rwContext, ts toks) toks {
	if bang := ts.first('!', 0); r.swapBangpath && bang >= 0 {
		out := ts[bang+1:].clone()
		out = append(out, tok{'@', ""})
		return append(out, ts[:bang]...)
	}
	if pct := ts.last('%'); r.percentHack && pct >= 0 {
		out := ts.clone()
		out[pct].typ = '@'
		return out
	}
	if r.appendAtMyorigin && ctx.origin != "" {
		out := ts.clone()
		out = append(out, tok{'@', ""})
		return append(out, scan(ctx.origin)...)
	}
	return ts
}

// appendDotMydomain appends .domain to a domain part without a dot, but
// leaves broken forms ending in @ and address literals alone.
func (r *Resolver) appendDotMydomain(ctx rwContext, ts toks) toks {
	at := ts.last('@')
	if !r.appendDotMydomainOn || ctx.domain == "" || at < 0 || at == len(ts)-1 {
		return ts
	}
	if ts.first(tDomLit, at) >= 0 || ts.first('.', at) >= 0 {
		return ts
	}
	if r.warnCompatDotMydomain && ts[at+1].typ == tAtom {
		r.compatDotMydomain(ts[at+1].s)
	}
	out := ts.clone()
	out = append(out, tok{'.', ""})
	return append(out, scan(ctx.domain)...)
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
