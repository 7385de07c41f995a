package config

import (
	"strings"
	"testing"
)

func TestParseMaster(t *testing.T) {
	src := `# comment
smtp      inet  n       -       y       -       -       smtpd
  -o smtpd_client_restrictions=permit_mynetworks,reject
  -o { smtpd_banner = hello world }
127.0.0.1:2525 inet n - n - 2 smtpd -o syslog_name=postfix/x
  -o {smtpd_tls_security_level=may}
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - y 1000? 1 tlsmgr
x unix - - n - 0 pipe flags=R { a b } c
smtp      inet  n       -       y       -       -       smtpd
`
	mf, err := ParseMaster("master.cf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(mf.Services) != 5 || len(mf.Warnings) != 1 ||
		mf.Warnings[0] != `master.cf: line 10: duplicate master.cf entry for service "smtp" (inet) -- using the last entry` {
		t.Fatalf("services %d warnings %q", len(mf.Services), mf.Warnings)
	}
	if mf.Services[0].Line != 10 || len(mf.Services[0].Args) != 0 {
		t.Errorf("duplicate not replaced: %+v", mf.Services[0])
	}
	s := mf.Services[1]
	opts, _, rest, err := s.DaemonArgs()
	if err != nil || len(opts) != 2 || opts[1] != (Option{"smtpd_tls_security_level", "may"}) || rest != nil {
		t.Errorf("options %v %v %v", opts, rest, err)
	}
	if w, cond := mf.Services[3].WakeupTime(); w != 1000 || !cond {
		t.Errorf("wakeup %d %v", w, cond)
	}
	if got := strings.Join(mf.Services[4].Args, "|"); got != "flags=R|a b|c" {
		t.Errorf("args %q", got)
	}
	bad := map[string]string{
		"a inet y - - - - smtpd\n":  "master.cf: line 1: inet service cannot be private",
		"a unix x - - - - smtpd\n":  `master.cf: line 1: field "private": bad value: "x"`,
		"a tcp - - - - - smtpd\n":   "master.cf: line 1: bad transport type: tcp",
		"a unix - - - - -\n":        `master.cf: line 1: missing "command" field`,
		"a unix - - - x - smtpd\n":  `master.cf: line 1: field "wakeup_time": bad value: "x"`,
		"a unix - - - - -1 smtpd\n": `master.cf: line 1: field "max_proc": bad value: "-1"`,
	}
	for in, want := range bad {
		if _, err := ParseMaster("master.cf", []byte(in)); err == nil || err.Error() != want {
			t.Errorf("ParseMaster(%q) = %v, want %s", in, err, want)
		}
	}
}
