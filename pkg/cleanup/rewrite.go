package cleanup

import "strings"

// rwContext is a trivial-rewrite address rewriting context: the domain
// appended to an address without one, and the domain appended to a
// host name without dots (rewrite_tree() in trivial-rewrite/rewrite.c).
type rwContext struct {
	origin string // $myorigin (local) or $remote_header_rewrite_domain
	domain string // $mydomain (local) or $remote_header_rewrite_domain
}

func (c *Cleanup) localContext() rwContext {
	return rwContext{origin: c.p.myorigin, domain: c.p.mydomain}
}

func (c *Cleanup) remoteContext() rwContext {
	d := c.p.remoteRewriteDomain
	return rwContext{origin: d, domain: d}
}

// rewrite canonicalizes an internal-form address as trivial-rewrite's
// "rewrite" service does: strip a source route, swap_bangpath,
// allow_percent_hack, append_at_myorigin, append_dot_mydomain, strip a
// trailing dot.
//
// XXX: Postfix rewrites a token tree; this works on the string, so '!'
// or '%' inside a quoted local part are taken as operators.
func (c *Cleanup) rewrite(addr string, ctx rwContext) string {
	if addr == "" || addr == "@" {
		return ""
	}
	if addr[0] == '@' {
		if i := strings.IndexByte(addr, ':'); i >= 0 && i < len(addr)-1 {
			addr = addr[i+1:]
		}
	}
	if !strings.Contains(addr, "@") {
		addr = c.qualify(addr, ctx)
	}
	addr = c.appendDot(addr, ctx)
	n := len(addr)
	if n > 1 && addr[n-1] == '.' && addr[n-2] != '.' && addr[n-2] != '@' {
		addr = addr[:n-1]
	}
	return addr
}

// qualify handles an address without '@'.
func (c *Cleanup) qualify(addr string, ctx rwContext) string {
	switch {
	case c.p.swapBangpath && strings.Contains(addr, "!"):
		domain, local, _ := strings.Cut(addr, "!")
		return local + "@" + domain
	case c.p.percentHack && strings.Contains(addr, "%"):
		i := strings.LastIndexByte(addr, '%')
		return addr[:i] + "@" + addr[i+1:]
	case c.p.appendAtOrigin && ctx.origin != "":
		return addr + "@" + ctx.origin
	}
	return addr
}

// appendDot appends .$mydomain to a domain without dots (not to an
// address ending in '@' nor to a [domain literal]).
func (c *Cleanup) appendDot(addr string, ctx rwContext) string {
	if !c.p.appendDotDomain || ctx.domain == "" {
		return addr
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return addr
	}
	dom := addr[at+1:]
	if strings.ContainsAny(dom, ".[") {
		return addr
	}
	return addr + "." + ctx.domain
}
