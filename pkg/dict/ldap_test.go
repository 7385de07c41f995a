package dict

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// warnLog collects the warnings of a table.
type warnLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnLog) add(m string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, m)
}

func (w *warnLog) has(sub string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

func (w *warnLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "\n")
}

// writeCF writes an ldap_table(5) file and returns its path.
func writeCF(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ldap.cf")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Postfix rereads a file changed in the last second ("hot") until it
	// cools down; an older time stamp spares the oracle test that wait.
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	return path
}

// openCF opens "ldap:" on a new file with the given lines.
func openCF(t *testing.T, flags Flags, lines ...string) (Dict, *warnLog) {
	t.Helper()
	w := &warnLog{}
	d, err := Open("ldap:"+writeCF(t, lines...), Options{Flags: flags, Warn: w.add})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, w
}

// ldapCase is one lookup and what it must give: a value, not found
// (want == "" and !fail) or an error (fail).
type ldapCase struct {
	key, want string
	fail      bool
}

func checkLookups(t *testing.T, d Dict, w *warnLog, cases []ldapCase) {
	t.Helper()
	for _, c := range cases {
		got, found, err := d.Lookup(c.key)
		switch {
		case c.fail && err == nil:
			t.Errorf("Lookup(%q) = %q, %v; want an error", c.key, got, found)
		case !c.fail && err != nil:
			t.Errorf("Lookup(%q): %v\nwarnings:\n%s", c.key, err, w)
		case !c.fail && (got != c.want || found != (c.want != "")):
			t.Errorf("Lookup(%q) = %q, %v; want %q\nwarnings:\n%s", c.key, got, found, c.want, w)
		}
	}
}

// base returns the lines every test table starts with.
func (s *slapd) base(extra ...string) []string {
	return append([]string{
		"server_host = " + s.url("ldap"),
		"search_base = " + slapdSuffix,
		"version = 3",
		"bind = no",
	}, extra...)
}

func TestLDAPLookups(t *testing.T) {
	s := startSlapd(t)
	for _, c := range []struct {
		name string
		f    func(*testing.T, *slapd)
	}{
		{"aliases", testLDAPAliases},
		{"local-part-and-domain", testLDAPLocalPartAndDomain},
		{"domain-labels", testLDAPDomainLabels},
		{"domain-restriction", testLDAPDomainRestriction},
		{"domain-table", testLDAPDomainTable},
		{"result-format", testLDAPResultFormat},
		{"special-terminal-leaf", testLDAPSpecialTerminalLeaf},
		{"limits", testLDAPLimits},
		{"scope", testLDAPScope},
		{"missing-search-base", testLDAPMissingSearchBase},
		{"bad-filter", testLDAPBadFilter},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, s) })
	}
}

func testLDAPAliases(t *testing.T, s *slapd) {
	d, w := openCF(t, FoldFix, s.base()...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice@mail.example.com"},
		{key: "ALIAS-Alice@Example.COM", want: "alice@mail.example.com"},
		{key: "bob@example.com", want: "bob@mail.example.com,bob@backup.example.net"},
		{key: "carol@example.com"}, // entry without maildrop
		{key: "nobody@example.com"},
		{key: "@example.com", want: "postmaster@example.com"},
		{key: "weird*(name)@example.com", want: "weird@mail.example.com"},
		{key: "*@example.com"},            // '*' is quoted: no wildcard
		{key: "secret@example.com"},       // hidden from anonymous clients
		{key: "alice@example.com)(uid=*"}, // no filter injection
		{key: "alice\xff@example.com"},    // not UTF-8: not searched
	})
}

func testLDAPLocalPartAndDomain(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("query_filter = (&(uid=%u)(mail=*@%d))", "result_attribute = mail")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice@example.com"},
		{key: "alice@example.org"},
		{key: "alice"},        // %d: no domain, no search
		{key: "@example.com"}, // %u: empty local part, no search
	})
}

func testLDAPDomainLabels(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("search_base = ou=people,dc=%2,dc=%1",
		"query_filter = uid=%u", "result_attribute = mail")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "carol@example.com", want: "carol@example.com"},
		{key: "carol@mail.example.com", want: "carol@example.com"},
		{key: "carol@example.org"}, // dynamic base missing: not found
		{key: "carol@com"},         // too few labels: no search
		{key: "carol"},
	})
}

func testLDAPDomainRestriction(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("domain = example.net, !bad.example.com, EXAMPLE.com")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice@mail.example.com"},
		{key: "alice@Example.Com", want: "alice@mail.example.com"},
		{key: "@example.com"}, // empty local part: not searched
		{key: "alice"},
		{key: "alice@other.example"},
		{key: "x@bad.example.com"},
	})
}

