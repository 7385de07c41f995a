package dict

import (
	"testing"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// FuzzLDAPExpand feeds arbitrary templates, keys and result values to the
// ldap_table(5) template code: it must never panic, and a key substituted
// into a filter or a DN must never change their structure.
func FuzzLDAPExpand(f *testing.F) {
	f.Add("(mail=%s)", "%s", "alice@example.com", "alice@mail.example.com")
	f.Add("(&(uid=%u)(dc=%d))", "%u+%U@%D", "a*b(c)\\d@example.com", "x@y")
	f.Add("dc=%2,dc=%1", "smtp:[%s] %%", "u@mail.example.com", "mx")
	f.Add("%S%1%9", "%d", "@", "")
	f.Add("%", "%x", "\x00@\xff", "@")
	f.Fuzz(func(t *testing.T, query, format, key, value string) {
		tm := &ldapTemplates{name: "/fuzz.cf", warn: func(string, ...any) {}}
		if _, err := tm.parse(query, true); err != nil {
			return
		}
		if _, err := tm.parse(format, false); err != nil {
			return
		}
		tm.expandQuery(query, key, quoteRFC2254)
		tm.expandQuery(query, key, quoteRFC2253)
		tm.expandResult(format, value, key)

		// The quoted key is one value of an equality filter. (Lookup
		// never searches for a key that is not UTF-8.)
		if q, ok := tm.expandQuery("(mail=%s)", key, quoteRFC2254); ok && utf8.ValidString(key) {
			p, err := ldap.CompileFilter(q)
			if err != nil {
				t.Fatalf("filter %q from key %q: %v", q, key, err)
			}
			if got := p.Children[1].Data.String(); got != key {
				t.Fatalf("filter %q: value %q, want %q", q, got, key)
			}
		}
		// The quoted key is one attribute value of a one-RDN DN.
		if q := quoteRFC2253(key); key != "" && utf8.ValidString(key) {
			dn, err := ldap.ParseDN("uid=" + q)
			if err != nil {
				t.Fatalf("DN uid=%q: %v", q, err)
			}
			if len(dn.RDNs) != 1 || len(dn.RDNs[0].Attributes) != 1 || dn.RDNs[0].Attributes[0].Value != key {
				t.Fatalf("DN uid=%q parsed as %+v", q, dn)
			}
		}
	})
}
