package smtpd

import (
	"fmt"
	"strings"
)

// checkReject formats and logs a rejection (smtpd_check_reject): the
// reply code and DSN are checked, the text is cut at 510 bytes, an active
// defer_if_reject turns a 5xx into its deferral, soft_bounce turns 5xx
// into 4xx, and the DSN class follows the reply code. Under
// warn_if_reject the rejection is only logged.
func (s *session) checkReject(class errClass, code int, dsn, format string, args ...any) int {
	warn := s.chk.warnIfReject != 0 && class != errSoftware && class != errResource && class != errData
	text := fmt.Sprintf("%d %s ", code, dsn) + fmt.Sprintf(format, args...)
	if code < 400 || code > 599 {
		s.srv.log.Warn("SMTP reply code configuration error: %s", text)
		text = "450 4.7.1 Service unavailable"
	}
	if dsnValid(text[4:]) == 0 {
		s.srv.log.Warn("DSN detail code configuration error: %s", text)
		text = "450 4.7.1 Service unavailable"
	}
	if len(text) > 510 {
		text = text[:510]
	}
	text = printable(text, ' ')
	if d := s.chk.deferIfReject; !warn && d.active && text[0] == '5' {
		s.chk.warnIfReject, s.chk.deferIfReject.active = 0, false
		return s.checkReject(d.class, d.code, d.dsn, "%s", d.reason)
	}
	b := []byte(text)
	if s.p.softBounce && b[0] == '5' {
		b[0] = '4'
	}
	b[4] = b[0]
	text = string(b)
	whatsup := "reject"
	if warn {
		whatsup = "reject_warning"
	}
	s.logWhatsup(whatsup, text)
	if warn {
		return checkDunno
	}
	s.chk.errorText = text
	return checkReject
}

// deferIf remembers the first defer_if_permit/defer_if_reject verdict.
func deferIf(d *deferral, class errClass, code int, dsn, format string, args ...any) int {
	if !d.active {
		*d = deferral{active: true, class: class, code: code, dsn: dsn, reason: fmt.Sprintf(format, args...)}
	}
	return checkDunno
}

// logWhatsup logs "QID: WHAT: WHERE from h[a]: TEXT; from=<> to=<>
// proto=P helo=<h>" (log_whatsup).
func (s *session) logWhatsup(whatsup, text string) {
	var sb strings.Builder
	sb.WriteString(s.queueIDOrNone() + ": " + whatsup + ": " + s.where + " from " + s.namaddr() + ": " + text + ";")
	sb.WriteString(s.whatsup())
	s.srv.log.Info("%s", sb.String())
}

// whatsup is the " from=<s> to=<r> proto=P helo=<h>" tail (smtpd_whatsup).
func (s *session) whatsup() string {
	var sb strings.Builder
	if s.tx.inMail {
		sb.WriteString(" from=<" + s.tx.sender + ">")
	}
	if s.tx.haveRcpt {
		sb.WriteString(" to=<" + s.tx.recipient + ">")
	}
	sb.WriteString(" proto=" + s.protocol)
	if s.haveHelo {
		sb.WriteString(" helo=<" + s.helo + ">")
	}
	return sb.String()
}

// dsnValid returns the length of a valid "X.YYY.ZZZ" detail code at the
// start of s (dsn_valid), 0 if there is none.
func dsnValid(s string) int {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return 0
	}
	i := 2
	for part := 0; part < 2; part++ {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 4 {
			i++
			n++
		}
		if n == 0 || n > 3 {
			return 0
		}
		if part == 0 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
	}
	if i < len(s) && !isSpace(s[i]) {
		return 0
	}
	return i
}
