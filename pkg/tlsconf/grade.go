package tlsconf

import (
	"fmt"
	"strings"
)

// GradeCiphers returns the suites of a cipher grade (tls_set_ciphers()):
// the OpenSSL list of the grade, read with param from
// tls_high_cipherlist, tls_medium_cipherlist, tls_low_cipherlist or
// tls_export_cipherlist, with ":!X" appended for each word of the
// exclusion lists.
func GradeCiphers(grade string, param func(name string) string, exclusions ...string) ([]uint16, error) {
	var list string
	switch strings.ToLower(grade) {
	case "high", "medium", "low", "export":
		list = param("tls_" + strings.ToLower(grade) + "_cipherlist")
	case "null":
		return nil, fmt.Errorf("cipher grade \"null\" is not supported: Go's TLS library has no NULL ciphers")
	default:
		return nil, fmt.Errorf("invalid cipher grade: \"%s\"", grade)
	}
	for _, ex := range exclusions {
		for _, tok := range strings.FieldsFunc(ex, func(r rune) bool {
			return r == ':' || r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
		}) {
			if strings.ContainsRune("!+-@", rune(tok[0])) {
				return nil, fmt.Errorf("invalid unary '!+-@' in cipher exclusion: %s", tok)
			}
			list += ":!" + tok
		}
	}
	ids, err := CipherList(list)
	if err != nil {
		return nil, fmt.Errorf("error setting cipher grade: \"%s\": %v", grade, err)
	}
	return ids, nil
}
