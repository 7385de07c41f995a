package dict

// Query and result templates of ldap_table(5), as Postfix's
// global/db_common.c: search_base and query_filter are expanded with the
// lookup key, result_format with each result value (and the key).
//
//	%%      a literal '%'
//	%s      the key (query) or the result value (result_format)
//	%u %d   local part and domain of the key (query) or the value (result)
//	%S %U %D  the key, its local part, its domain (in every template)
//	%1-%9   the labels of the key's domain, counted from the right
//
// The flags are shared by all templates of a table, as Postfix's
// DB_COMMON_CTX: a key that lacks a part that any template needs is not
// searched for at all ("not found", not an error).

import (
	"fmt"
	"strings"
)

// Template flags (db_common.c DB_COMMON_*).
const (
	tmplKeyDomain   = 1 << iota // a template needs the key's domain
	tmplKeyUser                 // a template needs the key's local part
	tmplValueDomain             // result_format needs the value's domain
	tmplValueUser               // result_format needs the value's local part
)

// ldapTemplates is the parse state shared by a table's templates.
type ldapTemplates struct {
	name   string // the table name, as given after "ldap:"
	flags  int
	nparts int // highest %1-%9 used
	warn   func(format string, args ...any)
}

// parse validates one template and records what it needs. query is true
// for search_base and query_filter, false for result_format. It returns
// whether the template depends on its input at all.
func (t *ldapTemplates) parse(format string, query bool) (dynamic bool, err error) {
	kind := "result"
	if query {
		kind = "query"
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i >= len(format) {
			return false, fmt.Errorf("db_common_parse: %s: Invalid %s template: %s", t.name, kind, format)
		}
		switch c := format[i]; {
		case c == '%':
			continue
		case c == 'u' && query, c == 'U':
			t.flags |= tmplKeyUser
		case c == 'd' && query:
			t.flags |= tmplKeyDomain
		case c == 'u':
			t.flags |= tmplValueUser
		case c == 'd':
			t.flags |= tmplValueDomain
		case c == 's', c == 'S':
		case c >= '1' && c <= '9':
			t.nparts = max(t.nparts, int(c-'0'))
			t.flags |= tmplKeyDomain
		case c == 'D':
			t.flags |= tmplKeyDomain
		default:
			return false, fmt.Errorf("db_common_parse: %s: Invalid %s template: %s", t.name, kind, format)
		}
		dynamic = true
	}
	return dynamic, nil
}

// addrParts splits an address at its last '@'. hasAt is false when there
// is none; local and domain are then empty.
func addrParts(s string) (local, domain string, hasAt bool) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// lacks reports whether an address lacks a part that the flags (domain,
// user bits of the same kind) require: no domain when a domain is needed,
// an empty local part when a local part is needed.
func lacks(s string, flags, domainBit, userBit int) bool {
	if flags&(domainBit|userBit) == 0 {
		return false
	}
	local, domain, hasAt := addrParts(s)
	if flags&domainBit != 0 && domain == "" {
		return true
	}
	return hasAt && local == "" && flags&userBit != 0
}

// expandQuery expands search_base or query_filter for a lookup key;
// quote escapes the substituted text. ok is false when the key cannot fill
// the templates: the lookup is then skipped.
func (t *ldapTemplates) expandQuery(format, key string, quote func(string) string) (string, bool) {
	if key == "" {
		t.warn("table \"ldap:%s\": empty query string -- ignored", t.name)
		return "", false
	}
	if lacks(key, t.flags, tmplKeyDomain, tmplKeyUser) {
		return "", false
	}
	return t.expand(format, key, key, quote)
}

// expandResult applies result_format to one result value of key.
func (t *ldapTemplates) expandResult(format, value, key string) (string, bool) {
	if value == "" {
		t.warn("table \"ldap:%s\": empty lookup result for: \"%s\" -- ignored", t.name, key)
		return "", false
	}
	if lacks(value, t.flags, tmplValueDomain, tmplValueUser) {
		return "", false
	}
	if lacks(key, t.flags, tmplKeyDomain, tmplKeyUser) {
		// Postfix names the value here, not the key.
		t.warn("db_common_expand: %s: lookup key '%s' skipped after query", t.name, value)
		return "", false
	}
	return t.expand(format, value, key, func(s string) string { return s })
}

// expand substitutes the % sequences of a parsed template. In a query
// template value and key are both the lookup key.
func (t *ldapTemplates) expand(format, value, key string, quote func(string) string) (string, bool) {
	x := expansion{value: value, key: key}
	x.vlocal, x.vdomain, x.vat = addrParts(value)
	x.klocal, x.kdomain, x.kat = addrParts(key)
	if !x.vat {
		x.vlocal = value
	}
	if !x.kat {
		x.klocal = key
	}
	if t.nparts > 0 {
		// argv_split(domain, "."): empty labels are dropped.
		x.labels = strings.FieldsFunc(x.kdomain, func(r rune) bool { return r == '.' })
		if len(x.labels) < t.nparts {
			return "", false
		}
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		if i++; i >= len(format) {
			return "", false // parse() rejects this
		}
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		s, ok := x.part(format[i])
		if !ok {
			return "", false // parse() and lacks() prevent this
		}
		b.WriteString(quote(s))
	}
	return b.String(), true
}

// expansion holds the parts of a value and a key that templates use.
type expansion struct {
	value, vlocal, vdomain string
	key, klocal, kdomain   string
	vat, kat               bool // whether value and key have an '@'
	labels                 []string
}

// part returns what %c stands for.
func (x *expansion) part(c byte) (string, bool) {
	switch {
	case c == 's':
		return x.value, true
	case c == 'u':
		return x.vlocal, true
	case c == 'd':
		return x.vdomain, x.vat
	case c == 'S':
		return x.key, true
	case c == 'U':
		return x.klocal, true
	case c == 'D':
		return x.kdomain, x.kat
	case c >= '1' && c <= '9' && int(c-'0') <= len(x.labels):
		return x.labels[len(x.labels)-int(c-'0')], true
	}
	return "", false
}

// quoteRFC2253 escapes text for a DN (search_base), as dict_ldap.c's
// rfc2253_quote(): white space, '"', '#', '+', ',', ';', '<', '>' and '\'
// become \XX everywhere, not only where RFC 2253 requires it. NUL is
// escaped too (a C key cannot contain one).
func quoteRFC2253(s string) string {
	return quoteHex(s, " \t\"#+,;<>\\\x00")
}

// quoteRFC2254 escapes text for a search filter (query_filter), as
// rfc2254_quote(): '*', '(', ')', '\' (and NUL) become \XX.
func quoteRFC2254(s string) string {
	return quoteHex(s, "*()\\\x00")
}

func quoteHex(s, special string) string {
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			fmt.Fprintf(&b, "\\%02X", s[i])
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
