package smtpd

import (
	"errors"

	"github.com/postern/postern/pkg/smtperr"
)

// DATA (RFC 5321 4.1.1.4) and the end of a message, shared with BDAT.

func (s *session) cmdData(args []token) bool {
	switch {
	case s.tx.bdat != bdatNone:
		s.reply("503 5.5.1 Error: DATA after BDAT")
	case s.tx.rcptCount == 0 && !s.tx.inMail:
		s.reply("503 5.5.1 Error: need RCPT command")
	case s.tx.rcptCount == 0:
		s.reply("554 5.5.1 Error: no valid recipients")
	case len(args) != 1:
		s.reply("501 5.5.4 Syntax: DATA")
	case s.tx.msg == nil:
		s.noQueueFile()
	default:
		if err := s.checkDataUnlessStandAlone(); err != "" {
			s.reply(err)
			return false
		}
		s.startActions()
		s.reply("354 End data with <CR><LF>.<CR><LF>")
		s.where = whereAfterData
		if !s.receiveData() {
			return false
		}
		s.where = whereAfterEOM
		return s.finishMessage(false)
	}
	return false
}

// checkDataUnlessStandAlone runs the DATA restrictions, except in
// stand-alone mode.
func (s *session) checkDataUnlessStandAlone() string {
	if s.standAlone() {
		return ""
	}
	return s.checkData()
}

// finishMessage runs the end-of-data restrictions, commits the queue
// file and answers (common_post_message_handling). The transaction ends
// either way.
func (s *session) finishMessage(bdat bool) bool {
	if s.tx.err == errNone && !s.standAlone() {
		if err := s.checkEOD(); err != "" {
			s.reply(err)
			// As Postfix: only the queue file goes; the sender and
			// recipients stay until RSET (a new MAIL gets "nested
			// MAIL command", a new RCPT opens a new queue file).
			s.tx.msg.Abort()
			s.tx.msg = nil
			return false
		}
	}
	var commitErr error
	if s.tx.err == errNone {
		s.endActions()
	}
	if s.tx.err == errNone {
		s.tx.queueID, commitErr = s.tx.msg.Commit()
		s.tx.msg = nil
	}
	ok := s.tx.err == errNone && commitErr == nil
	s.messageReply(bdat, commitErr)
	s.resetMail()
	s.resetRcpt()
	return ok
}

// messageReply sends the reply for the end of a message.
func (s *session) messageReply(bdat bool, commitErr error) {
	var e *smtperr.Error
	switch {
	case s.tx.err == errNone && commitErr == nil:
		s.errorCount, s.junkCmds = 0, 0
		if bdat {
			s.replyf("250 2.0.0 Ok: %d bytes queued as %s", s.tx.actSize, s.tx.queueID)
		} else {
			s.reply("250 2.0.0 Ok: queued as " + s.tx.queueID)
		}
	case s.tx.err&errBareLF != 0:
		s.logWhatsup("reject", "bare <LF> received")
		s.replyf("%d 5.5.2 %s Error: bare <LF> received", s.p.bareLFCode, s.p.myhostname)
	case errors.As(commitErr, &e):
		s.reply(printable(e.Reply(), ' '))
	case s.tx.err&errSize != 0:
		s.reply("552 5.3.4 Error: message file too big")
	default:
		s.reply("451 4.3.0 Error: queue file write error")
	}
}

// noQueueFile answers DATA or BDAT when an end-of-data rejection took
// the queue file and no RCPT opened a new one.
// XXX: Postfix's smtpd writes to a closed stream here and dies; Postern
// answers as for a queue file write error.
func (s *session) noQueueFile() {
	s.reply("451 4.3.0 Error: queue file write error")
}
