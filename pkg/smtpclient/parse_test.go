package smtpclient

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	cases := []struct {
		in        string
		code      int
		dsn, line string
	}{
		{"250 2.0.0 Ok\r\n", 250, "2.0.0", "250 2.0.0 Ok"},
		{"550-5.1.1 first\r\n550 5.1.1 second\r\n", 550, "5.1.1", "550-5.1.1 first 550 5.1.1 second"},
		{"450 no enhanced code\r\n", 450, "4.0.0", "450 no enhanced code"},
		{"550 4.1.1 class mismatch\r\n", 550, "5.0.0", "550 4.1.1 class mismatch"},
		{"354 go ahead\r\n", 354, "5.5.0", "354 go ahead"},
		{"220\r\n", 220, "2.0.0", "220"},
		{"hello garbage\r\n250 ok\r\n", 250, "2.0.0", "hello garbage 250 ok"},
		{"250-a\r\n2500 x\r\n250x\r\n550 5.1.1 no\r\n", 550, "5.1.1", "250-a 2500 x 250x 550 5.1.1 no"},
		{"250 ok\x01\xff\n", 250, "2.0.0", "250 ok??"},
	}
	for _, c := range cases {
		r, err := readReply(bufio.NewReader(strings.NewReader(c.in)))
		if err != nil || r.Code != c.code || r.DSN != c.dsn || r.Line() != c.line {
			t.Errorf("%q: %+v %v", c.in, r, err)
		}
	}
	for _, in := range []string{"250-more\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n"} {
		if _, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("%q: EOF inside a reply accepted", in)
		}
	}
}

func TestParseDestination(t *testing.T) {
	cases := []struct {
		in   string
		lmtp bool
		want Destination
	}{
		{"example.com", false, Destination{Host: "example.com", Port: 25}},
		{"[mx.example.com]", false, Destination{Host: "mx.example.com", Port: 25, NoMX: true}},
		{"[192.0.2.1]:587", false, Destination{Host: "192.0.2.1", Port: 587, NoMX: true}},
		{"relay.example:submission", false, Destination{Host: "relay.example", Port: 587}},
		{"[ipv6:2001:db8::1]:2525", false, Destination{Host: "2001:db8::1", Port: 2525, NoMX: true}},
		{"unix:private/dovecot-lmtp", true, Destination{Unix: "private/dovecot-lmtp"}},
		{"inet:127.0.0.1:24", true, Destination{Host: "127.0.0.1", Port: 24}},
		{"inet:lmtp.example", true, Destination{Host: "lmtp.example", Port: 24}},
	}
	for _, c := range cases {
		def := map[bool]string{false: "smtp", true: "24"}[c.lmtp]
		got, err := ParseDestination(c.in, def, c.lmtp)
		c.want.Raw = c.in
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"[host", "host:nosuchservice", "host:0", "[h]x"} {
		if _, err := ParseDestination(bad, "smtp", false); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if got := SplitDestinations("a, [b]:25 c"); strings.Join(got, "|") != "a|[b]:25|c" {
		t.Errorf("split %q", got)
	}
}

func TestQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"user@example.com": "user@example.com", "": "", "first last@example.com": "\"first last\"@example.com",
		"a\"b@x": "\"a\\\"b\"@x", "user.@x": "\"user.\"@x", "MAILER-DAEMON": "MAILER-DAEMON",
	} {
		if got := quote821(in); got != want {
			t.Errorf("quote821(%q) = %q, want %q", in, got, want)
		}
	}
	if got := xtext("rfc822;a+b=c@d", "="); got != "rfc822;a+2Bb+3Dc@d" {
		t.Errorf("xtext %s", got)
	}
}

func TestAddrSpans(t *testing.T) {
	h := `To: "Doe, John" <john@a.example>, jane@b.example (Jane), undisclosed:;, grp: x@c.example;`
	var got []string
	for _, sp := range addrSpans(h, 3) {
		got = append(got, h[sp[0]:sp[1]])
	}
	if strings.Join(got, "|") != "john@a.example|x@c.example" {
		t.Errorf("spans %q", got)
	}
}
