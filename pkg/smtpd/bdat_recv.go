package smtpd

// bdatRecords cuts BDAT content into records across chunk boundaries
// (the bdat_get_buffer of Postfix's bdat_cmd): complete lines lose
// their CRLF or LF, lines longer than line_length_limit go out in
// pieces, and the end of the last chunk ends the last line.
type bdatRecords struct {
	line []byte
}

// bdatChunk reads one chunk and stores its records.
func (s *session) bdatChunk(size int64, final bool) bool {
	for done := int64(0); done < size; {
		n := min(size-done, bufSize)
		b, ok := s.rd.readFull(int(n))
		if !ok {
			s.ioErr = s.rd.err
			return false
		}
		s.bdatBytes(b)
		done += n
	}
	if final {
		if len(s.bdatRec.line) > 0 {
			s.bdatRecord(false)
		}
		s.where = whereAfterEOM
		return s.finishMessage(true)
	}
	if s.tx.err != errNone {
		s.finishMessage(true)
		s.tx.bdat = bdatError
		return false
	}
	s.replyf("250 2.0.0 Ok: %d bytes", size)
	return true
}

// bdatBytes splits bytes into records. A piece of line_length_limit
// bytes is stored at once unless it ends in CR, which a following LF
// turns into a line end (smtp_get_noexcept).
func (s *session) bdatBytes(b []byte) {
	r := &s.bdatRec
	lim := s.p.lineLimit
	for _, c := range b {
		if len(r.line) >= lim {
			if c == '\n' {
				r.line = append(r.line, c)
				s.bdatRecord(false)
				continue
			}
			s.bdatRecord(true)
		}
		r.line = append(r.line, c)
		if c == '\n' {
			s.bdatRecord(false)
		} else if len(r.line) >= lim && c != '\r' {
			s.bdatRecord(true)
		}
	}
}

// bdatRecord stores the pending line: a piece (cont) or a complete line.
func (s *session) bdatRecord(cont bool) {
	r := &s.bdatRec
	line := r.line
	if !cont && len(line) > 0 && line[len(line)-1] == '\n' {
		line = line[:len(line)-1]
		bare := false
		if s.bareLF != bareLFOff {
			if len(line) == 0 || line[len(line)-1] != '\r' {
				bare = true
			} else {
				line = line[:len(line)-1]
			}
		} else {
			for len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
		}
		if bare && s.bareLF.reject() {
			s.tx.err |= errBareLF
		}
	}
	s.storeLine(line, cont)
	r.line = r.line[:0]
}
