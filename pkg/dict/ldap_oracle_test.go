package dict

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// postfixLDAP returns the real Postfix postmap when it has the ldap table
// type (Debian: postfix-ldap), or "".
func postfixLDAP(t *testing.T) string {
	pm := findProgram("postmap")
	pc := findProgram("postconf")
	if pm == "" || pc == "" {
		return ""
	}
	out, err := exec.Command(pc, "-m").Output()
	if err != nil || !strings.Contains("\n"+string(out), "\nldap\n") {
		return ""
	}
	return pm
}

// postmapQuery runs the real "postmap -q key ldap:cf": value, found, or
// an error when postmap reports a fatal lookup failure, and the warnings
// of the lookup (those about the file itself left out).
func postmapQuery(t *testing.T, postmap, confDir, cf, key string) (string, bool, error, string) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(postmap, "-c", confDir, "-q", key, "ldap:"+cf)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var warnings []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		w, ok := strings.CutPrefix(l, "postmap: warning: ")
		if !ok {
			// XXX: Options.Warn has one level; Postfix logs a STARTTLS
			// failure as an error.
			w, ok = strings.CutPrefix(l, "postmap: error: ")
		}
		if ok && !strings.Contains(w, "overriding earlier entry") {
			warnings = append(warnings, w)
		}
	}
	warn := strings.Join(warnings, "\n")
	var exit *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimSuffix(stdout.String(), "\n"), true, nil, warn
	case errors.As(err, &exit) && strings.Contains(stderr.String(), "fatal:"):
		return "", false, errors.New(strings.TrimSpace(stderr.String())), warn
	case errors.As(err, &exit):
		return "", false, nil, warn
	}
	t.Fatalf("postmap: %v", err)
	return "", false, nil, ""
}

