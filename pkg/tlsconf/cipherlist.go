package tlsconf

import (
	"crypto/tls"
	"fmt"
	"sort"
	"strings"
)

// OpenSSL cipher strings (ciphers(1)) evaluated over the TLS 1.0-1.2
// suites that Go implements. A string is a list of words separated by
// ':', ',' or white space; a word is an alias or several joined by '+'
// (all must match), optionally prefixed: none adds the matching suites
// at the end, '-' removes them, '!' removes them for good, '+' moves
// them to the end; "@STRENGTH" sorts by strength; "@SECLEVEL=n" is
// ignored (Go has no security levels). Unknown aliases match nothing,
// as in OpenSSL.
//
// The suites are Go's default-capable ones plus the four RSA key
// exchange AES suites that OpenSSL counts as HIGH (Go offers them only
// when configured; Postfix's medium grade offers them, and old peers
// need them). Go's RC4, 3DES and CBC-SHA256 suites are never used: the
// first two are not in OpenSSL 3's default build either.

// suite is one cipher suite with OpenSSL's attributes.
type suite struct {
	id      uint16
	name    string // OpenSSL's name
	aliases string // space-separated aliases it matches
	bits    int
}

// suites are in the order of "openssl ciphers ALL" (OpenSSL 3.0).
var suites = []suite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "kECDHE aECDSA AES256 AESGCM AEAD TLSv1.2 SHA384", 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "kECDHE aRSA AES256 AESGCM AEAD TLSv1.2 SHA384", 256},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "kECDHE aECDSA CHACHA20 AEAD TLSv1.2", 256},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "kECDHE aRSA CHACHA20 AEAD TLSv1.2", 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "kECDHE aECDSA AES128 AESGCM AEAD TLSv1.2 SHA256", 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "kECDHE aRSA AES128 AESGCM AEAD TLSv1.2 SHA256", 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "kECDHE aECDSA AES256 SHA1 TLSv1", 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "kECDHE aRSA AES256 SHA1 TLSv1", 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "kECDHE aECDSA AES128 SHA1 TLSv1", 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "kECDHE aRSA AES128 SHA1 TLSv1", 128},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "kRSA aRSA AES256 AESGCM AEAD TLSv1.2 SHA384", 256},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "kRSA aRSA AES128 AESGCM AEAD TLSv1.2 SHA256", 128},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "kRSA aRSA AES256 SHA1 SSLv3 TLSv1", 256},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "kRSA aRSA AES128 SHA1 SSLv3 TLSv1", 128},
}

// aliasGroups expands OpenSSL's composite aliases into the attribute
// aliases of the table above; "" matches every suite.
var aliasGroups = map[string][]string{
	"ALL": {""}, "DEFAULT": {""}, "HIGH": {""}, "kEECDH": {"kECDHE"}, "EECDH": {"kECDHE"},
	"ECDHE": {"kECDHE"}, "RSA": {"kRSA"}, "ECDSA": {"aECDSA"}, "AES": {"AES128", "AES256"},
	"SHA": {"SHA1"}, "TLSv1.0": {"TLSv1"}, "CHACHA20": {"CHACHA20"},
}

// matches reports whether s matches every alias of a '+' joined word.
func (s *suite) matches(word string) bool {
	for _, a := range strings.Split(word, "+") {
		if !s.matchesOne(a) {
			return false
		}
	}
	return true
}

func (s *suite) matchesOne(alias string) bool {
	if alias == s.name {
		return true
	}
	group, ok := aliasGroups[alias]
	if !ok {
		group = []string{alias}
	}
	attrs := " " + s.aliases + " "
	for _, g := range group {
		if g == "" || strings.Contains(attrs, " "+g+" ") {
			return true
		}
	}
	return false
}

// CipherList evaluates an OpenSSL cipher string and returns the suite
// IDs in order. An empty result is an error, as SSL_set_cipher_list()
// fails with "no cipher match".
func CipherList(list string) ([]uint16, error) {
	var cur []int // indexes into suites
	killed := map[int]bool{}
	for _, w := range strings.FieldsFunc(list, func(r rune) bool {
		return r == ':' || r == ',' || r == ' ' || r == '\t'
	}) {
		cur = applyWord(cur, killed, w)
	}
	ids := make([]uint16, 0, len(cur))
	for _, i := range cur {
		ids = append(ids, suites[i].id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no cipher match in \"%s\"", list)
	}
	return ids, nil
}

// applyWord applies one word of a cipher string to the list.
func applyWord(cur []int, killed map[int]bool, w string) []int {
	switch {
	case w == "@STRENGTH":
		sort.SliceStable(cur, func(a, b int) bool { return suites[cur[a]].bits > suites[cur[b]].bits })
		return cur
	case strings.HasPrefix(w, "@"):
		return cur
	case w[0] == '!' || w[0] == '-':
		out := cur[:0:0]
		for _, i := range cur {
			if !suites[i].matches(w[1:]) {
				out = append(out, i)
			}
		}
		if w[0] == '!' {
			for i := range suites {
				if suites[i].matches(w[1:]) {
					killed[i] = true
				}
			}
		}
		return out
	case w[0] == '+':
		var keep, moved []int
		for _, i := range cur {
			if suites[i].matches(w[1:]) {
				moved = append(moved, i)
			} else {
				keep = append(keep, i)
			}
		}
		return append(keep, moved...)
	}
	return addMatching(cur, killed, w)
}

func addMatching(cur []int, killed map[int]bool, w string) []int {
	in := map[int]bool{}
	for _, i := range cur {
		in[i] = true
	}
	for i := range suites {
		if !in[i] && !killed[i] && suites[i].matches(w) {
			cur = append(cur, i)
		}
	}
	return cur
}

// CipherName is the OpenSSL name of a suite: TLS 1.3 suites keep their
// IANA names, TLS 1.2 ones get OpenSSL's ("ECDHE-RSA-AES256-GCM-SHA384").
func CipherName(id uint16) string {
	for i := range suites {
		if suites[i].id == id {
			return suites[i].name
		}
	}
	return tls.CipherSuiteName(id)
}

// CipherBits is the key length of a suite's cipher.
func CipherBits(id uint16) int {
	for i := range suites {
		if suites[i].id == id {
			return suites[i].bits
		}
	}
	switch id {
	case tls.TLS_AES_128_GCM_SHA256:
		return 128
	case tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256:
		return 256
	}
	return 0
}
