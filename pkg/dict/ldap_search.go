package dict

// Reading the entries of a search into the lookup result, as Postfix's
// dict_ldap_get_values(): result attributes are formatted with
// result_format; special_result_attribute values (DNs or LDAP URLs) are
// searched in turn, up to recursion_limit levels; terminal and leaf
// attributes decide per entry which attributes count.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// ldapLookup is the state of one lookup.
type ldapLookup struct {
	cfg       *ldapConfig
	conn      *ldap.Conn
	warn      func(string, ...any)
	key       string
	results   []string
	expansion int // result values so far (expansion_limit)
	depth     int // nesting of get values (1 = the main search)
	lastCode  int // result of the latest search (libldap's ld_errno)
	err       error
}

// fail records the first failure of the lookup.
func (l *ldapLookup) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.warn("%s", msg)
	if l.err == nil {
		l.err = errors.New(strings.TrimSpace(msg))
	}
}

// search runs one LDAP search with the table's limits (search_st()).
func (l *ldapLookup) search(base string, scope int, filter string, attrs []string) (*ldap.SearchResult, error) {
	req := &ldap.SearchRequest{
		BaseDN:       base,
		Scope:        scope,
		DerefAliases: l.cfg.deref,
		SizeLimit:    l.cfg.sizeLimit,
		// libldap sends the client timeout as the server time limit too.
		TimeLimit:  int(l.cfg.timeout / time.Second),
		Filter:     ldapFilter(filter),
		Attributes: attrs,
	}
	res, err := l.conn.Search(req)
	l.lastCode = 0
	if err != nil {
		l.lastCode = ldapErrCode(err)
	}
	return res, err
}

// ldapFilter adds the parentheses that libldap supplies around a simple
// filter such as "mail=%s" (RFC 4515 requires them).
func ldapFilter(f string) string {
	f = strings.TrimSpace(f)
	if f == "" {
		return "(objectClass=*)"
	}
	if !strings.HasPrefix(f, "(") {
		return "(" + f + ")"
	}
	return f
}

// getValues adds the values of the entries of res.
func (l *ldapLookup) getValues(res *ldap.SearchResult) {
	l.depth++
	defer func() { l.depth-- }()
	entries := 0
	for _, e := range res.Entries {
		// The server may send more entries than asked for.
		if l.err == nil && l.cfg.sizeLimit > 0 {
			if entries++; entries > l.cfg.sizeLimit {
				l.fail("dict_ldap_get_values[%d]: %s: Query size limit (%d) exceeded", l.depth, l.cfg.name, l.cfg.sizeLimit)
			}
		}
		terminal, leaf := l.classify(e)
		for _, a := range e.Attributes {
			if l.err != nil || len(a.Values) == 0 {
				continue
			}
			l.attribute(a, terminal, leaf)
		}
	}
}

// classify tells whether an entry is terminal (it has a value of a
// terminal_result_attribute) and whether it is a leaf (it has no value of a
// special_result_attribute).
//
// XXX: Postfix 3.7 does not reset these between the entries of one search
// result (a bug); Postern decides per entry, as ldap_table(5) describes.
func (l *ldapLookup) classify(e *ldap.Entry) (terminal, leaf bool) {
	c := l.cfg
	for _, a := range c.attrs[:c.nTerminal] {
		if len(entryValues(e, a)) > 0 {
			return true, true
		}
	}
	if c.nLeaf == 0 {
		return false, true
	}
	for _, a := range c.attrs[c.nAttributes:] {
		if len(entryValues(e, a)) > 0 {
			return false, false
		}
	}
	return false, true
}

// entryValues is ldap_get_values_len(): the values of the attribute
// description name (case-insensitive).
func entryValues(e *ldap.Entry, name string) []string {
	for _, a := range e.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a.Values
		}
	}
	return nil
}

// attribute handles one attribute of an entry.
func (l *ldapLookup) attribute(a *ldap.EntryAttribute, terminal, leaf bool) {
	c := l.cfg
	i := 0
	for i < len(c.attrs) && attrSubtype(c.attrs[i], a.Name) <= 0 {
		i++
	}
	switch {
	case i < c.nAttributes || terminal:
		if (terminal && i >= c.nTerminal) || (!leaf && i < c.nTerminal+c.nLeaf) {
			return // non-terminal attribute of a terminal entry, or leaf-only one
		}
		for _, v := range a.Values {
			if !l.addResult(v) {
				return
			}
		}
	case i < len(c.attrs) && l.depth < c.recursionLimit:
		for _, v := range a.Values {
			if l.special(v); l.err != nil {
				return
			}
		}
	case i < len(c.attrs):
		l.fail("dict_ldap_get_values[%d]: %s: Recursion limit exceeded for special attribute %s=%s", l.depth, c.name, a.Name, a.Values[0])
	}
}

// addResult formats one value; false when expansion_limit is exceeded.
func (l *ldapLookup) addResult(v string) bool {
	r, ok := l.cfg.tmpl.expandResult(l.cfg.format, v, l.key)
	if !ok {
		return true
	}
	l.results = append(l.results, r)
	if l.cfg.expansionLimit > 0 {
		if l.expansion++; l.expansion > l.cfg.expansionLimit {
			l.fail("dict_ldap_get_values[%d]: %s: Expansion limit exceeded for key: '%s'", l.depth, l.cfg.name, l.key)
			return false
		}
	}
	return true
}

// special searches what a special_result_attribute value refers to: an
// LDAP URL, or else a DN (read with scope base).
func (l *ldapLookup) special(v string) {
	var res *ldap.SearchResult
	var err error
	if isLDAPURL(v) {
		u, perr := parseLDAPURLValue(v)
		if perr != nil {
			l.fail("dict_ldap_get_values[%d]: malformed URL %s: %v", l.depth, v, perr)
			return
		}
		attrs := urlAttrs(u, l.cfg.attrs)
		if len(attrs) == 0 {
			return // no pertinent attributes
		}
		res, err = l.search(u.dn, u.scope, u.filter, attrs)
	} else {
		res, err = l.search(v, ldap.ScopeBaseObject, "objectclass=*", l.cfg.attrs)
	}
	switch code := ldapErrCode(err); {
	case err == nil:
		l.getValues(res)
	case code == ldapNoSuchObject:
		// As if the DN existed without result attributes.
		l.warn("dict_ldap_get_values[%d]: DN %s not found, skipping ", l.depth, v)
	default:
		l.fail("dict_ldap_get_values[%d]: search error %d: %s ", l.depth, code, ldapErr2String(code))
	}
}
