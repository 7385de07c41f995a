package dict

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestLDAPConfigErrors checks settings that Postfix refuses (its fatal
// text) or that Postern cannot honour: opening fails, naming the file.
func TestLDAPConfigErrors(t *testing.T) {
	cases := []struct{ line, want string }{
		{"bind = bogus", "unsupported parameter value: bind = bogus"},
		{"bind = sasl", "unsupported parameter value: sasl_mechs =  (Postern's LDAP SASL bind supports EXTERNAL only)"},
		{"bind = sasl\nsasl_mechs = GSSAPI", "unsupported parameter value: sasl_mechs = GSSAPI"},
		{"bind = sasl\nsasl_mechs = EXTERNAL\nsasl_authz_id = dn:x", "unsupported parameter value: sasl_authz_id = dn:x"},
		{"bind = sasl\nsasl_mechs = EXTERNAL\nsasl_minssf = 56", "unsupported parameter value: sasl_minssf = 56"},
		{"bind = sasl\nsasl_mechs = EXTERNAL\nsasl_minssf = 5000", "invalid sasl_minssf parameter value 5000 > 4096"},
		{"timeout = 10s", "bad numerical configuration: timeout = 10s"},
		{"chase_referrals = 0", "bad boolean configuration: chase_referrals = 0"},
		{"chase_referrals = yes", "unsupported parameter value: chase_referrals = yes"},
		{"recursion_limit = 0", "invalid recursion_limit parameter value 0 < 1"},
		{"version = 1", "invalid version parameter value 1 < 2"},
		{"query_filter = (mail=%x)", "db_common_parse: PATH: Invalid query template: (mail=%x)"},
		{"result_format = 50%", "db_common_parse: PATH: Invalid result template: 50%"},
		{"server_host = cldap://127.0.0.1", "no usable server_host"},
		{"domain = !", "PATH: no pattern after '!'"},
		{"domain = nosuchtype:/x", "domain match list creation using 'nosuchtype:/x' failed"},
		{"this line is bad", "PATH, line 2: missing '=' after attribute name"},
	}
	for _, c := range cases {
		path := writeCF(t, "search_base = dc=example,dc=com", c.line)
		_, err := Open("ldap:"+path, Options{})
		want := strings.ReplaceAll(c.want, "PATH", path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", c.line, err, want)
		}
	}
	if _, err := Open("ldap:/nonexistent/ldap.cf", Options{}); err == nil ||
		err.Error() != "open /nonexistent/ldap.cf: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open("ldap:ldapsource", Options{}); err == nil || !strings.Contains(err.Error(), "main.cf") {
		t.Errorf("main.cf form without parameters: %v", err)
	}
}

// TestLDAPConfigWarnings checks the warnings of opening a table.
func TestLDAPConfigWarnings(t *testing.T) {
	cases := []struct{ line, want string }{
		{"serach_base = dc=typo", "ldap:PATH: unused parameter: serach_base=dc=typo"},
		{"search_base = dc=other", "PATH, line 2: overriding earlier entry: search_base=dc=example,dc=com"},
		{"version = 4", "dict_ldap_open: PATH Unknown version 4, using 3."},
		{"scope = all", "dict_ldap_open: PATH: Unrecognized value all specified for scope; using sub"},
		{"dereference = 9", "dict_ldap_open: PATH Unrecognized value 9 specified for dereference; using 0"},
		{"query_filter = (objectClass=*)", "dict_ldap_open: PATH: Fixed query_filter (objectClass=*) is probably useless"},
		{"cache = yes", "dict_ldap_open: PATH ignoring cache"},
		{"cache_size = 10", "dict_ldap_open: PATH ignoring cache_size"},
		{"server_host = ldaps://h\nversion = 2", "dict_ldap_open: URL scheme ldaps requires protocol version 3"},
		{"start_tls = yes\nversion = 2", "dict_ldap_open: PATH start_tls requires protocol version 3"},
		{"server_host = cldap://h ldap://h", "dict_ldap_open: error parsing URL cldap://h"},
	}
	for _, c := range cases {
		path := writeCF(t, "search_base = dc=example,dc=com", c.line)
		w := &warnLog{}
		d, err := Open("ldap:"+path, Options{Warn: w.add})
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		d.Close()
		if want := strings.ReplaceAll(c.want, "PATH", path); !w.has(want) {
			t.Errorf("%q: want warning %q, got:\n%s", c.line, want, w)
		}
	}
}

// TestLDAPConfigDefaults checks the defaults of ldap_table(5).
func TestLDAPConfigDefaults(t *testing.T) {
	cfg, err := loadLDAPConfig(writeCF(t, "search_base = o=x"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v %d %q %q %v %v %d %d %d %d %v %v", cfg.urls, cfg.scope, cfg.query, cfg.format,
		cfg.attrs, cfg.bind, int(cfg.timeout.Seconds()), cfg.recursionLimit, cfg.expansionLimit, cfg.sizeLimit,
		cfg.startTLS, cfg.tls.requireCert)
	want := fmt.Sprintf("[ldap://localhost:389] %d %q %q [maildrop] true %d 1000 0 0 false false",
		ldap.ScopeWholeSubtree, "(mailacceptinggeneralid=%s)", "%s", 10)
	if got != want {
		t.Errorf("defaults\n got %s\nwant %s", got, want)
	}
	cfg, err = loadLDAPConfig(writeCF(t, "server_host = a, b:1 LDAPI://%2Fs <URL:ldaps://c>", "server_port = 7",
		"expansion_limit = 5", "result_attribute = r", "special_result_attribute = s1 s2",
		"terminal_result_attribute = t", "leaf_result_attribute = l1,l2"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got = fmt.Sprintf("%v %v %d %d %d %d", cfg.urls, cfg.attrs, cfg.nTerminal, cfg.nLeaf, cfg.nAttributes, cfg.sizeLimit)
	if want := "[ldap://a:7 ldap://b:1 ldapi://%2Fs ldaps://c] [t l1 l2 r s1 s2] 1 2 4 5"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestLDAPURLParse(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"ldap:///ou=people,dc=example,dc=com??one?(uid=carol)", "ou=people,dc=example,dc=com [] 1 (uid=carol)"},
		{"ldap://host:389/dc=x?mail,cn?sub", "dc=x [mail cn] 2 "},
		{"LDAP://h/o=a%20b?", "o=a b [] 0 "},
		{"<URL:ldap:///dc=x?a?base?(x=1)>", "dc=x [a] 0 (x=1)"},
		{"ldap://h", " [] 0 "},
		{"ldap:///dc=x???(cn=a%2A)", "dc=x [] 0 (cn=a*)"},
	}
	for _, c := range cases {
		u, err := parseLDAPURLValue(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := fmt.Sprintf("%s %v %d %s", u.dn, u.attrs, u.scope, u.filter); got != c.want {
			t.Errorf("%s: got %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"ldap:///dc=x??wide", "ldap:///dc=x?a?sub?f?!crit", "ldap:///a?b?c?d?e?f", "http://x", "<ldap:///x"} {
		if _, err := parseLDAPURLValue(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if !isLDAPURL("ldaps://x") || !isLDAPURL("URL:ldap://x") || isLDAPURL("uid=x,dc=y") {
		t.Error("isLDAPURL")
	}
	attrs := urlAttrs(&ldapURL{attrs: []string{"Mail", "cn;lang-en", "other"}}, []string{"mail", "cn", "memberdn"})
	if got := fmt.Sprint(attrs); got != "[mail cn;lang-en]" {
		t.Errorf("urlAttrs: %s", got)
	}
}
