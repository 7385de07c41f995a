package dict

import (
	"fmt"
	"strings"
	"testing"
)

// newTemplates parses the three templates of a table, as openLDAP does.
func newTemplates(t *testing.T, base, query, format string) (*ldapTemplates, *warnLog) {
	t.Helper()
	w := &warnLog{}
	tm := &ldapTemplates{name: "/x.cf", warn: func(f string, a ...any) { w.add(fmt.Sprintf(f, a...)) }}
	for i, s := range []string{base, query, format} {
		if _, err := tm.parse(s, i < 2); err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
	}
	return tm, w
}

func TestLDAPExpandQuery(t *testing.T) {
	cases := []struct {
		query, key, want string
		ok               bool
	}{
		{"(mail=%s)", "a@b.c", "(mail=a@b.c)", true},
		{"(mail=%s)", "a*(b)\\@c", `(mail=a\2A\28b\29\5C@c)`, true},
		{"(uid=%u)", "joe@example.com", "(uid=joe)", true},
		{"(uid=%u)", "joe", "(uid=joe)", true},
		{"(uid=%u)", "@example.com", "", false},
		{"(dc=%d)", "joe", "", false},
		{"(dc=%d)", "joe@", "", false},
		{"(dc=%d)", "a@b@example.com", "(dc=example.com)", true},
		{"(uid=%u)", "a@b@example.com", "(uid=a@b)", true},
		{"%1/%2/%3", "u@mail.example.com", "com/example/mail", true},
		{"%3", "u@example.com", "", false},
		{"%2.%1", "u@example..com.", "example.com", true},
		{"%S %U %D", "u@example.com", "u@example.com u example.com", true},
		{"100%% %s", "x", "100% x", true},
		{"(mail=%s)", "", "", false},
	}
	for _, c := range cases {
		tm, _ := newTemplates(t, "", c.query, "%s")
		got, ok := tm.expandQuery(c.query, c.key, quoteRFC2254)
		if got != c.want || ok != c.ok {
			t.Errorf("expand %q with %q = %q, %v; want %q, %v", c.query, c.key, got, ok, c.want, c.ok)
		}
	}
}

func TestLDAPExpandBase(t *testing.T) {
	tm, _ := newTemplates(t, "uid=%u,dc=%d", "(x=%s)", "%s")
	got, ok := tm.expandQuery("uid=%u,dc=%d", `a b,"#+;<>\@x`, quoteRFC2253)
	want := `uid=a\20b\2C\22\23\2B\3B\3C\3E\5C,dc=x`
	if got != want || !ok {
		t.Errorf("got %q, %v; want %q", got, ok, want)
	}
}

func TestLDAPExpandResult(t *testing.T) {
	cases := []struct {
		format, value, key, want string
		ok                       bool
	}{
		{"%s", "v@example.com", "k@x.org", "v@example.com", true},
		{"smtp:[%s]", "mx.example.com", "k@x.org", "smtp:[mx.example.com]", true},
		{"%u", "v@example.com", "k@x.org", "v", true},
		{"%u", "vv", "k@x.org", "vv", true},
		{"%u", "@example.com", "k@x.org", "", false},
		{"%d", "nodomain", "k@x.org", "", false},
		{"%U@%D %1 %2", "v", "k@x.org", "k@x.org org x", true},
		{"%S", "v", "k", "k", true},
		{"%s", "", "k", "", false},
	}
	for _, c := range cases {
		tm, w := newTemplates(t, "", "(a=%s)", c.format)
		got, ok := tm.expandResult(c.format, c.value, c.key)
		if got != c.want || ok != c.ok {
			t.Errorf("expand %q with %q/%q = %q, %v; want %q, %v", c.format, c.value, c.key, got, ok, c.want, c.ok)
		}
		if c.value == "" && !w.has(`table "ldap:/x.cf": empty lookup result for: "k" -- ignored`) {
			t.Errorf("no empty-result warning: %s", w)
		}
	}
}

func TestLDAPTemplateErrors(t *testing.T) {
	for _, f := range []string{"%x", "abc%", "%0"} {
		tm := &ldapTemplates{name: "/x.cf"}
		_, err := tm.parse(f, true)
		if err == nil || !strings.Contains(err.Error(), "db_common_parse: /x.cf: Invalid query template: "+f) {
			t.Errorf("parse %q: %v", f, err)
		}
	}
	tm := &ldapTemplates{name: "/x.cf"}
	if dyn, err := tm.parse("dc=example,dc=com %%", true); dyn || err != nil {
		t.Errorf("fixed template: dynamic %v, %v", dyn, err)
	}
}
