package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
)

// Protocol bits in the order of tls_misc.c protocol_table.
const (
	protoSSLv2 = 1 << iota
	protoSSLv3
	protoTLSv1
	protoTLSv11
	protoTLSv12
	protoTLSv13
	protoKnown = protoSSLv2 | protoSSLv3 | protoTLSv1 | protoTLSv11 | protoTLSv12 | protoTLSv13
)

var protocolNames = map[string]int{"SSLv2": protoSSLv2, "SSLv3": protoSSLv3, "TLSv1": protoTLSv1,
	"TLSv1.1": protoTLSv11, "TLSv1.2": protoTLSv12, "TLSv1.3": protoTLSv13}

// versionNames are tls_version_table: names allowed after >= and <=.
var versionNames = map[string]uint16{"None": 0, "SSLv3": 0x300, "TLSv1": tls.VersionTLS10,
	"TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}

// Go's range of versions, and the bit of each.
var goVersions = []struct {
	v   uint16
	bit int
}{{tls.VersionTLS10, protoTLSv1}, {tls.VersionTLS11, protoTLSv11},
	{tls.VersionTLS12, protoTLSv12}, {tls.VersionTLS13, protoTLSv13}}

// Protocols parses a protocol list as tls_proto_mask_lims() does and
// returns the version range for crypto/tls. Names are case-sensitive,
// as in Postfix; ">=" and "<=" take a name or a hex number.
func Protocols(list string) (minV, maxV uint16, err error) {
	exclude, include := 0, 0
	var floor, ceiling uint16
	for _, tok := range strings.FieldsFunc(list, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ':'
	}) {
		var ok bool
		switch {
		case strings.HasPrefix(tok, ">="):
			floor, ok = parseVersion(tok[2:])
		case strings.HasPrefix(tok, "<="):
			ceiling, ok = parseVersion(tok[2:])
		case strings.HasPrefix(tok, "!"):
			var bit int
			bit, ok = protocolNames[tok[1:]]
			exclude |= bit
		default:
			var bit int
			bit, ok = protocolNames[tok]
			include |= bit
		}
		if !ok {
			return 0, 0, fmt.Errorf("Invalid TLS protocol list \"%s\"", list)
		}
	}
	if include != 0 {
		exclude |= protoKnown &^ include
	}
	return versionRange(list, exclude, floor, ceiling)
}

func parseVersion(s string) (uint16, bool) {
	if v, ok := versionNames[s]; ok {
		return v, true
	}
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X") // strtoul(s, 16)
	n, err := strconv.ParseUint(h, 16, 16)
	return uint16(n), err == nil
}

// versionRange turns the exclusion mask and limits into Go's minimum
// and maximum.
func versionRange(list string, exclude int, floor, ceiling uint16) (uint16, uint16, error) {
	var minV, maxV uint16
	hole := false
	for _, g := range goVersions {
		allowed := exclude&g.bit == 0 && (floor == 0 || g.v >= floor) && (ceiling == 0 || g.v <= ceiling)
		switch {
		case allowed && maxV != 0 && hole:
			return 0, 0, fmt.Errorf("TLS protocol list \"%s\": Go's TLS library cannot skip a protocol version between two enabled ones", list)
		case allowed:
			if minV == 0 {
				minV = g.v
			}
			maxV = g.v
		case maxV != 0:
			hole = true
		}
	}
	if minV == 0 {
		return 0, 0, fmt.Errorf("TLS protocol list \"%s\" enables no protocol that Go's TLS library supports", list)
	}
	return minV, maxV, nil
}

// VersionName is the protocol name as OpenSSL prints it ("TLSv1.3").
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return "unknown"
}
