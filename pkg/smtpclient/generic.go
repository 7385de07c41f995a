package smtpclient

import (
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// generic maps one address through smtp_generic_maps (smtp_map11):
// the first address of the table value, with an unmatched address
// extension propagated when propagate_unmatched_extensions lists
// "generic". The null address is never mapped. On a table error the
// address is left alone and a warning logged.
func (a *attempt) generic(addr string) string {
	if a.cfg.Generic == nil || addr == "" {
		return addr
	}
	res, ok, err := a.cfg.Generic.FindAddr(addr, a.cfg.AddrParams, dict.FindDefault)
	if err != nil {
		// XXX: Postfix defers the message ("local data error").
		a.cfg.warn("%s: %s map lookup problem for %s: %v", a.d.Req.QueueID, a.cfg.Generic.Title, addr, err)
		return addr
	}
	if !ok {
		return addr
	}
	out := strings.TrimSpace(strings.Split(res.Value, ",")[0])
	if strings.HasPrefix(out, "@") {
		// An @domain result keeps the localpart (mail_addr_map).
		local := addr
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			local = addr[:at]
		}
		out = strings.TrimSuffix(local, res.Extension) + out
	}
	if a.cfg.GenericExt && res.Extension != "" {
		if at := strings.LastIndexByte(out, '@'); at >= 0 {
			out = out[:at] + res.Extension + out[at:]
		} else {
			out += res.Extension
		}
	}
	return out
}

// addressHeaders are the headers whose addresses smtp_generic_maps
// rewrites (header_opts.c entries with HDR_OPT_SENDER or HDR_OPT_RECIP).
var addressHeaders = map[string]bool{
	"apparently-to": true, "bcc": true, "cc": true, "disposition-notification-to": true,
	"errors-to": true, "from": true, "mail-followup-to": true, "reply-to": true,
	"resent-bcc": true, "resent-cc": true, "resent-from": true, "resent-reply-to": true,
	"resent-sender": true, "resent-to": true, "return-path": true, "return-receipt-to": true,
	"sender": true, "to": true,
}

// rewriteHeader maps the addresses of one logical header in place,
// keeping its display names, comments and folding.
// XXX: Postfix re-formats a rewritten header (tok822_externalize).
func (a *attempt) rewriteHeader(lines []string) []string {
	name, _, ok := strings.Cut(lines[0], ":")
	if !ok || !addressHeaders[strings.ToLower(strings.TrimSpace(name))] {
		return lines
	}
	text := strings.Join(lines, "\n")
	spans := addrSpans(text, len(name)+1)
	changed := false
	for k := len(spans) - 1; k >= 0; k-- {
		sp := spans[k]
		old := unquoteAddr(text[sp[0]:sp[1]])
		if mapped := a.generic(old); mapped != old {
			text = text[:sp[0]] + externalAddr(mapped) + text[sp[1]:]
			changed = true
		}
	}
	if !changed {
		return lines
	}
	return strings.Split(text, "\n")
}

// addrSpans finds the addresses in a header value starting at from:
// the text inside <...>, or a bare address between separators.
func addrSpans(s string, from int) [][2]int {
	var spans [][2]int
	depth, quoted, angle := 0, false, -1
	elem, hasAngle, hasComment := from, false, false
	end := func(i int) {
		if !hasAngle && !hasComment {
			if b, e := trimSpan(s, elem, i); b < e {
				spans = append(spans, [2]int{b, e})
			}
		}
		elem, hasAngle, hasComment = i+1, false, false
	}
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			i++
		case quoted:
			quoted = c != '"'
		case c == '"':
			quoted = true
		case c == '(':
			depth++
			hasComment = true
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle, hasAngle = i+1, true
		case c == '>' && angle >= 0:
			if b, e := trimSpan(s, angle, i); b < e {
				spans = append(spans, [2]int{b, e})
			}
			angle = -1
		case angle >= 0:
		case c == ',' || c == ';':
			end(i)
		case c == ':':
			elem, hasAngle, hasComment = i+1, false, false
		}
	}
	end(len(s))
	return spans
}

// trimSpan trims white space from s[b:e].
func trimSpan(s string, b, e int) (int, int) {
	for b < e && strings.IndexByte(" \t\r\n", s[b]) >= 0 {
		b++
	}
	for e > b && strings.IndexByte(" \t\r\n", s[e-1]) >= 0 {
		e--
	}
	return b, e
}

// unquoteAddr turns "quoted local"@domain into internal form.
func unquoteAddr(s string) string {
	at := strings.LastIndexByte(s, '@')
	local, domain := s, ""
	if at >= 0 {
		local, domain = s[:at], s[at:]
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(local)-1; i++ {
			if local[i] == '\\' && i+1 < len(local)-1 {
				i++
			}
			b.WriteByte(local[i])
		}
		local = b.String()
	}
	return local + domain
}

// externalAddr quotes the local part of an internal-form address.
func externalAddr(s string) string { return quote821(s) }