func testLDAPDomainTable(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("domain = inline:{ example.com=ok }")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice@mail.example.com"},
		{key: "alice@example.org"},
	})
}

func testLDAPResultFormat(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("result_attribute = mailroutinghost", "result_format = smtp:[%s]")...)
	checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", want: "smtp:[mx1.example.com]"}})
	d, w = openCF(t, 0, s.base("result_format = %u+%U@%d (%S %D %1 %%)")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "bob@example.com", want: "bob+bob@mail.example.com (bob@example.com example.com com %)," +
			"bob+bob@backup.example.net (bob@example.com example.com com %)"},
		{key: "@example.com"}, // %U needs a local part
	})
	d, w = openCF(t, 0, s.base("result_filter = <%s>")...)
	checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", want: "<alice@mail.example.com>"}})
}

func testLDAPSpecialTerminalLeaf(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base(
		"result_attribute = memberaddr",
		"special_result_attribute = memberdn, memberurl",
		"terminal_result_attribute = maildrop",
		"leaf_result_attribute = mail")...)
	checkLookups(t, d, w, []ldapCase{
		// alice is terminal (maildrop), carol a leaf (mail), the
		// group's own mail is leaf-only and skipped, ghost is missing.
		{key: "staff@example.com", want: "alice@mail.example.com,carol@example.com,friend@example.org"},
		// Nested groups: staff through everyone, then bob.
		{key: "everyone@example.com", want: "alice@mail.example.com,carol@example.com,friend@example.org," +
			"bob@mail.example.com,bob@backup.example.net"},
		// A terminal group is not expanded.
		{key: "routed@example.com", want: "routed@lists.example.com"},
		// URL members; the second URL asks for no result attribute.
		{key: "dynamic@example.com", want: "carol@example.com"},
		{key: "carol@example.com", want: "carol@example.com"},
	})
	if !w.has("DN uid=ghost,ou=people,dc=example,dc=com not found, skipping") {
		t.Errorf("no warning about the missing member DN:\n%s", w)
	}
}

func testLDAPLimits(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("result_attribute = memberaddr",
		"special_result_attribute = memberdn", "leaf_result_attribute = mail",
		"recursion_limit = 1")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "staff@example.com", fail: true},
		{key: "alice@example.com", want: "alice@example.com"}, // no special attribute: fine
	})
	if !w.has("Recursion limit exceeded for special attribute memberdn=") {
		t.Errorf("no recursion limit warning:\n%s", w)
	}
	d, w = openCF(t, 0, s.base("expansion_limit = 1")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice@mail.example.com"},
		{key: "bob@example.com", fail: true},
	})
	if !w.has("Expansion limit exceeded for key: 'bob@example.com'") {
		t.Errorf("no expansion limit warning:\n%s", w)
	}
	d, w = openCF(t, 0, s.base("query_filter = mail=*%s", "result_attribute = uid", "size_limit = 1")...)
	checkLookups(t, d, w, []ldapCase{
		{key: "alice@example.com", want: "alice"},
		{key: "@example.com", fail: true}, // several entries
	})
}

func testLDAPScope(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("scope = one", "query_filter = uid=%s", "result_attribute = mail")...)
	checkLookups(t, d, w, []ldapCase{{key: "alice"}}) // alice is two levels down
	d, w = openCF(t, 0, s.base("scope = one", "search_base = ou=people,"+slapdSuffix,
		"query_filter = uid=%s", "result_attribute = mail")...)
	checkLookups(t, d, w, []ldapCase{{key: "alice", want: "alice@example.com"}})
}

func testLDAPMissingSearchBase(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("search_base = ou=nowhere,"+slapdSuffix)...)
	checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", fail: true}})
	if !w.has("Search base 'ou=nowhere,dc=example,dc=com' not found: 32: No such object") {
		t.Errorf("warnings:\n%s", w)
	}
}

func testLDAPBadFilter(t *testing.T, s *slapd) {
	d, w := openCF(t, 0, s.base("query_filter = (&(mail=%s)")...)
	checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", fail: true}})
	if !w.has("dict_ldap_lookup: Search error -7: Bad search filter") {
		t.Errorf("warnings:\n%s", w)
	}
}

