package dict

// The ldap: table type, Postfix's ldap_table(5) (global/dict_ldap.c):
//
//	virtual_alias_maps = ldap:/etc/postfix/ldap-aliases.cf
//
// The file has main.cf syntax and holds the ldap_table(5) parameters
// (server_host, search_base, query_filter, result_attribute, ...); the
// obsolete "ldap:name" form reads "name_server_host" etc. from main.cf.
// A lookup expands search_base and query_filter with the key, searches,
// formats each value of the result attributes with result_format (DN and
// URL values of special_result_attribute are searched recursively) and
// joins the values with commas.
//
// A server that cannot be reached, a failed bind, a search error or an
// exceeded limit make the lookup fail (a temporary error: mail is
// deferred), never "not found". The connection stays open between lookups
// and is opened again on the lookup after a failure. docs/ldap.md lists
// what differs from Postfix.

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

func init() { register("ldap", openLDAP) }

// ldapDict is an open ldap: table.
type ldapDict struct {
	cfg    *ldapConfig
	opts   Options
	shared *ldapShared
}

// openLDAP opens "ldap:name" (dict_ldap_open()). A configuration that
// Postfix rejects, or that Postern cannot honour, is an error here.
func openLDAP(name string, opts Options) (Dict, error) {
	cfg, err := loadLDAPConfig(name, opts)
	if err != nil {
		return nil, err
	}
	return &ldapDict{cfg: cfg, opts: opts, shared: acquireLDAPConn(cfg.connKey())}, nil
}

// Close releases the table and, with the last table that shares it, the
// connection.
func (d *ldapDict) Close() error {
	if d.shared != nil {
		d.shared.release()
		d.shared = nil
	}
	if d.cfg.domains != nil {
		d.cfg.domains.close()
		d.cfg.domains = nil
	}
	return nil
}

// Lookup searches the directory for key (dict_ldap_lookup()).
func (d *ldapDict) Lookup(key string) (string, bool, error) {
	if d.shared == nil {
		return "", false, queryError(d.cfg, "lookup after close")
	}
	// A key that is not UTF-8 is not looked up (dict_ldap_lookup(), and
	// with SMTPUTF8 on, dict_utf8_lookup() which also warns).
	if !utf8.ValidString(key) {
		if d.opts.Flags&Utf8 != 0 {
			d.opts.warnf("ldap:%s: non-UTF-8 key \"%s\": malformed UTF-8 or invalid codepoint", d.cfg.name, key)
		}
		return "", false, nil
	}
	if d.opts.Flags&FoldFix != 0 {
		key = lowerASCIIString(key)
	}
	if ok, err := d.eligible(key); !ok || err != nil {
		return "", false, err
	}
	d.shared.mu.Lock()
	defer d.shared.mu.Unlock()
	if err := d.ensureConn(); err != nil {
		return "", false, err
	}
	base, ok := d.cfg.tmpl.expandQuery(d.cfg.searchBase, key, quoteRFC2253)
	if !ok {
		return "", false, nil
	}
	filter, ok := d.cfg.tmpl.expandQuery(d.cfg.query, key, quoteRFC2254)
	if !ok {
		return "", false, nil
	}
	l := &ldapLookup{cfg: d.cfg, conn: d.shared.conn, warn: d.opts.warnf, key: key}
	l.mainSearch(d, base, filter)
	if l.err != nil {
		return "", false, l.err
	}
	if len(l.results) == 0 {
		return "", false, nil
	}
	return strings.Join(l.results, ","), true, nil
}

// eligible applies the "domain" parameter: when set, only user@domain keys
// with a non-empty local part and a listed domain are searched.
func (d *ldapDict) eligible(key string) (bool, error) {
	if d.cfg.domains == nil {
		return true, nil
	}
	local, domain, hasAt := addrParts(key)
	if !hasAt || local == "" {
		return false, nil
	}
	ok, err := d.cfg.domains.matches(domain)
	if err != nil {
		d.opts.warnf("%s: %v", d.cfg.name, err)
		return false, queryError(d.cfg, "domain: "+err.Error())
	}
	return ok, nil
}

// ensureConn connects when there is no usable connection. d.shared.mu held.
func (d *ldapDict) ensureConn() error {
	s := d.shared
	if s.conn != nil && !s.conn.IsClosing() {
		return nil
	}
	s.drop()
	conn, err := d.cfg.connect(d.opts.warnf)
	if err != nil {
		var down errNoServer
		if errors.As(err, &down) && !d.cfg.bind && !d.cfg.startTLS {
			// Without a bind, libldap first notices in the search.
			d.opts.warnf("dict_ldap_lookup: Search error %d: %s ", ldapServerDown, ldapErr2String(ldapServerDown))
		}
		return queryError(d.cfg, ldapErrDetail(err))
	}
	s.conn = conn
	return nil
}

// mainSearch runs the search of a lookup and reads its entries. A lost
// connection is opened again and the search repeated once, as Postfix does
// on LDAP_SERVER_DOWN.
func (l *ldapLookup) mainSearch(d *ldapDict, base, filter string) {
	res, err := l.search(base, l.cfg.scope, filter, l.cfg.attrs)
	if err != nil && ldapErrCode(err) == ldapServerDown {
		d.shared.drop()
		if cerr := d.ensureConn(); cerr != nil {
			l.err = cerr
			return
		}
		l.conn = d.shared.conn
		res, err = l.search(base, l.cfg.scope, filter, l.cfg.attrs)
	}
	switch code := ldapErrCode(err); {
	case err == nil:
		l.getValues(res)
		// What the last (nested) search left behind; libldap's decoding
		// error after the last attribute is ignored, as Postfix does.
		if c := l.lastCode; c != 0 && c != ldapDecodingErr {
			l.warn("dict_ldap_lookup: Had some trouble with entries returned by search: %s", ldapErr2String(c))
		}
	case code == ldapNoSuchObject && l.cfg.dynamicBase:
		// A search base made from the key that does not exist: no match.
	case code == ldapNoSuchObject:
		l.fail("dict_ldap_lookup: %s: Search base '%s' not found: %d: %s", l.cfg.name, base, code, ldapErr2String(code))
	default:
		l.fail("dict_ldap_lookup: Search error %d: %s ", code, ldapErr2String(code))
		// Start from scratch on the next lookup.
		d.shared.drop()
	}
	if l.err != nil {
		l.err = queryError(l.cfg, l.err.Error()+detail(err))
	}
}

// queryError is the error of a failed lookup, worded as Postfix's
// "table type:name: query error" with the reason added.
func queryError(c *ldapConfig, reason string) error {
	return fmt.Errorf("table ldap:%s: query error: %s", c.name, reason)
}

// detail adds go-ldap's description of err, when there is one.
func detail(err error) string {
	if err == nil {
		return ""
	}
	return " (" + ldapErrDetail(err) + ")"
}

// lowerASCIIString is Postfix's lowercase(): ASCII letters only.
func lowerASCIIString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}
