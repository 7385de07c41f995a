package local

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/resolve"
)

// deliverResolveAddr resolves an address given as text (luser_relay)
// and delivers to it (resolve.c deliver_resolve_addr()): its tokens,
// externalized as the tokens of one address (no blanks between them).
func (s state) deliverResolveAddr(usr userAttr, text string) result {
	var sb strings.Builder
	for _, t := range addr.Scan(text) {
		sb.WriteString(addr.Tokens{t}.External())
	}
	return s.deliverResolveTree(usr, sb.String())
}

// deliverResolveTree rewrites an address (external form) found in an
// alias, .forward or :include: file to canonical form and resolves it as
// qmgr would (deliver_resolve_tree()): an address this local transport
// delivers is delivered here and now, any other is forwarded as a new
// message. An unmatched address extension is spliced back in before the
// "@".
func (s state) deliverResolveTree(usr userAttr, ext string) result {
	s.level++
	a := s.job.a
	canon := a.resolver.Rewrite(resolve.ContextLocal, ext)
	reply := a.resolver.Resolve("", addr.Scan(canon).Internal())
	switch {
	case reply.Flags&resolve.FlagFail != 0:
		return s.deferTo("4.3.0", "address resolver failure")
	case reply.Flags&resolve.FlagError != 0:
		return s.bounce("5.1.3", "bad recipient address syntax: "+reply.Recipient)
	}
	rcpt := reply.Recipient
	if s.msg.unmatched.ok {
		rcpt = spliceExtension(rcpt, s.delimiterChar(), s.msg.unmatched.s)
	}
	s.msg.rcpt.address = rcpt
	if reply.Transport == s.msg.relay {
		return s.deliverRecipient(usr)
	}
	return s.deliverIndirect()
}

// delimiterChar is the delimiter that separated the extension of the
// current local part (state.msg_attr.local[strlen(user)]).
func (s *state) delimiterChar() string {
	if len(s.msg.local) > len(s.msg.user) {
		return s.msg.local[len(s.msg.user) : len(s.msg.user)+1]
	}
	return ""
}

// spliceExtension inserts delim+ext before the last "@" of addr, or
// appends it when there is none.
func spliceExtension(addr, delim, ext string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr + delim + ext
	}
	return addr[:at] + delim + ext + addr[at:]
}

// deliverIndirect forwards the current address as a new message
// (indirect.c deliver_indirect()), once per address.
func (s state) deliverIndirect() result {
	if s.job.dup.beenHere("indirect " + s.msg.rcpt.address) {
		return ok
	}
	if s.traceOnly() {
		return s.sent("2.0.0", "forwards to "+s.msg.rcpt.address)
	}
	if err := s.job.fwd.append(s.msg); err != nil {
		return s.deferTo("4.3.0", "unable to forward message")
	}
	return ok
}
