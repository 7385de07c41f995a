package smtpd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// DNS messages (RFC 1035 4.1): just enough of the wire format for the
// stub resolver of the DNS-based restrictions. One question goes out;
// the answer section comes back as records whose data is decoded on
// demand, as Postfix's dns_lookup.c does with dn_expand().

// Resource record types (RFC 1035 3.2.2, RFC 3596).
const (
	dnsTypeA     uint16 = 1
	dnsTypeNS    uint16 = 2
	dnsTypeCNAME uint16 = 5
	dnsTypeMX    uint16 = 15
	dnsTypeTXT   uint16 = 16
	dnsTypeAAAA  uint16 = 28
	dnsClassIN   uint16 = 1
)

// Response codes (RFC 1035 4.1.1).
const (
	rcodeNoError  = 0
	rcodeFormErr  = 1
	rcodeServFail = 2
	rcodeNXDomain = 3
	rcodeNotImp   = 4
	rcodeRefused  = 5
)

// Header flag bits.
const (
	dnsFlagQR = 1 << 15
	dnsFlagTC = 1 << 9
	dnsFlagRD = 1 << 8
)

// dnsTypeName is dns_strtype().
func dnsTypeName(t uint16) string {
	switch t {
	case dnsTypeA:
		return "A"
	case dnsTypeNS:
		return "NS"
	case dnsTypeCNAME:
		return "CNAME"
	case dnsTypeMX:
		return "MX"
	case dnsTypeTXT:
		return "TXT"
	case dnsTypeAAAA:
		return "AAAA"
	}
	return fmt.Sprintf("Unknown type %d", t)
}

// dnsRR is one resource record of a reply; data is the record data as
// a slice of the whole message (names in it may be compressed).
type dnsRR struct {
	name    string
	typ     uint16
	class   uint16
	ttl     uint32
	dataOff int
	dataLen int
}

// dnsMsg is a parsed reply.
type dnsMsg struct {
	raw      []byte
	id       uint16
	flags    uint16
	qdcount  int
	ancount  int
	qname    string
	qtype    uint16
	answers  []dnsRR
	parseErr error // the answer section could not be read completely
}

func (m *dnsMsg) rcode() int      { return int(m.flags & 0xf) }
func (m *dnsMsg) truncated() bool { return m.flags&dnsFlagTC != 0 }

var errDNSFormat = errors.New("malformed DNS message")

// packDNSQuery builds a recursive query for name (no trailing dot).
func packDNSQuery(id uint16, name string, qtype uint16) ([]byte, error) {
	b := make([]byte, 12, 12+len(name)+6)
	binary.BigEndian.PutUint16(b[0:], id)
	binary.BigEndian.PutUint16(b[2:], dnsFlagRD)
	binary.BigEndian.PutUint16(b[4:], 1)
	b, err := appendDNSName(b, name)
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, qtype)
	return binary.BigEndian.AppendUint16(b, dnsClassIN), nil
}

// appendDNSName appends name in wire form; "" and "." are the root.
func appendDNSName(b []byte, name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".")
	if len(name) > 253 {
		return nil, fmt.Errorf("name too long: %.100s", name)
	}
	if name != "" {
		for _, label := range strings.Split(name, ".") {
			if label == "" || len(label) > 63 {
				return nil, fmt.Errorf("bad label in %.100s", name)
			}
			b = append(b, byte(len(label)))
			b = append(b, label...)
		}
	}
	return append(b, 0), nil
}

// parseDNSMsg reads the header, the question and the answer section.
func parseDNSMsg(b []byte) (*dnsMsg, error) {
	if len(b) < 12 {
		return nil, errDNSFormat
	}
	m := &dnsMsg{raw: b, id: binary.BigEndian.Uint16(b), flags: binary.BigEndian.Uint16(b[2:]),
		qdcount: int(binary.BigEndian.Uint16(b[4:])), ancount: int(binary.BigEndian.Uint16(b[6:]))}
	off := 12
	for i := 0; i < m.qdcount; i++ {
		name, next, err := readDNSName(b, off)
		if err != nil || next+4 > len(b) {
			return nil, errDNSFormat
		}
		if i == 0 {
			m.qname, m.qtype = name, binary.BigEndian.Uint16(b[next:])
		}
		off = next + 4
	}
	for i := 0; i < m.ancount; i++ {
		rr, next, err := readDNSRR(b, off)
		if err != nil {
			m.parseErr = err
			break
		}
		m.answers = append(m.answers, rr)
		off = next
	}
	return m, nil
}

func readDNSRR(b []byte, off int) (dnsRR, int, error) {
	name, off, err := readDNSName(b, off)
	if err != nil {
		return dnsRR{}, 0, err
	}
	if off+10 > len(b) {
		return dnsRR{}, 0, errDNSFormat
	}
	rr := dnsRR{name: name, typ: binary.BigEndian.Uint16(b[off:]), class: binary.BigEndian.Uint16(b[off+2:]),
		ttl: binary.BigEndian.Uint32(b[off+4:]), dataLen: int(binary.BigEndian.Uint16(b[off+8:])), dataOff: off + 10}
	if rr.dataOff+rr.dataLen > len(b) {
		return dnsRR{}, 0, errDNSFormat
	}
	return rr, rr.dataOff + rr.dataLen, nil
}

// readDNSName expands a possibly compressed name at off, in the text
// form dn_expand() gives: no trailing dot, "" for the root, special
// characters escaped with a backslash and unprintable ones as \DDD. It
// returns the offset just after the name in place.
func readDNSName(b []byte, off int) (string, int, error) {
	var sb strings.Builder
	next, hops := -1, 0
	for {
		if off >= len(b) {
			return "", 0, errDNSFormat
		}
		n := int(b[off])
		switch {
		case n == 0:
			if next < 0 {
				next = off + 1
			}
			return sb.String(), next, nil
		case n&0xc0 == 0xc0:
			if off+1 >= len(b) || hops > 126 {
				return "", 0, errDNSFormat
			}
			if next < 0 {
				next = off + 2
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
			hops++
			continue
		case n&0xc0 != 0 || off+1+n > len(b):
			return "", 0, errDNSFormat
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		writeDNSLabel(&sb, b[off+1:off+1+n])
		if sb.Len() > 1024 {
			return "", 0, errDNSFormat
		}
		off += 1 + n
	}
}

// writeDNSLabel writes one label as ns_name_ntop() does.
func writeDNSLabel(sb *strings.Builder, label []byte) {
	for _, c := range label {
		switch {
		case strings.IndexByte(`".;\()@$`, c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c <= 0x20 || c >= 0x7f:
			fmt.Fprintf(sb, "\\%03d", c)
		default:
			sb.WriteByte(c)
		}
	}
}
