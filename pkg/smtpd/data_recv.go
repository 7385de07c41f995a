package smtpd

import "strings"

// receiveData copies DATA content to the queue file until the line
// with a single dot (receive_data_message). Lines keep their LF only;
// a leading dot is removed; a first "From " line becomes an
// X-Mailbox-Line: header. With smtpd_forbid_bare_newline a dot line
// that ends in, or follows a line that ends in, a bare LF does not end
// the message (no SMTP smuggling). It returns false when the client
// went away.
func (s *session) receiveData() bool {
	first, prevCont, prevBare := true, false, false
	detect := s.bareLF != bareLFOff
	for {
		res := s.rd.readLine(s.p.lineLimit, detect, false, false)
		if res.last < 0 {
			s.ioErr = s.rd.err
			return false
		}
		cont := res.last != '\n'
		if s.bareLF.reject() && res.bareLF {
			s.tx.err |= errBareLF
		}
		line := s.rd.line
		wasPrevCont, wasPrevBare := prevCont, prevBare
		prevCont, prevBare = cont, res.bareLF
		if first {
			if strings.HasPrefix(strings.TrimLeft(string(line), ">"), "From ") {
				s.writeContent([]byte("X-Mailbox-Line: "+string(line)), cont)
				continue
			}
			first = false
			if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
				s.writeContent(nil, false)
			}
		}
		if !wasPrevCont && len(line) > 0 && line[0] == '.' {
			if len(line) == 1 && s.bareLF.wantStdEOD() && (res.bareLF || wasPrevBare) {
				continue
			}
			if line = line[1:]; len(line) == 0 {
				return true
			}
		}
		s.storeLine(line, cont)
	}
}

// storeLine counts a record against message_size_limit and writes it.
func (s *session) storeLine(line []byte, cont bool) {
	if s.tx.err != errNone {
		return
	}
	n := int64(len(line)) + 2
	if s.p.messageLimit > 0 && s.p.messageLimit-s.tx.actSize < n {
		s.tx.err |= errSize
		s.srv.log.Warn("%s: queue file size limit exceeded", s.queueIDOrNone())
		return
	}
	s.tx.actSize += n
	s.writeContent(line, cont)
}

// writeContent sends a record to the queue file: a complete line gets
// its LF back.
func (s *session) writeContent(line []byte, cont bool) {
	if s.tx.err != errNone {
		return
	}
	if s.tx.msg == nil { // see noQueueFile
		s.tx.err |= errWrite
		return
	}
	if !cont {
		line = append(line, '\n')
	}
	if err := s.tx.msg.Write(line); err != nil {
		s.tx.err |= errWrite
	}
}
