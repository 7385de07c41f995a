package smtpd

import (
	"strconv"
	"strings"
)

// BDAT (RFC 3030 CHUNKING). Chunks are read in pieces of at most
// bufSize bytes and cut into the same records as DATA content (without
// dot handling); after a failed chunk the rest of the transaction's
// chunks are read and discarded until BDAT LAST or RSET, so that client
// and server stay in step.

func (s *session) cmdBdat(args []token) bool {
	if s.ehloDiscard&ehloChunking != 0 {
		s.reply("521 5.5.1 Error: command not implemented")
		return false
	}
	size, final, ok := bdatArgs(args)
	if !ok {
		s.srv.log.Warn("%s: malformed BDAT command syntax from %s: %.100s",
			s.queueIDOrNone(), s.namaddr(), printable(string(s.rd.line), '?'))
		s.reply("521 5.5.4 Syntax: BDAT count [LAST]")
		return false
	}
	if size == 0 && !final {
		s.srv.log.Warn("%s: null BDAT request from %s", s.queueIDOrNone(), s.namaddr())
		return s.skipBdat(size, final, "551 5.7.1 Null BDAT request")
	}
	if s.tx.bdat == bdatError {
		return s.skipBdat(size, final, "551 5.0.0 Discarded "+strconv.FormatInt(size, 10)+" bytes after earlier error")
	}
	if s.tx.bdat == bdatNone {
		if reply := s.bdatFirst(); reply != "" {
			return s.skipBdat(size, final, reply)
		}
	}
	if s.p.messageLimit > 0 && s.tx.actSize > s.p.messageLimit-size {
		s.srv.log.Warn("%s: BDAT request from %s exceeds message size limit", s.queueIDOrNone(), s.namaddr())
		return s.skipBdat(size, final, "552 5.3.4 Chunk exceeds message size limit")
	}
	s.tx.bdat = bdatOK
	s.where = whereAfterBdat
	return s.bdatChunk(size, final)
}

// bdatArgs parses "BDAT size [LAST]".
func bdatArgs(args []token) (int64, bool, bool) {
	if len(args) < 2 || len(args) > 3 || strings.Trim(args[1].text, "0123456789") != "" {
		return 0, false, false
	}
	size, err := strconv.ParseInt(args[1].text, 10, 64)
	if err != nil && args[1].text != "" {
		return 0, false, false
	}
	final := len(args) == 3
	if final && !strings.EqualFold(args[2].text, "LAST") {
		return 0, false, false
	}
	return size, final, true
}

// bdatFirst treats the first BDAT of a transaction like DATA; it
// returns the refusal, "" to go on.
func (s *session) bdatFirst() string {
	if s.tx.rcptCount == 0 {
		if !s.tx.inMail {
			return "503 5.5.1 Error: need RCPT command"
		}
		return "554 5.5.1 Error: no valid recipients"
	}
	if err := s.checkDataUnlessStandAlone(); err != "" {
		return err
	}
	if s.tx.msg == nil {
		return "451 4.3.0 Error: queue file write error"
	}
	s.startActions()
	s.bdatRec = bdatRecords{}
	return ""
}

// skipBdat reads and discards a chunk, then answers. A failed final
// chunk ends the transaction; otherwise further chunks are skipped.
func (s *session) skipBdat(size int64, final bool, reply string) bool {
	for size > 0 {
		n := min(size, bufSize)
		if _, ok := s.rd.readFull(int(n)); !ok {
			s.ioErr = s.rd.err
			return false
		}
		size -= n
	}
	s.reply(reply)
	if final {
		s.resetMail()
		s.resetRcpt()
	} else {
		s.tx.bdat = bdatError
	}
	return false
}
