package attr

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// Limits bound what one list may hold, so that a peer cannot make a
// reader allocate without end.
type Limits struct {
	MaxString int // bytes in one name or (decoded) value
	MaxAttrs  int // attributes in one list, markers included
}

// DefaultLimits are generous for every Postern protocol: a delivery
// request for a few thousand recipients, a reply text of a few KB.
var DefaultLimits = Limits{MaxString: 1 << 20, MaxAttrs: 1 << 17}

// ErrPremature is returned when the stream ends inside a list.
var ErrPremature = errors.New("premature end-of-input")

// Reader reads attribute lists in one encoding.
type Reader struct {
	r      *bufio.Reader
	enc    Encoding
	Limits Limits
}

// NewReader returns a Reader on r with DefaultLimits.
func NewReader(r io.Reader, enc Encoding) *Reader {
	return &Reader{r: bufio.NewReader(r), enc: enc, Limits: DefaultLimits}
}

// Read reads one list up to and including its terminator. It returns
// io.EOF when the stream ends cleanly before the first byte of a list,
// and an error wrapping ErrPremature when it ends inside one.
func (r *Reader) Read() (List, error) {
	if _, err := r.r.Peek(1); err != nil {
		return nil, err
	}
	var l List
	depth := 0
	for {
		name, sep, err := r.name()
		if err != nil {
			return nil, err
		}
		if name == "" {
			if depth != 0 {
				return nil, fmt.Errorf("attr: list ends inside a nested table")
			}
			return l, nil
		}
		if err := checkName(name, r.enc); err != nil {
			return nil, err
		}
		if len(l) >= r.Limits.MaxAttrs {
			return nil, fmt.Errorf("attr: attribute count exceeds limit %d", r.Limits.MaxAttrs)
		}
		if name == Open || name == Close {
			if depth, err = nest(depth, name, sep, r.enc); err != nil {
				return nil, err
			}
			l = append(l, Attr{Name: name})
			continue
		}
		value, err := r.value(name, sep)
		if err == nil {
			err = checkValue(name, value, r.enc)
		}
		if err != nil {
			return nil, err
		}
		l = append(l, Attr{Name: name, Value: value})
	}
}

// nest tracks "{" / "}" markers, which must come without a value.
func nest(depth int, name string, sep byte, enc Encoding) (int, error) {
	if enc != Null && sep != '\n' {
		return 0, fmt.Errorf("attr: unexpected value after %q", name)
	}
	if name == Open {
		return depth + 1, nil
	}
	if depth == 0 {
		return 0, fmt.Errorf("attr: unbalanced %q", Close)
	}
	return depth - 1, nil
}

// name reads an attribute name and returns the byte that ended it.
func (r *Reader) name() (string, byte, error) {
	switch r.enc {
	case Null:
		s, err := r.until(0, "input attribute name")
		return s, 0, err
	case Base64:
		raw, sep, err := r.untilEither(':', '\n', "input attribute name")
		if err != nil {
			return "", 0, err
		}
		s, err := r.decode64(raw)
		return s, sep, err
	case Plain:
		return r.untilEither('=', '\n', "input attribute name")
	}
	return "", 0, fmt.Errorf("attr: unknown encoding %d", r.enc)
}

// value reads the value of name; sep is what ended the name.
func (r *Reader) value(name string, sep byte) (string, error) {
	ctx := "input attribute value"
	switch r.enc {
	case Null:
		return r.until(0, ctx)
	case Base64:
		if sep != ':' {
			return "", fmt.Errorf("attr: missing value for attribute %s", name)
		}
		raw, err := r.until('\n', ctx)
		if err != nil {
			return "", err
		}
		return r.decode64(raw)
	case Plain:
		if sep != '=' {
			return "", fmt.Errorf("attr: missing value for attribute %s", name)
		}
		return r.until('\n', ctx)
	}
	return "", fmt.Errorf("attr: unknown encoding %d", r.enc)
}

func (r *Reader) decode64(raw string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("attr: malformed base64 data: %.100s", raw)
	}
	return string(b), nil
}

// until reads up to the terminator, which is consumed and not returned.
func (r *Reader) until(term byte, ctx string) (string, error) {
	s, _, err := r.untilEither(term, term, ctx)
	return s, err
}

// untilEither reads up to a or b and returns the text and the terminator.
func (r *Reader) untilEither(a, b byte, ctx string) (string, byte, error) {
	limit := r.Limits.MaxString
	if r.enc == Base64 {
		limit = limit/3*4 + 4
	}
	var buf []byte
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				return "", 0, fmt.Errorf("attr: %w while reading %s", ErrPremature, ctx)
			}
			return "", 0, err
		}
		if c == a || c == b {
			return string(buf), c, nil
		}
		if len(buf) >= limit {
			return "", 0, fmt.Errorf("attr: string length > %d characters while reading %s", limit, ctx)
		}
		buf = append(buf, c)
	}
}
