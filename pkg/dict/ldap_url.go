package dict

// LDAP URLs (RFC 4516, formerly RFC 2255) in the values of
// special_result_attribute: "ldap://host/dn?attributes?scope?filter?ext".
// As Postfix's dict_ldap.c, the host part is ignored: the search goes to
// the table's own connection.

import (
	"errors"
	"net/url"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ldapURL is a parsed LDAP URL (OpenLDAP's LDAPURLDesc, the fields used).
type ldapURL struct {
	dn     string
	attrs  []string
	scope  int
	filter string // "" means (objectClass=*)
}

// ldapURLBody strips what libldap's skip_url_prefix() accepts before an
// LDAP URL ("<", "URL:") and returns the text after "scheme://", or ok
// false when s is not an LDAP URL.
func ldapURLBody(s string) (scheme, rest string, ok bool) {
	s = strings.TrimPrefix(s, "<")
	if len(s) >= 4 && strings.EqualFold(s[:4], "URL:") {
		s = s[4:]
	}
	for _, sch := range []string{"ldap", "ldaps", "ldapi", "cldap"} {
		p := sch + "://"
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return sch, s[len(p):], true
		}
	}
	return "", "", false
}

// isLDAPURL is libldap's ldap_is_ldap_url().
func isLDAPURL(s string) bool {
	_, _, ok := ldapURLBody(s)
	return ok
}

// parseLDAPURLValue parses an LDAP URL as ldap_url_parse() does for
// Postfix: default scope base, percent-encoded dn, attributes and filter.
func parseLDAPURLValue(s string) (*ldapURL, error) {
	_, rest, ok := ldapURLBody(s)
	if !ok {
		return nil, errors.New("Bad URL scheme")
	}
	if strings.HasPrefix(s, "<") {
		if !strings.HasSuffix(rest, ">") {
			return nil, errors.New("Bad URL")
		}
		rest = rest[:len(rest)-1]
	}
	u := &ldapURL{scope: ldap.ScopeBaseObject}
	_, path, found := strings.Cut(rest, "/")
	if !found {
		return u, nil
	}
	fields := strings.Split(path, "?")
	if len(fields) > 5 {
		return nil, errors.New("Bad URL")
	}
	for len(fields) < 5 {
		fields = append(fields, "")
	}
	var err error
	if u.dn, err = url.PathUnescape(fields[0]); err != nil {
		return nil, errors.New("Bad URL (DN)")
	}
	if fields[1] != "" {
		for _, a := range strings.Split(fields[1], ",") {
			if a, err = url.PathUnescape(a); err != nil || a == "" {
				return nil, errors.New("Bad URL (attributes)")
			}
			u.attrs = append(u.attrs, a)
		}
	}
	if u.scope, err = ldapURLScope(fields[2]); err != nil {
		return nil, err
	}
	if u.filter, err = url.PathUnescape(fields[3]); err != nil {
		return nil, errors.New("Bad URL (filter)")
	}
	return u, ldapURLExtensions(fields[4])
}

func ldapURLScope(s string) (int, error) {
	switch strings.ToLower(s) {
	case "", "base":
		return ldap.ScopeBaseObject, nil
	case "one", "onelevel":
		return ldap.ScopeSingleLevel, nil
	case "sub", "subtree":
		return ldap.ScopeWholeSubtree, nil
	case "subord", "subordinate", "children":
		return ldap.ScopeChildren, nil
	}
	return 0, errors.New("Bad URL (scope)")
}

// ldapURLExtensions rejects critical extensions ("!name"), which a client
// that does not know them must refuse (RFC 4516 2.1).
func ldapURLExtensions(s string) error {
	if s == "" {
		return nil
	}
	for _, e := range strings.Split(s, ",") {
		if strings.HasPrefix(e, "!") {
			return errors.New("Bad URL (critical extension)")
		}
	}
	return nil
}

// attrSubtype compares attribute descriptions (RFC 4512 2.5, names are
// case-insensitive), as dict_ldap.c's attrdesc_subtype(): 1 when a2 is a1
// or a subtype of it ("a1;option"), -1 when a1 is a subtype of a2, else 0.
func attrSubtype(a1, a2 string) int {
	n := 0
	for n < len(a1) && n < len(a2) && lowerASCII(a1[n]) == lowerASCII(a2[n]) {
		n++
	}
	switch {
	case n == len(a1) && (n == len(a2) || a2[n] == ';'):
		return 1
	case n == len(a2) && n < len(a1) && a1[n] == ';':
		return -1
	}
	return 0
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// urlAttrs returns the attributes to request for an LDAP URL: the table's
// result attributes when the URL names none, otherwise those named in both
// (the more specific description of each pair). Empty means nothing of
// interest, and the URL is skipped.
func urlAttrs(u *ldapURL, resultAttrs []string) []string {
	if len(u.attrs) == 0 {
		return resultAttrs
	}
	var out []string
	for _, a1 := range u.attrs {
		for _, a2 := range resultAttrs {
			switch attrSubtype(a1, a2) {
			case 1:
				out = append(out, a2)
			case -1:
				out = append(out, a1)
			}
		}
	}
	return out
}
