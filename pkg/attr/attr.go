// Package attr implements Postfix's attribute-list IPC (util/attr_print*.c,
// util/attr_scan*.c, util/attr_clnt.c): a request or reply is an ordered
// list of name/value pairs followed by a terminator, written over a UNIX
// (or TCP) stream in one of three encodings:
//
//	Null    name\0value\0 ... \0          (attr_print0: Postfix's default)
//	Base64  b64(name):b64(value)\n ... \n  (attr_print64)
//	Plain   name=value\n ... \n            (attr_print_plain: anvil, policy)
//
// Numbers are decimal text. Binary data (ATTR_TYPE_DATA) is base64 text in
// the Null and Plain encodings and an ordinary value in Base64. A nested
// name/value table (ATTR_TYPE_HASH) is framed by the bare names "{" and
// "}", which carry no value.
//
// A server first sends an announcement list "protocol=NAME" (for example
// delivery_request_protocol); Conn.Announce and Conn.ExpectProtocol do that
// handshake. Every read and write on a Conn has a deadline.
//
// The decoder is strict: a name without a value, a value that the encoding
// cannot carry, a string longer than Limits.MaxString or more than
// Limits.MaxAttrs attributes in one list is an error, never a silent
// truncation. Unknown attribute names are kept; the caller decides.
package attr

import (
	"encoding/base64"
	"fmt"
	"strconv"
)

// Encoding is one of Postfix's three wire forms.
type Encoding int

const (
	Null   Encoding = iota // attr_print0 / attr_scan0
	Base64                 // attr_print64 / attr_scan64
	Plain                  // attr_print_plain / attr_scan_plain
)

func (e Encoding) String() string {
	switch e {
	case Null:
		return "null"
	case Base64:
		return "base64"
	case Plain:
		return "plain"
	}
	return "encoding(" + strconv.Itoa(int(e)) + ")"
}

// Names of the nested-table markers (ATTR_NAME_OPEN, ATTR_NAME_CLOSE).
const (
	Open  = "{"
	Close = "}"
)

// ProtoName is the attribute of a server's announcement (MAIL_ATTR_PROTO).
const ProtoName = "protocol"

// Attr is one name/value pair. Data marks a binary value (ATTR_TYPE_DATA),
// which the Null and Plain encodings carry as base64 text.
type Attr struct {
	Name  string
	Value string
	Data  bool
}

// List is an ordered attribute list. The same name may occur more than
// once (for example once per recipient of a delivery request).
type List []Attr

// Str appends a string attribute.
func (l *List) Str(name, value string) { *l = append(*l, Attr{Name: name, Value: value}) }

// Int appends a decimal number attribute.
func (l *List) Int(name string, n int64) {
	*l = append(*l, Attr{Name: name, Value: strconv.FormatInt(n, 10)})
}

// Bytes appends a binary attribute.
func (l *List) Bytes(name string, b []byte) {
	*l = append(*l, Attr{Name: name, Value: string(b), Data: true})
}

// Get returns the value of the first attribute called name.
func (l List) Get(name string) (string, bool) {
	for _, a := range l {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Need returns the value of the first attribute called name, or an error
// naming it ("missing attribute NAME", as attr_scan's ATTR_FLAG_MISSING).
func (l List) Need(name string) (string, error) {
	v, ok := l.Get(name)
	if !ok {
		return "", fmt.Errorf("missing attribute %s", name)
	}
	return v, nil
}

// Strict returns the values of exactly the named attributes, in order;
// false when the list has other attributes, more or fewer of them, or
// another order (attr_scan with ATTR_FLAG_STRICT, as the request
// handlers of Postfix's services read their requests).
func (l List) Strict(names ...string) ([]string, bool) {
	if len(l) != len(names) {
		return nil, false
	}
	out := make([]string, len(names))
	for i, n := range names {
		if l[i].Name != n {
			return nil, false
		}
		out[i] = l[i].Value
	}
	return out, true
}

// Number returns the first attribute called name as an unsigned decimal
// number, as attr_scan's "%u" conversion reads it.
func (l List) Number(name string) (int64, error) {
	v, err := l.Need(name)
	if err != nil {
		return 0, err
	}
	return ParseNumber(name, v)
}

// ParseNumber converts an attribute value to a number; the error text is
// Postfix's "malformed numerical data".
func ParseNumber(name, v string) (int64, error) {
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil || v == "" || v[0] == '+' {
		return 0, fmt.Errorf("malformed numerical data while reading %s: %.100s", name, v)
	}
	return int64(n), nil
}

// DecodeData returns a Data attribute's bytes as received with enc: the
// Null and Plain encodings carry them as base64 text.
func DecodeData(value string, enc Encoding) ([]byte, error) {
	if enc == Base64 {
		return []byte(value), nil
	}
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("malformed base64 data: %.100s", value)
	}
	return b, nil
}
