package smtpd

import (
	"strings"
	"unicode/utf8"

	"github.com/postern/postern/pkg/addr"
)

// parsedAddr is the result of looking for an address in a command
// argument: the address in internal form, and the number of address and
// non-address forms found at the top level.
type parsedAddr struct {
	addr    string
	nAddr   int
	nonAddr int
}

// addrParser finds the address in command arguments; a session reuses
// one, so that address parsing does not allocate once warmed up.
type addrParser struct {
	p  addr.Parser
	sb strings.Builder
}

// findAddr parses a MAIL FROM, RCPT TO or VRFY argument as Postfix's
// extract_addr() does: outer <> are removed, a deprecated source route
// (@a,@b:user@c) is cut off, and the rest goes through the RFC 822
// parser (pkg/addr).
func (a *addrParser) findAddr(arg string) parsedAddr {
	text := arg
	if len(text) >= 2 && text[0] == '<' && text[len(text)-1] == '>' {
		text = text[1 : len(text)-1]
	}
	if len(text) > 0 && text[0] == '@' {
		if i := strings.IndexByte(text, ':'); i >= 0 {
			text = text[i+1:]
		}
	}
	if simpleAddr(text) {
		return parsedAddr{addr: text, nAddr: 1}
	}
	return a.parseAddr(text)
}

// parseAddr runs the RFC 822 parser over the argument text.
func (a *addrParser) parseAddr(text string) parsedAddr {
	var res parsedAddr
	var last *addr.Node
	for tp := a.p.Parse(text); tp != nil; tp = tp.Next {
		switch tp.Type {
		case addr.Address:
			last = tp
			res.nAddr++
		case '<', '>':
		default:
			res.nonAddr++
		}
	}
	if last != nil {
		a.sb.Reset()
		addr.AppendInternalized(&a.sb, last.Head)
		res.addr = a.sb.String()
	}
	return res
}

// simpleAddr reports whether text is atoms joined by '.', '@', '%' or
// '!' only (the common "user@domain"). For such text the parser yields
// one address equal to the text, so the parse can be skipped.
func simpleAddr(text string) bool {
	if text == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == ' ' || c < 0x20 || c == 0x7f || strings.IndexByte("()<>,;:\\\"[]", c) >= 0 {
			return false
		}
	}
	return true
}

// addrSyntaxOK applies the checks of extract_addr() to a parsed
// argument: one address at most, none of the RFC 821 violations when
// strict_rfc821_envelopes is set, no empty address unless allowed.
func addrSyntaxOK(arg string, p parsedAddr, allowEmpty, strict bool) bool {
	if p.nAddr > 1 || (strict && (p.nonAddr > 0 || arg == "" || arg[0] != '<')) {
		return false
	}
	if p.addr == "" && !allowEmpty {
		return false
	}
	return !(strict && strings.HasPrefix(p.addr, "@"))
}

// printable replaces non-printable bytes with repl, keeping valid UTF-8
// (util/printable.c with util_utf8_enable).
func printable(s string, repl byte) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f:
			sb.WriteByte(repl)
		default:
			sb.WriteString(s[i : i+size])
		}
		i += max(size, 1)
	}
	return sb.String()
}

// extractAddr finds the address in a MAIL FROM, RCPT TO or VRFY
// argument and checks its syntax (extract_addr, smtpd_check_addr). A
// bad address is logged with the command it came in.
func (s *session) extractAddr(arg string, allowEmpty, strict, smtputf8 bool, where string) (string, bool) {
	p := s.addr.findAddr(arg)
	ok := addrSyntaxOK(arg, p, allowEmpty, strict)
	if ok && p.addr != "" && !s.standAlone() {
		ok = s.checkAddr(p.addr, smtputf8)
	}
	if !ok {
		s.srv.log.Warn("Illegal address syntax from %s in %s command: %s", s.namaddr(), where, printable(arg, '?'))
	}
	return p.addr, ok
}

// checkAddr is smtpd_check_addr(): the address must resolve without a
// syntax error, and without SMTPUTF8 its domain must be ASCII.
func (s *session) checkAddr(addr string, smtputf8 bool) bool {
	r, err := s.srv.deps.Resolver.Resolve(s.tx.sender, addr)
	if err != nil {
		return true // checked again, with a temporary error, by the restrictions
	}
	if r.Bad {
		return false
	}
	return smtputf8 || isASCII(r.Domain)
}
