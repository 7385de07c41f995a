package dict

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// FuzzLDAPConfig reads arbitrary text as an ldap_table(5) file (main.cf
// syntax, then every parameter: server_host lists and LDAP URLs, scope,
// templates, attributes, bind, limits, TLS): the table must open or
// fail with an error, never crash. Seeds in testdata/fuzz/FuzzLDAPConfig.
func FuzzLDAPConfig(f *testing.F) {
	for _, s := range []string{
		"server_host = ldap://ldap.example.com:389 ldaps://[::1]:636/\nsearch_base = dc=example,dc=com\nquery_filter = (mail=%s)\nresult_attribute = mail\n",
		"server_host = ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi\nversion = 3\nscope = one\nbind = sasl\nsasl_mechs = EXTERNAL\n",
		"server_host = host1, host2:1389\nserver_port = 70000\nscope = bogus\nresult_format = %s%\nsize_limit = -1\n",
		"server_host = <ldap://x/dc=a%2Cdc=b?mail,cn?sub?(objectClass=*)?!x-ext>\nstart_tls = yes\nversion = 2\n",
		"query_filter = %\nresult_attribute =\nleaf_result_attribute = a,b\nspecial_result_attribute = member\nterminal_result_attribute = c\n",
		"bind = yes\nbind_dn = cn=%s\nbind_pw = secret\ntimeout = 0\ndereference = 9\nrecursion_limit = 0\nexpansion_limit = x\n",
		"tls_require_cert = yes\ntls_ca_cert_file = nonexistent\ncache = yes\nchase_referrals = 1\n",
	} {
		f.Add([]byte(s))
	}
	domainLine := regexp.MustCompile(`(?m)^[ \t]*(domain|.*_maps)\b.*$`)
	f.Fuzz(func(t *testing.T, data []byte) {
		// domain = type:table opens other tables: not this target's job.
		data = domainLine.ReplaceAll(data, nil)
		path := filepath.Join(t.TempDir(), "ldap.cf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if c, err := loadLDAPConfig(path, Options{}); err == nil && c.domains != nil {
			c.domains.close()
		}
	})
}

// FuzzLDAPURL parses arbitrary server_host URLs.
func FuzzLDAPURL(f *testing.F) {
	for _, s := range []string{"ldap://h:389/dc=x?a,b?sub?(f=%41)?ext", "<ldaps://[::1]>", "ldapi://%2Ftmp%2Fs",
		"ldap://h/%zz", "ldap://h/??base??!e=1", "ldap://h/?a?one?(", "ldap:/", "<ldap://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseLDAPURLValue(s)
		isLDAPURL(s)
	})
}
