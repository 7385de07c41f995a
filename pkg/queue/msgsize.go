package queue

import (
	"bytes"
	"errors"
	"strconv"
)

// The message size as Postfix reports and compares it: the number of
// bytes the message content takes as records in Postfix's queue file,
// from after its 'M' record to its 'X' record (cleanup_final.c
// "xtra_offset - data_offset", the first field of the 'C' size record).
// qmgr logs it (size=), showq lists it, the smtp client announces it
// (SIZE=), bounce compares it with bounce_size_limit and pipe with
// size_limit. docs/queue-format.md describes the rule.
//
// A record is one type byte, the length in 7-bit groups (rec_put() in
// global/record.c: 1 byte below 128, 2 below 16384, ...) and the text
// without its line end. A line longer than line_length_limit is split
// into records of that many bytes (REC_TYPE_CONT) and a last one
// (REC_TYPE_NORM), and the split differs between the two ways text
// reaches the queue file:
//
//   - body lines keep the records smtpd (smtp_get()) or sendmail
//     (rec_streamlf_get()) made: one record per line_length_limit bytes
//     and then the rest, so a line of exactly line_length_limit bytes is
//     a full record and an empty one;
//   - header lines are written again by cleanup (cleanup_out()), which
//     splits only while more than line_length_limit bytes remain.
//
// A last body line without a line end (sendmail input) is its records,
// the last one not empty, followed by an empty one: Postfix's cleanup
// ends a trailing continuation record at the end of the input
// (mime_state.c).

// RecordSize is the size of one Postfix queue file record with n bytes
// of text.
func RecordSize(n int64) int64 {
	size := 1 + n
	for {
		size++
		if n >>= 7; n == 0 {
			return size
		}
	}
}

// MessageSize counts the Postfix message size of content written as
// lines ending in LF, in any chunking. The zero value is not usable;
// make one with NewMessageSize.
type MessageSize struct {
	limit  int64 // line_length_limit
	total  int64 // records of finished lines
	cur    int64 // bytes of the unfinished line
	unterm bool  // the unfinished line had no LF in the input
}

// NewMessageSize counts with the given line_length_limit (postconf(5)),
// which must be positive.
func NewMessageSize(lineLimit int) *MessageSize {
	if lineLimit <= 0 {
		panic("queue.NewMessageSize: bad line length limit")
	}
	return &MessageSize{limit: int64(lineLimit)}
}

// Write counts content bytes; header says whether the lines that end in
// p are header lines written by cleanup (else body lines).
func (s *MessageSize) Write(p []byte, header bool) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.cur += int64(len(p))
			return
		}
		s.cur += int64(i)
		s.total += s.lineSize(s.cur, header)
		if s.unterm && !header && s.cur%s.limit != 0 {
			s.total += RecordSize(0)
		}
		s.cur, s.unterm = 0, false
		p = p[i+1:]
	}
}

// Unterminated says that the unfinished body line had no LF in the
// input (sendmail's last line); the LF the caller adds to the content
// next ends it as Postfix ends such a line: its records, the last one
// not empty, and then an empty record.
func (s *MessageSize) Unterminated() { s.unterm = s.cur > 0 }

// Total returns the size of the lines finished so far plus the bytes of
// the unfinished one.
func (s *MessageSize) Total() int64 { return s.total + s.cur }

// lineSize is the size of the records of one line of n bytes.
func (s *MessageSize) lineSize(n int64, header bool) int64 {
	full := n / s.limit
	rest := n % s.limit
	if header && full > 0 && rest == 0 {
		// cleanup_out(): the last piece is a full NORM record.
		full, rest = full-1, s.limit
	}
	return full*RecordSize(s.limit) + RecordSize(rest)
}

// SetMessageSize sets the message size the file records (cleanup
// counts it with MessageSize while the content streams). Commit writes
// it as a size record in the trailer; without one, readers take the
// content byte count.
func (w *Writer) SetMessageSize(n int64) { w.msgSize = n }

// writeMessageSize writes the size record, if set, before the end.
func (w *Writer) writeMessageSize() {
	if w.msgSize >= 0 {
		w.record(RecSize, strconv.FormatInt(w.msgSize, 10))
	}
}

// sizeRecord parses the trailer's one size record.
func (p *parser) sizeRecord(payload []byte, envelope bool) error {
	if envelope || p.size {
		return errors.New("unexpected size record")
	}
	n, err := strconv.ParseInt(string(payload), 10, 64)
	if err != nil || n < 0 || len(payload) == 0 || payload[0] == '+' {
		return errors.New("bad size record")
	}
	p.size = true
	p.env.MessageSize = n
	return nil
}
