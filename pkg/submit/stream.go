package submit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The postdrop input stream: what sendmail (and sendmail -bs) writes on
// postdrop's standard input. Postern's own protocol, the counterpart of
// the Postfix record stream that Postfix's sendmail writes; both ends
// are in this package. A record is a type byte, the payload length as an
// unsigned varint (encoding/binary) and the payload:
//
//	envelope   A name=value   attribute (postdrop keeps an allowed few)
//	           F full name    sender full name (sendmail -F, $NAME, GECOS)
//	           S address      envelope sender, exactly one
//	           R recipient    notify byte, varint length + address, ORCPT
//	           M              end of the envelope
//	content    C bytes        message content, LF line ends, any chunking
//	           X              end of the content
//	extracted  R recipient    recipients found in headers (sendmail -t)
//	           E              end of the message
//
// Input that ends before E cancels the submission (postdrop removes the
// file and exits 0), as Postfix's postdrop treats an early EOF.
const (
	RecAttr     = 'A'
	RecFullName = 'F'
	RecSender   = 'S'
	RecRcpt     = 'R'
	RecContent  = 'M'
	RecData     = 'C'
	RecExtract  = 'X'
	RecEnd      = 'E'
)

// MaxRecord bounds one record's payload; a longer record is malformed.
const MaxRecord = 1 << 16

// ErrMalformed is returned for a record that breaks the framing.
var ErrMalformed = errors.New("malformed input")

// StreamWriter writes the postdrop input stream. Errors are sticky.
type StreamWriter struct {
	bw      *bufio.Writer
	err     error
	scratch []byte
}

// NewStreamWriter returns a StreamWriter on w.
func NewStreamWriter(w io.Writer) *StreamWriter {
	return &StreamWriter{bw: bufio.NewWriterSize(w, 64<<10)}
}

// Err returns the first write error.
func (sw *StreamWriter) Err() error { return sw.err }

// Record writes one record.
func (sw *StreamWriter) Record(typ byte, payload []byte) error {
	if sw.err != nil {
		return sw.err
	}
	if len(payload) > MaxRecord {
		sw.err = fmt.Errorf("record of %d bytes is too long", len(payload))
		return sw.err
	}
	sw.scratch = append(sw.scratch[:0], typ)
	sw.scratch = binary.AppendUvarint(sw.scratch, uint64(len(payload)))
	if _, err := sw.bw.Write(sw.scratch); err != nil {
		sw.err = err
		return err
	}
	if _, err := sw.bw.Write(payload); err != nil {
		sw.err = err
	}
	return sw.err
}

// String writes a record with a string payload.
func (sw *StreamWriter) String(typ byte, s string) error { return sw.Record(typ, []byte(s)) }

// Recipient writes an R record.
func (sw *StreamWriter) Recipient(addr, orcpt string, notify int) error {
	return sw.Record(RecRcpt, RcptPayload(addr, orcpt, notify))
}

// Write writes content as C records of at most MaxRecord bytes.
func (sw *StreamWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxRecord)]
		if err := sw.Record(RecData, chunk); err != nil {
			return 0, err
		}
		p = p[len(chunk):]
	}
	return n, nil
}

// Flush sends what is buffered.
func (sw *StreamWriter) Flush() error {
	if sw.err == nil {
		sw.err = sw.bw.Flush()
	}
	return sw.err
}

// RcptPayload encodes a recipient: the DSN NOTIFY bits (queue.Notify*)
// as one byte, the varint-prefixed address, then the ORCPT.
func RcptPayload(addr, orcpt string, notify int) []byte {
	b := []byte{byte(notify)}
	b = binary.AppendUvarint(b, uint64(len(addr)))
	b = append(b, addr...)
	return append(b, orcpt...)
}

// ParseRcpt decodes an R payload.
func ParseRcpt(b []byte) (addr, orcpt string, notify int, err error) {
	if len(b) < 2 {
		return "", "", 0, ErrMalformed
	}
	notify = int(b[0])
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n > uint64(len(b)-1-k) {
		return "", "", 0, ErrMalformed
	}
	rest := b[1+k:]
	return string(rest[:n]), string(rest[n:]), notify, nil
}

// StreamReader reads the postdrop input stream.
type StreamReader struct {
	br *bufio.Reader
}

// NewStreamReader returns a StreamReader on r.
func NewStreamReader(r io.Reader) *StreamReader {
	return &StreamReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next record. It returns io.EOF when the input ends
// cleanly before a record, io.ErrUnexpectedEOF when it ends inside one,
// and ErrMalformed for a bad length.
func (sr *StreamReader) Next() (byte, []byte, error) {
	typ, err := sr.br.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(sr.br)
	if errors.Is(err, io.EOF) {
		return 0, nil, io.ErrUnexpectedEOF
	}
	if err != nil || n > MaxRecord {
		return 0, nil, ErrMalformed
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(sr.br, payload); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	return typ, payload, nil
}
