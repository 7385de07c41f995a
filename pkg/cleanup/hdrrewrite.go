package cleanup

// rewriteHeader rewrites the addresses in a sender or recipient header
// (cleanup_rewrite_sender(), cleanup_rewrite_recip()): each address is
// canonicalized in the header rewriting context, then the canonical
// tables of the matching header class apply. Only changed addresses are
// replaced; display names, comments and folding stay as they were.
//
// XXX: Postfix regenerates and refolds the whole header from its token
// tree when an address changed; Postern edits the text in place, so
// white space inside a changed address is not normalized.
func (m *Message) rewriteHeader(name, value string, sender bool) string {
	spans := scanAddrs(value)
	for i := len(spans) - 1; i >= 0; i-- {
		sp := spans[i]
		if sp.Addr == "" {
			continue
		}
		addr := m.headerAddr(sp.Addr, sender)
		if addr == sp.Addr {
			continue
		}
		value = value[:sp.Start] + externalize(addr) + value[sp.End:]
	}
	return name + ":" + value
}

// headerAddr rewrites one header address.
func (m *Message) headerAddr(addr string, sender bool) string {
	c := m.c
	addr = c.rewrite(addr, m.hdrContext)
	if addr == "" {
		return addr
	}
	if sender {
		if c.p.senderClasses&hdrSender != 0 {
			addr = m.map11(c.sendCanon, addr)
		}
		if c.p.canonClasses&hdrSender != 0 {
			addr = m.map11(c.canonical, addr)
		}
		return addr
	}
	if c.p.rcptClasses&hdrRecipient != 0 {
		addr = m.map11(c.rcptCanon, addr)
	}
	if c.p.canonClasses&hdrRecipient != 0 {
		addr = m.map11(c.canonical, addr)
	}
	return addr
}
