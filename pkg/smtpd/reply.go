package smtpd

import (
	"fmt"
	"strings"
	"time"
)

// The output side of a session (smtpd_chat.c smtpd_chat_reply).

// reply sends one reply line. Once the client has made
// smtpd_soft_error_limit errors, every reply waits
// smtpd_error_sleep_time first. With soft_bounce a 5xx becomes 4xx. A
// 421 or 521 reply ends the session after it is sent.
func (s *session) reply(text string) {
	delay := false
	if s.errorCount >= s.p.softErrLimit && s.p.errSleep > 0 {
		s.flush()
		s.srv.deps.Sleep(s.p.errSleep)
		delay = true
	}
	if s.p.softBounce && len(text) > 0 && text[0] == '5' {
		b := []byte(text)
		b[0] = '4'
		if len(b) > 4 && b[4] == '5' {
			b[4] = '4'
		}
		text = string(b)
	}
	if s.ioErr == nil {
		s.wr.WriteString(text)
		s.wr.WriteString("\r\n")
	}
	if delay || time.Since(s.lastIO) > 10*time.Second {
		s.flush()
	}
	if strings.HasPrefix(text, "421") || strings.HasPrefix(text, "521") {
		s.hangup = true
	}
}

// replyf formats and sends a reply.
func (s *session) replyf(format string, args ...any) {
	s.reply(fmt.Sprintf(format, args...))
}

// flush sends buffered replies, within smtpd_timeout.
func (s *session) flush() error {
	if s.ioErr != nil {
		return s.ioErr
	}
	if s.wr.Buffered() == 0 {
		return nil
	}
	if s.p.timeout > 0 {
		s.conn.SetWriteDeadline(time.Now().Add(s.p.timeout))
	}
	if err := s.wr.Flush(); err != nil {
		s.ioErr = classify(err)
		return s.ioErr
	}
	s.lastIO = time.Now()
	return nil
}