// TestLDAPPostfixOracle compares lookups with the real Postfix's postmap
// on the same server and configurations.
func TestLDAPPostfixOracle(t *testing.T) {
	postmap := postfixLDAP(t)
	if postmap == "" {
		t.Skip("the real Postfix with LDAP support (postfix-ldap) is not installed")
	}
	s := startSlapd(t)
	confDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(confDir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	configs := [][]string{
		s.base(),
		s.base("query_filter = (&(uid=%u)(mail=*@%d))", "result_attribute = mail, uid"),
		s.base("search_base = ou=people,dc=%2,dc=%1", "query_filter = uid=%u", "result_attribute = mail"),
		s.base("domain = example.net, !bad.example.com, EXAMPLE.com"),
		s.base("result_attribute = mailroutinghost, maildrop", "result_format = <%u|%d|%U|%D|%S|%1|%%>"),
		s.base("result_attribute = memberaddr", "special_result_attribute = memberdn, memberurl",
			"terminal_result_attribute = maildrop", "leaf_result_attribute = mail"),
		s.base("result_attribute = memberaddr mail", "special_result_attribute = memberdn memberurl"),
		s.base("result_attribute = memberaddr", "special_result_attribute = memberdn",
			"leaf_result_attribute = mail", "recursion_limit = 1"),
		s.base("expansion_limit = 1"),
		s.base("query_filter = mail=*%s", "result_attribute = uid", "size_limit = 1"),
		s.base("bind = yes", "bind_dn = uid=postfix,ou=people,dc=example,dc=com", "bind_pw = pfpass"),
		s.base("start_tls = yes", "tls_require_cert = yes", "tls_ca_cert_file = "+s.caFile),
	}
	keys := []string{
		"alice@example.com", "ALIAS-alice@example.com", "bob@example.com", "carol@example.com",
		"nobody@example.com", "@example.com", "alice", "alice@com", "alice@example.org",
		"x@bad.example.com", "weird*(name)@example.com", "staff@example.com",
		"everyone@example.com", "routed@example.com", "dynamic@example.com",
		"secret@example.com", "carol@mail.example.com",
	}
	down := fmt.Sprintf("ldap://127.0.0.1:%d", freePort(t))
	// Every lookup fails with these: a few keys suffice (a fatal postmap
	// sleeps a second before it exits).
	failing := [][]string{
		s.base("search_base = ou=nowhere,dc=example,dc=com"),
		s.base("bind = yes", "bind_dn = uid=postfix,ou=people,dc=example,dc=com", "bind_pw = wrong"),
		s.base("server_host = " + down),
		s.base("server_host = "+down, "bind = yes"),
		s.base("server_host = "+down, "start_tls = yes"),
		s.base("bind = sasl", "sasl_mechs = EXTERNAL"),
		s.base("query_filter = (&(mail=%s)"),
	}
	for _, lines := range configs {
		compareWithPostfix(t, postmap, confDir, lines, keys)
	}
	for _, lines := range failing {
		compareWithPostfix(t, postmap, confDir, lines, []string{"alice@example.com", "alice"})
	}
}

// compareWithPostfix looks keys up in one configuration with Postern and
// with the real postmap; value, found and failure must agree.
func compareWithPostfix(t *testing.T, postmap, confDir string, lines, keys []string) {
	t.Helper()
	cf := writeCF(t, lines...)
	w := &warnLog{}
	d, err := Open("ldap:"+cf, Options{Flags: FoldFix, Warn: w.add})
	if err != nil {
		t.Fatalf("%s: %v", lines, err)
	}
	defer d.Close()
	for _, k := range keys {
		want, wantFound, wantErr, wantWarn := postmapQuery(t, postmap, confDir, cf, k)
		n := len(w.msgs)
		got, found, err := d.Lookup(k)
		if got != want || found != wantFound || (err != nil) != (wantErr != nil) {
			t.Errorf("config %q\nkey %q: got %q, %v, %v\npostfix: %q, %v, %v\nwarnings:\n%s",
				lines[4:], k, got, found, err, want, wantFound, wantErr, w)
		}
		if gotWarn := strings.Join(w.msgs[n:], "\n"); gotWarn != wantWarn {
			t.Errorf("config %q\nkey %q: warnings\n%s\npostfix:\n%s", lines[4:], k, gotWarn, wantWarn)
		}
	}
}

// TestLDAPPostfixOracleOpen compares what Postfix and Postern say about
// questionable or wrong settings: the fatal error, or the warnings of
// opening the table and one lookup.
func TestLDAPPostfixOracleOpen(t *testing.T) {
	postmap := postfixLDAP(t)
	if postmap == "" {
		t.Skip("the real Postfix with LDAP support (postfix-ldap) is not installed")
	}
	s := startSlapd(t)
	confDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(confDir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	configs := [][]string{
		s.base("bind = bogus"),
		s.base("timeout = 10s"),
		s.base("chase_referrals = 0"),
		s.base("recursion_limit = 0"),
		s.base("version = 1"),
		s.base("version = 4"),
		s.base("scope = everything"),
		s.base("dereference = 7"),
		s.base("query_filter = (objectClass=*)", "result_attribute = uid", "size_limit = 50"),
		s.base("query_filter = (mail=%x)"),
		s.base("result_format = 50%"),
		s.base("cache = yes", "cache_size = 100", "cache_expiry = 10"),
		s.base("server_host = " + s.url("ldaps")),
		s.base("start_tls = yes", "version = 2"),
		s.base("domain = !"),
	}
	for _, lines := range configs {
		cf := writeCF(t, lines...)
		_, _, wantErr, wantWarn := postmapQuery(t, postmap, confDir, cf, "alice@example.com")
		w := &warnLog{}
		d, err := Open("ldap:"+cf, Options{Flags: FoldFix, Warn: w.add})
		if err == nil {
			d.Lookup("alice@example.com")
			d.Close()
		}
		if wantErr != nil && strings.Contains(wantErr.Error(), "table ldap:") {
			wantErr = nil // a lookup error, not a configuration error
		}
		switch {
		case wantErr != nil && err == nil:
			t.Errorf("config %q: opened; postfix: %v", lines[4:], wantErr)
		case wantErr != nil && !strings.HasSuffix(wantErr.Error(), "postmap: fatal: "+err.Error()):
			t.Errorf("config %q:\nerror %v\npostfix: %v", lines[4:], err, wantErr)
		case wantErr == nil && err != nil:
			t.Errorf("config %q: %v; postfix opens it", lines[4:], err)
		}
		var msgs []string
		for _, m := range w.msgs {
			if !strings.Contains(m, "overriding earlier entry") {
				msgs = append(msgs, m)
			}
		}
		if got := strings.Join(msgs, "\n"); err == nil && got != wantWarn {
			t.Errorf("config %q: warnings\n%s\npostfix:\n%s", lines[4:], got, wantWarn)
		}
	}
}
