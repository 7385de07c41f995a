package smtpd

import "strings"

// unknown handles a command that is not in the table: a mail header or
// a smtpd_forbidden_commands match ends the session, anything else is an
// error.
func (s *session) unknown(line, name string) bool {
	s.where = "UNKNOWN"
	forbidden, _ := s.srv.lists.forbidden.matchString(name)
	if isHeader(name) || forbidden {
		s.srv.log.Warn("non-SMTP command from %s: %.100s", s.namaddr(), escape([]byte(line)))
		s.reply("221 2.7.0 Error: I can break rules, too. Goodbye.")
		return false
	}
	if s.accessDenied != "" {
		s.denied()
		return true
	}
	s.reply("500 5.5.2 Error: command not recognized")
	s.errorCount++
	return true
}

// denied answers any command after a client restriction rejected the
// connection (smtpd_delay_reject = no): RFC 5321 3.1.
func (s *session) denied() {
	if len(s.accessDenied) > 3 && s.accessDenied[1:3] == "21" {
		s.reply(s.accessDenied)
		return
	}
	s.replyf("503 5.7.0 Error: access denied for %s", s.namaddr())
	s.errorCount++
}

// endOfSession sends the reply for a timeout, logs why the session
// ended abnormally and discards an unfinished message.
func (s *session) endOfSession() {
	switch s.ioErr {
	case errTimeout:
		s.reason = "timeout"
		s.ioErr = nil
		s.replyf("421 4.4.2 %s Error: timeout exceeded", s.p.myhostname)
		s.flush()
	case errLost:
		s.reason = "lost connection"
	case nil:
		s.flush()
	}
	if s.reason != "" && s.where != "" {
		s.logAbnormal()
	}
	s.resetMail()
}

func (s *session) logAbnormal() {
	switch s.where {
	case whereAfterData:
		s.srv.log.Info("%s after DATA (%d bytes) from %s", s.reason,
			s.tx.actSize+int64(len(s.rd.buffered())), s.namaddr())
	case whereAfterBdat:
		s.srv.log.Info("%s after BDAT (%d bytes) from %s", s.reason,
			s.tx.actSize+int64(len(s.bdatRec.line)+len(s.rd.buffered())), s.namaddr())
	case whereAfterEOM:
		if s.reason != "lost connection" {
			s.srv.log.Info("%s after %s from %s", s.reason, s.where, s.namaddr())
		}
	default:
		s.srv.log.Info("%s after %s from %s", s.reason, s.where, s.namaddr())
	}
}

// Protocol states named in logs (smtpd.h SMTPD_AFTER_*).
const (
	whereAfterData = "DATA content"
	whereAfterBdat = "BDAT content"
	whereAfterEOM  = "END-OF-MESSAGE"
)

// isHeader reports whether s starts like a mail header "Name:" (is_header).
func isHeader(s string) bool {
	n, space := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			return n > 0
		case c == ' ' || c == '\t':
			if n == 0 {
				return false
			}
			space = true
		case c >= 0x80 || c < 0x20 || c == 0x7f || space:
			return false
		default:
			n++
		}
	}
	return false
}

// escape renders bytes for a log line as Postfix's escape(): \\, \a,
// \b, \f, \n, \r, \t, \v and \ooo for the rest.
func escape(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		case c < 0x80 && strings.IndexByte("\a\b\f\n\r\t\v", c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte("abfnrtv"[strings.IndexByte("\a\b\f\n\r\t\v", c)])
		default:
			sb.WriteByte('\\')
			sb.WriteByte('0' + c>>6)
			sb.WriteByte('0' + c>>3&7)
			sb.WriteByte('0' + c&7)
		}
	}
	return sb.String()
}