func TestLDAPBind(t *testing.T) {
	s := startSlapd(t)
	bound := s.base("bind = yes", "bind_dn = uid=postfix,ou=people,"+slapdSuffix, "bind_pw = pfpass")
	d, w := openCF(t, 0, bound...)
	checkLookups(t, d, w, []ldapCase{
		{key: "secret@example.com", want: "hidden@example.com"},
		{key: "alice@example.com", want: "alice@mail.example.com"},
	})
	// Anonymous simple bind (bind = yes, empty bind_dn) sees no secrets.
	d, w = openCF(t, 0, s.base("bind = yes")...)
	checkLookups(t, d, w, []ldapCase{{key: "secret@example.com"}})
	// A wrong password is a temporary error, on every lookup.
	// SASL EXTERNAL over ldapi:// binds as uid=postfix (authz-regexp);
	// over TCP there is no external identity: the bind fails.
	d, w = openCF(t, 0, s.base("server_host = "+s.url("ldapi"), "bind = sasl", "sasl_mechs = EXTERNAL")...)
	checkLookups(t, d, w, []ldapCase{{key: "secret@example.com", want: "hidden@example.com"}})
	d, w = openCF(t, 0, s.base("bind = sasl", "sasl_mechs = EXTERNAL")...)
	checkLookups(t, d, w, []ldapCase{{key: "secret@example.com", fail: true}})
	d, w = openCF(t, 0, s.base("bind = simple", "bind_dn = uid=postfix,ou=people,"+slapdSuffix, "bind_pw = wrong")...)
	checkLookups(t, d, w, []ldapCase{{key: "secret@example.com", fail: true}, {key: "alice@example.com", fail: true}})
	want := fmt.Sprintf("dict_ldap_connect: Unable to bind to server %s with dn uid=postfix,ou=people,dc=example,dc=com: 49 (Invalid credentials)", s.url("ldap"))
	if !w.has(want) {
		t.Errorf("want warning %q, got:\n%s", want, w)
	}
}

