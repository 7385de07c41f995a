package attr

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Writer writes attribute lists in one encoding.
type Writer struct {
	w   *bufio.Writer
	enc Encoding
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer, enc Encoding) *Writer {
	return &Writer{w: bufio.NewWriter(w), enc: enc}
}

// Write sends l followed by the list terminator and flushes.
func (w *Writer) Write(l List) error {
	if err := w.WriteMore(l); err != nil {
		return err
	}
	if err := w.w.WriteByte(w.terminator()); err != nil {
		return err
	}
	return w.w.Flush()
}

// WriteMore sends l without a terminator (ATTR_FLAG_MORE); a later Write
// completes the list.
func (w *Writer) WriteMore(l List) error {
	for _, a := range l {
		if err := w.attr(a); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) terminator() byte {
	if w.enc == Null {
		return 0
	}
	return '\n'
}

// attr writes one attribute, or a bare "{" / "}" marker.
func (w *Writer) attr(a Attr) error {
	if err := checkName(a.Name, w.enc); err != nil {
		return err
	}
	marker := a.Name == Open || a.Name == Close
	value := a.Value
	if a.Data && w.enc != Base64 {
		value = base64.StdEncoding.EncodeToString([]byte(value))
	}
	if !marker {
		if err := checkValue(a.Name, value, w.enc); err != nil {
			return err
		}
	}
	switch w.enc {
	case Null:
		w.w.WriteString(a.Name)
		w.w.WriteByte(0)
		if !marker {
			w.w.WriteString(value)
			w.w.WriteByte(0)
		}
	case Base64:
		w.w.WriteString(base64.StdEncoding.EncodeToString([]byte(a.Name)))
		if !marker {
			w.w.WriteByte(':')
			w.w.WriteString(base64.StdEncoding.EncodeToString([]byte(value)))
		}
		w.w.WriteByte('\n')
	case Plain:
		w.w.WriteString(a.Name)
		if !marker {
			w.w.WriteByte('=')
			w.w.WriteString(value)
		}
		w.w.WriteByte('\n')
	default:
		return fmt.Errorf("attr: unknown encoding %d", w.enc)
	}
	return nil
}

// checkName refuses names the encoding cannot carry: an empty name is the
// list terminator, and the separators cannot occur inside a name.
func checkName(name string, enc Encoding) error {
	if name == "" {
		return fmt.Errorf("attr: empty attribute name")
	}
	bad := "\x00"
	if enc == Plain {
		bad = "\x00=\n"
	}
	if enc != Base64 && strings.ContainsAny(name, bad) {
		return fmt.Errorf("attr: attribute name %q cannot be sent in %s encoding", name, enc)
	}
	return nil
}

func checkValue(name, value string, enc Encoding) error {
	switch {
	case enc == Null && strings.IndexByte(value, 0) >= 0,
		enc == Plain && strings.ContainsAny(value, "\n\x00"):
		return fmt.Errorf("attr: value of %s cannot be sent in %s encoding", name, enc)
	}
	return nil
}
