package sendmail

import (
	"errors"
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/cleanup"
)

// extractor is sendmail -t: it collects the logical headers of the
// primary header block as Postfix's mime_state does with MIME
// processing disabled, takes the recipients of To:, Cc: and Bcc: (or,
// once a Resent-To:, Resent-Cc: or Resent-Bcc: header was seen, only
// those of the Resent- headers), and passes the message on unchanged
// (an obsolete "Name :" is written "Name:", and an empty line separates
// the headers from a body that does not start with one). Bcc: headers
// stay: cleanup removes them (message_drop_headers).
type extractor struct {
	out      contentSink
	limit    int  // header_size_limit
	inBody   bool // the primary header block has ended
	hdr      []byte
	prev     int
	rcpts    []string
	resentTo []string
	resent   bool
	trunc    bool // a header was longer than header_size_limit
}

// errHeaderTooLong is MIME_ERR_TRUNC_HEADER's text.
var errHeaderTooLong = errors.New("message header length exceeds safety limit")

// extractHeaders are the headers recipients come from (HDR_OPT_EXTRACT),
// true for the Resent- ones (HDR_OPT_RR).
var extractHeaders = map[string]bool{
	"to": false, "cc": false, "bcc": false,
	"resent-to": true, "resent-cc": true, "resent-bcc": true,
}

func (x *extractor) line(typ int, text []byte) error {
	if !x.inBody && x.header(typ, text) {
		return x.err()
	}
	if !x.inBody && len(text) > 0 {
		// The header block ends without the empty separator line:
		// mime_state inserts one (a non-empty body after the headers).
		if err := x.out.line(lineNorm, nil); err != nil {
			return err
		}
	}
	x.inBody = true
	x.prev = typ
	return x.out.line(typ, text)
}

// header takes one line of the header block; false when the line ends
// the block (it is then the first body line).
func (x *extractor) header(typ int, text []byte) bool {
	if len(x.hdr) > 0 {
		if x.prev == lineCont || len(text) > 0 && (text[0] == ' ' || text[0] == '\t') {
			if len(x.hdr) >= x.limit {
				x.trunc = true
			} else {
				if x.prev != lineCont {
					x.hdr = append(x.hdr, '\n')
				}
				x.hdr = append(x.hdr, text...)
			}
			x.prev = typ
			return true
		}
		if err := x.flush(); err != nil {
			return true
		}
	}
	n := cleanup.HeaderNameLen(text)
	if n == 0 {
		return false
	}
	x.hdr = append(x.hdr[:0], text[:n]...)
	x.hdr = append(x.hdr, strings.TrimLeft(string(text[n:]), " \t")...)
	x.prev = typ
	return true
}

// flush handles the collected header: recipients, then output.
func (x *extractor) flush() error {
	h := x.hdr
	x.hdr = x.hdr[:0]
	x.prev = 0
	name, value, _ := strings.Cut(string(h), ":")
	if rr, ok := extractHeaders[strings.ToLower(name)]; ok && (!x.resent || rr) {
		addrs := addr.ParseList(value)
		if rr {
			x.resent = true
			x.resentTo = append(x.resentTo, addrs...)
		} else {
			x.rcpts = append(x.rcpts, addrs...)
		}
	}
	return x.out.line(lineNorm, h)
}

// end finishes the input: a header still being collected is handled, a
// last line without LF is ended.
func (x *extractor) end() error {
	if x.prev == lineCont && x.inBody {
		if err := x.out.line(lineNorm, nil); err != nil {
			return err
		}
	}
	if !x.inBody && len(x.hdr) > 0 {
		if err := x.flush(); err != nil {
			return err
		}
	}
	return x.err()
}

func (x *extractor) err() error {
	if x.trunc {
		return errHeaderTooLong
	}
	return nil
}

// recipients returns the extracted recipients.
func (x *extractor) recipients() []string {
	if x.resent {
		return x.resentTo
	}
	return x.rcpts
}