func TestLDAPTLS(t *testing.T) {
	s := startSlapd(t)
	caDir := t.TempDir()
	ca, err := os.ReadFile(s.caFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(caDir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	otherCA := writeTestCerts(t, t.TempDir()) // a CA that did not sign the server's certificate
	verified := []string{"tls_require_cert = yes", "tls_ca_cert_file = " + s.caFile}
	untrusted := []string{"tls_require_cert = yes", "tls_ca_cert_file = " + otherCA}
	ldaps := "server_host = " + s.url("ldaps")
	byName := fmt.Sprintf("server_host = ldap://localhost:%d", s.port)
	cases := []struct {
		name  string
		lines []string
		fail  bool
	}{
		{"ldaps", []string{ldaps}, false},
		{"ldaps-untrusted-not-checked", []string{ldaps, "tls_ca_cert_file = " + otherCA}, false},
		{"ldaps-verified", append([]string{ldaps}, verified...), false},
		{"ldaps-ca-dir", []string{ldaps, "tls_require_cert = yes", "tls_ca_cert_dir = " + caDir}, false},
		{"ldaps-untrusted", append([]string{ldaps}, untrusted...), true},
		{"ldaps-bad-ca-file", []string{ldaps, "tls_require_cert = yes", "tls_ca_cert_file = /dev/null"}, true},
		{"starttls", []string{"start_tls = yes"}, false},
		{"starttls-verified", append([]string{"start_tls = yes"}, verified...), false},
		{"starttls-verified-by-name", append([]string{byName, "start_tls = yes"}, verified...), false},
		{"starttls-untrusted", append([]string{"start_tls = yes"}, untrusted...), true},
		{"ldaps-client-cert-external", append([]string{ldaps, "bind = sasl", "sasl_mechs = EXTERNAL",
			"tls_cert = " + filepath.Join(filepath.Dir(s.caFile), "client.pem"),
			"tls_key = " + filepath.Join(filepath.Dir(s.caFile), "client.key"),
			"query_filter = mailacceptinggeneralid=secret@%d"}, verified...), false},
		{"ldaps-no-client-cert-external", append([]string{ldaps, "bind = sasl", "sasl_mechs = EXTERNAL"}, verified...), true},
		{"starttls-bind", append([]string{"start_tls = yes",
			"bind = yes", "bind_dn = uid=postfix,ou=people," + slapdSuffix, "bind_pw = pfpass",
			"query_filter = mailacceptinggeneralid=secret@%d"}, verified...), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, w := openCF(t, 0, s.base(c.lines...)...)
			want := "alice@mail.example.com"
			if strings.Contains(strings.Join(c.lines, " "), "secret@") {
				want = "hidden@example.com"
			}
			checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", want: want, fail: c.fail}})
		})
	}
}

func TestLDAPServerList(t *testing.T) {
	s := startSlapd(t)
	down := fmt.Sprintf("ldap://127.0.0.1:%d", freePort(t))
	forms := [][]string{
		{"server_host = " + down + ", " + s.url("ldap")},
		{fmt.Sprintf("server_host = 127.0.0.1:%d 127.0.0.1", freePort(t)), fmt.Sprintf("server_port = %d", s.port)},
		{"server_host = " + s.url("ldapi")},
	}
	for _, f := range forms {
		d, w := openCF(t, 0, s.base(f...)...)
		checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", want: "alice@mail.example.com"}})
	}
	// Nothing answers: an error, with or without a bind.
	for _, bind := range []string{"no", "yes"} {
		d, w := openCF(t, 0, s.base("server_host = "+down, "bind = "+bind)...)
		checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", fail: true}})
		if !w.has("Can't contact LDAP server") {
			t.Errorf("bind = %s: warnings:\n%s", bind, w)
		}
	}
}

// TestLDAPServerRestart stops the server between lookups: lookups fail
// (never "not found") while it is down and work again once it is back.
func TestLDAPServerRestart(t *testing.T) {
	s := startSlapd(t)
	for _, bind := range []string{"no", "yes"} {
		t.Run("bind="+bind, func(t *testing.T) {
			d, w := openCF(t, 0, s.base("bind = "+bind, "timeout = 5")...)
			ok := []ldapCase{{key: "alice@example.com", want: "alice@mail.example.com"}, {key: "nobody@example.com"}}
			down := []ldapCase{{key: "alice@example.com", fail: true}, {key: "nobody@example.com", fail: true}}
			checkLookups(t, d, w, ok)
			s.stop()
			checkLookups(t, d, w, down)
			s.start()
			checkLookups(t, d, w, ok)
		})
	}
}

// TestLDAPSharedConnection checks that tables with the same server
// settings use one connection, and that closing one leaves the other
// working.
func TestLDAPSharedConnection(t *testing.T) {
	s := startSlapd(t)
	d1, w1 := openCF(t, 0, s.base()...)
	d2, w2 := openCF(t, 0, s.base("result_attribute = mail")...)
	checkLookups(t, d1, w1, []ldapCase{{key: "alice@example.com", want: "alice@mail.example.com"}})
	checkLookups(t, d2, w2, []ldapCase{{key: "alice@example.com", want: "alice@example.com"}})
	if d1.(*ldapDict).shared != d2.(*ldapDict).shared {
		t.Error("tables with the same server settings do not share a connection")
	}
	conn := d1.(*ldapDict).shared.conn
	checkLookups(t, d1, w1, []ldapCase{{key: "bob@example.com", want: "bob@mail.example.com,bob@backup.example.net"}})
	if d1.(*ldapDict).shared.conn != conn {
		t.Error("connection not reused between lookups")
	}
	d1.Close()
	checkLookups(t, d2, w2, []ldapCase{{key: "carol@example.com", want: "carol@example.com"}})
}

// TestLDAPMainCfForm uses the obsolete "ldap:name" form, whose parameters
// are main.cf parameters "name_parameter".
func TestLDAPMainCfForm(t *testing.T) {
	s := startSlapd(t)
	params := map[string]string{
		"ldapsource_server_host":      s.url("ldap"),
		"ldapsource_search_base":      slapdSuffix,
		"ldapsource_bind":             "no",
		"ldapsource_query_filter":     "(&(uid=%u)(mail=%s))",
		"ldapsource_result_attribute": "mail",
		"ldapsource_result_format":    "<%s>",
		"search_base":                 "dc=wrong",
	}
	w := &warnLog{}
	d, err := Open("ldap:ldapsource", Options{Param: func(n string) string { return params[n] }, Warn: w.add})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", want: "<alice@example.com>"}, {key: "bob@example.org"}})
	params["ldapsource_timeout"] = "soon"
	if _, err := Open("ldap:ldapsource", Options{Param: func(n string) string { return params[n] }}); err == nil ||
		err.Error() != "bad numerical configuration: ldapsource_timeout = soon" {
		t.Errorf("bad main.cf value: %v", err)
	}
}

// TestLDAPTimeout uses a server that accepts connections and never
// answers: the lookup fails once timeout has passed.
func TestLDAPTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the listener closes
		}
	}()
	for _, bind := range []string{"no", "yes"} {
		d, w := openCF(t, 0, "server_host = ldap://"+l.Addr().String(), "search_base = dc=example,dc=com",
			"bind = "+bind, "timeout = 1")
		checkLookups(t, d, w, []ldapCase{{key: "alice@example.com", fail: true}})
		if !w.has("-5") || !w.has("Timed out") {
			t.Errorf("bind = %s: warnings:\n%s", bind, w)
		}
	}
}

// TestLDAPConcurrent looks up from several goroutines at once on one
// table (run with -race).
func TestLDAPConcurrent(t *testing.T) {
	s := startSlapd(t)
	d, w := openCF(t, 0, s.base()...)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				v, ok, err := d.Lookup("bob@example.com")
				if err != nil || !ok || v != "bob@mail.example.com,bob@backup.example.net" {
					t.Errorf("Lookup = %q, %v, %v\n%s", v, ok, err, w)
					return
				}
			}
		}()
	}
	wg.Wait()
}
