package config

import (
	"strings"
	"testing"
)

// Fuzz targets for the two configuration parsers: main.cf (logical
// lines, "name = value", $name expansion of every value) and master.cf
// (fields, {} arguments, -o overrides). Seeds live in
// testdata/fuzz/<FuzzName>/; run one with
// "go test -run '^$' -fuzz '^FuzzMainCF$' ./pkg/config".

// fuzzMaxDollars bounds the $ signs of an input whose values are
// expanded: expansion is eager, as Postfix's mac_expand(), so ten
// parameters that each name the next one ten times expand to 10^10
// bytes in Postfix as here. main.cf is written by root; the fuzz target
// looks for crashes, not for that.
const fuzzMaxDollars = 24

func FuzzMainCF(f *testing.F) {
	for _, s := range []string{
		"myhostname = mx.example.com\nmydomain = example.com\nmyorigin = $mydomain\n",
		"# comment\n  \nsmtpd_recipient_restrictions =\n    permit_mynetworks,\n    reject_unauth_destination\n",
		"a = ${b?{x}:{y}} $(c) ${d:e}\nb = 1\nc = $a\n",
		"x = ${{$a} == {1}?{yes}:{no}} ${{1} <= {2}?ok}\na = 1\n",
		"  leading continuation\nname=value=more\n=missing\nnoequals\n",
		"a = $b\nb = $a\n",
		"a = ${a\nb = }\nc = ${{x} != {y}}\n",
		"compatibility_level = 3.6\nmaillog_file = /dev/stdout\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("main.cf", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "main.cf, line ") && !strings.Contains(err.Error(), "token too long") {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		checkMainCF(t, file)
		if strings.Count(string(data), "$") > fuzzMaxDollars {
			return
		}
		c := New(t.TempDir(), file)
		for _, e := range file.Entries {
			c.Expand(e.Value)
			ScanNames(e.Value, func(string) {})
		}
	})
}

// checkMainCF checks what a parsed main.cf promises: names without
// white space or '=', values trimmed, the map holding the last value.
func checkMainCF(t *testing.T, file *File) {
	last := map[string]string{}
	for _, e := range file.Entries {
		if e.Name == "" || strings.ContainsAny(e.Name, " \t\r\n\v\f=") {
			t.Fatalf("bad name %q", e.Name)
		}
		if strings.Trim(e.Value, " \t\r\n\v\f") != e.Value {
			t.Fatalf("untrimmed value %q", e.Value)
		}
		if e.Line < 1 {
			t.Fatalf("entry %q at line %d", e.Name, e.Line)
		}
		last[e.Name] = e.Value
	}
	if len(last) != len(file.Map) {
		t.Fatalf("%d names, map has %d", len(last), len(file.Map))
	}
	for k, v := range last {
		if file.Map[k] != v {
			t.Fatalf("%s: map %q, last entry %q", k, file.Map[k], v)
		}
	}
}

func FuzzMasterCF(f *testing.F) {
	for _, s := range []string{
		"smtp inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n",
		"pickup unix n - n 60 1 pickup\nqmgr unix n - n 300? 1 qmgr\n",
		"127.0.0.1:2525 inet n - y - 0 smtpd -v -D\nprivate/x unix - - - - - cmd\n",
		"dovecot unix - n n - - pipe flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -f ${sender} -d ${recipient}\n",
		"bad inet y - - - - smtpd\nx fifo n - n - - cmd {unbalanced\ny unix - - - - - cmd {a}b\n",
		"x unix - - - - - cmd -o\nx unix - - - - - cmd -o =v\nx unix - - - - - -\n",
		"smtp inet n - n - - smtpd\nsmtp inet n - n - 2 smtpd\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mf, err := ParseMaster("master.cf", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "master.cf: line ") && !strings.Contains(err.Error(), "token too long") {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		c := New(t.TempDir(), nil)
		ids := map[string]bool{}
		for _, s := range mf.Services {
			checkService(t, c, s)
			if ids[s.ID()] {
				t.Fatalf("duplicate service %s kept", s.ID())
			}
			ids[s.ID()] = true
		}
	})
}

// checkService checks one parsed master.cf entry and runs every
// accessor the master uses on it.
func checkService(t *testing.T, c *Config, s *Service) {
	if !masterTypes[s.Type] || s.Command == "" || s.Command == "-" || s.Line < 1 {
		t.Fatalf("bad service %+v", s)
	}
	for _, v := range []string{s.Private, s.Unpriv, s.Chroot} {
		if v != "-" && v != "y" && v != "n" {
			t.Fatalf("bad y/n field %q", v)
		}
	}
	if n, _ := s.WakeupTime(); n < 0 {
		t.Fatalf("negative wakeup %q", s.Wakeup)
	}
	if n, err := s.ProcessLimit(c); err == nil && n < 0 {
		t.Fatalf("negative maxproc %q", s.MaxProc)
	}
	opts, _, _, err := s.DaemonArgs()
	if err == nil {
		for _, o := range opts {
			if o.Name == "" || strings.ContainsAny(o.Name, " \t=") {
				t.Fatalf("bad -o name %q", o.Name)
			}
		}
	}
	s.IsPrivate()
	s.IsUnpriv()
	s.IsChroot(c)
}

// TestSelfReferentialDefault is what FuzzMainCF found: a main.cf value
// that names a parameter whose built-in default is computed from the
// first one ran out of stack. Postfix 3.7's postconf -x prints
// "localdomain" for both.
func TestSelfReferentialDefault(t *testing.T) {
	file, err := Parse("main.cf", []byte("myhostname = $mydomain\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := New(t.TempDir(), file)
	for _, name := range []string{"myhostname", "mydomain"} {
		if v, err := c.Value(name); err != nil || v != "localdomain" {
			t.Errorf("%s = %q, %v; Postfix says localdomain", name, v, err)
		}
	}
	file, _ = Parse("main.cf", []byte("mydomain = $myhostname\nmyhostname = $mydomain\n"))
	if _, err := New(t.TempDir(), file).Value("myhostname"); err == nil {
		t.Error("a cycle of main.cf values expands without error; Postfix: unreasonable macro call nesting")
	}
}
