package postconf

// Unit tests of the parsers and formatters with Postfix's own expected
// results (from postfix/src/postconf/*.ref and the real postconf 3.7);
// tests/postconf_test.go compares whole runs with the real postconf.

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"
)

func testSession(stdout, stderr io.Writer) *session {
	return &session{prog: "postconf", stdout: bufio.NewWriter(stdout), stderr: stderr,
		main: newDict(), configDir: "/etc/postfix"}
}

func TestPrintLine(t *testing.T) {
	var out strings.Builder
	s := testSession(&out, io.Discard)
	s.printLine(0, "name  =  a \t b\r\n c ")
	long := "smtpd_relay_restrictions = " + strings.Repeat("permit_mynetworks ", 6)
	s.printLine(foldLine, long)
	s.stdout.Flush()
	want := "name = a b c\n" +
		"smtpd_relay_restrictions = permit_mynetworks permit_mynetworks permit_mynetworks\n" +
		"    permit_mynetworks permit_mynetworks permit_mynetworks\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestMasterEntryText(t *testing.T) {
	s := testSession(io.Discard, io.Discard)
	for _, c := range []struct {
		entry, plain, folded string
	}{
		{"smtp inet n - y - - smtpd", "smtp       inet  n       -       y       -       -       smtpd\n", ""},
		{"scalemail-backend unix - n n - 2 pipe flags=R user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} ${extension}",
			"scalemail-backend unix - n       n       -       2       pipe flags=R user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} ${extension}\n",
			"scalemail-backend unix - n       n       -       2       pipe flags=R\n    user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop}\n    ${user} ${extension}\n"},
		{"relay unix - - y - - smtp -v -o syslog_name=postfix/$service_name -o {a = b c} x {y z}",
			"relay      unix  -       -       y       -       -       smtp -v -o syslog_name=postfix/$service_name -o {a=b c} x {y z}\n",
			"relay      unix  -       -       y       -       -       smtp -v\n    -o syslog_name=postfix/$service_name\n    -o {a=b c}\n    x {y z}\n"},
		// The first argument is not braced: a quirk kept from Postfix.
		{"smtp inet n - y - - smtpd {a b}", "smtp       inet  n       -       y       -       -       smtpd a b\n", ""},
		{"smtp inet n - y - - smtpd -ofoo=bar", "smtp       inet  n       -       y       -       -       smtpd -o f -o -o=bar\n",
			"smtp       inet  n       -       y       -       -       smtpd\n    -o f\n    -o -o=bar\n"},
	} {
		m, errText, err := s.parseMasterEntry(c.entry)
		if err != nil || errText != "" {
			t.Fatalf("%q: %v %s", c.entry, err, errText)
		}
		if got, _ := s.masterEntryText(0, m); got != c.plain {
			t.Errorf("-M %q:\ngot  %q\nwant %q", c.entry, got, c.plain)
		}
		if c.folded == "" {
			c.folded = c.plain
		}
		if got, _ := s.masterEntryText(foldLine, m); got != c.folded {
			t.Errorf("-Mf %q:\ngot  %q\nwant %q", c.entry, got, c.folded)
		}
	}
}

func TestMasterEntryErrors(t *testing.T) {
	s := testSession(io.Discard, io.Discard)
	for entry, want := range map[string]string{
		"smtp inet n - y - -":             "bad field count",
		"smtp foo n - y - - smtpd":        `invalid type field "foo" in "smtp foo n - y - - smtpd"`,
		"smtp inet n - yy - - smtpd":      `invalid chroot field "yy" in "smtp inet n - yy - - smtpd"`,
		"smtp inet n - y 1x - smtpd":      `invalid wakeup field "1x" in "smtp inet n - y 1x - smtpd"`,
		"smtp inet n - y - x smtpd":       `invalid process_limit field "x" in "smtp inet n - y - x smtpd"`,
		"smtp inet n yes y - - smtpd":     `invalid unprivileged field "yes" in "smtp inet n yes y - - smtpd"`,
		"smtp inet maybe - y - - smtpd x": `invalid private field "maybe" in "smtp inet maybe - y - - smtpd x"`,
	} {
		_, errText, err := s.parseMasterEntry(entry)
		got := errText
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", entry, got, want)
		}
	}
}

func TestSplitNameVal(t *testing.T) {
	for in, want := range map[string][3]string{
		"  name =  value  ": {"name", "value", ""},
		"name=":             {"name", "", ""},
		"= x":               {"", "", "missing attribute name"},
		"name value":        {"", "", "missing '=' after attribute name"},
		"a b=c":             {"", "", "missing '=' after attribute name"},
	} {
		n, v, e := splitNameVal(in)
		if [3]string{n, v, e} != want {
			t.Errorf("%q: got %q %q %q", in, n, v, e)
		}
	}
}

func TestMacExpand(t *testing.T) {
	vars := map[string]string{"a": "1", "b": "$a$a", "empty": "", "lvl": "3.6"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	for in, want := range map[string]string{
		"x$b${a}$(a)$$":                       "x1111$",
		"${a?yes}${empty?no}${nosuch:dflt}":   "yesdflt",
		"${a?{t}:{f}} ${empty?{t}:{f}}":       "t f",
		"${{$a} == {1}?eq} ${{10} > {9}?gt}":  "eq gt",
		"${{$lvl} <level {3.10}?older}":       "older",
		"${{abc} < {abd}?lt}${{2} < {10}?lt}": "ltlt",
	} {
		got, status := macExpand(in, macRecurse, lookup, func(string, ...any) {})
		if got != want || status&macParseError != 0 {
			t.Errorf("%q: got %q status %d, want %q", in, got, status, want)
		}
	}
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, f) }
	for _, in := range []string{"${a", "${{a}x{b}}", "${a b}", "${a?{x}y}", "${{a} == b}"} {
		warnings = nil
		if _, status := macExpand(in, macRecurse, lookup, warn); status&macParseError == 0 || len(warnings) == 0 {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestScanNames(t *testing.T) {
	var names []string
	lookup := func(n string) (string, bool) { names = append(names, n); return "", false }
	macExpand("$a ${b?$c} ${d:{$e}} ${{$f} == {$g}?{$h}:{$i}} $$j", macScan, lookup, func(string, ...any) {})
	if want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}; !slices.Equal(names, want) {
		t.Errorf("scanned %q, want %q", names, want)
	}
}

func TestEditMainText(t *testing.T) {
	var errs strings.Builder
	s := testSession(io.Discard, &errs)
	in := "# c\nbiff = no\n  more\n#x\n  more2\nrelayhost=a\nbiff=again\n"
	s.mode = editConf
	reqs, err := s.parseMainEdits([]string{"biff = yes", "new=1"})
	if err != nil {
		t.Fatal(err)
	}
	got := s.editMainText("main.cf", []byte(in), reqs)
	want := "# c\nbiff = yes\n#x\nrelayhost=a\nbiff = yes\nnew = 1\n"
	if got != want {
		t.Errorf("-e: got %q, want %q", got, want)
	}
	if !strings.Contains(errs.String(), `main.cf: multiple entries for "biff"`) {
		t.Errorf("no multiple-entries warning: %q", errs.String())
	}
	s.mode = commentOut
	reqs, _ = s.parseMainEdits([]string{"biff"})
	got = s.editMainText("main.cf", []byte(in), reqs)
	want = "# c\n#biff = no\n#  more\n#x\n#  more2\nrelayhost=a\n#biff=again\n"
	if got != want {
		t.Errorf("-#: got %q, want %q", got, want)
	}
}

func TestEditMasterParam(t *testing.T) {
	s := testSession(io.Discard, io.Discard)
	m, _, _ := s.parseMasterEntry("relay unix - - y - - smtp -o a=1 -v -o b=2 x y")
	editMasterParam(m, editConf, "b", "3")
	editMasterParam(m, editConf, "c", "4")
	editMasterParam(m, editExcl, "a", "")
	if got, want := strings.Join(m.argv[7:], " "), "smtp -v -o b=3 -o c=4 x y"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOptions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "-n"}, "specify one of -d -n"},
		{[]string{"-M", "-n"}, "with option -M, do not specify -n"},
		{[]string{"-a", "-m"}, "specify one of -a -m"},
		{[]string{"-X", "a=b"}, "specify one of -e -X"},
		{[]string{"-e"}, "-e requires name=value argument"},
		{[]string{"-C", "bogus"}, `unknown -C option value "bogus" in "bogus"`},
	} {
		s := testSession(io.Discard, io.Discard)
		o, err := s.parseOptions(c.args)
		if err == nil {
			err = s.completeMode(o)
		}
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
}

func FuzzMacExpand(f *testing.F) {
	for _, seed := range []string{"$a", "${a?{$b}:{c}}", "${{$a} <level {3.6}?x}", "$(a", "${a b}", "$$", "${{$self} == {x}}"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars := map[string]string{"a": "$b", "b": "${a?x}", "self": in, "c": "3.6"}
		lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
		nowarn := func(string, ...any) {}
		macExpand(in, macRecurse, lookup, nowarn)
		macExpand(in, macScan, lookup, nowarn)
	})
}

func FuzzMasterEntry(f *testing.F) {
	for _, seed := range []string{
		"smtp inet n - y - - smtpd -o a=b",
		"relay unix - - y - - smtp -vo {a = b c} {x y}z -oq=r -",
		"x pass - - - 10? 0 cmd {",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s := testSession(io.Discard, io.Discard)
		m, errText, err := s.parseMasterEntry(text)
		if err != nil || errText != "" {
			return
		}
		s.masterEntryText(foldLine, m)
		for f := 0; f <= fldCmd; f++ {
			s.masterFieldText(0, m, f)
		}
		editMasterParam(m, editConf, "a", "b")
		editMasterParam(m, editExcl, "a", "")
		s.editMasterField(m, fldCmd, "pipe -o x=y argv=/bin/true")
	})
}

func FuzzEditMain(f *testing.F) {
	f.Add("biff = no\n  more\n# c\nbiff=2", "biff")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, text, name string) {
		s := testSession(io.Discard, io.Discard)
		for _, mode := range []int{editConf, editExcl, commentOut} {
			s.mode = mode
			arg := name
			if mode == editConf {
				arg = name + "=v"
			}
			reqs, err := s.parseMainEdits([]string{arg})
			if err != nil {
				continue
			}
			out := s.editMainText("main.cf", []byte(text), reqs)
			if mode == editConf && strings.HasSuffix(text, "\n") && !strings.Contains(out, reqs[0].name+" = "+reqs[0].value+"\n") {
				t.Fatalf("%q: -e %s: no new setting in %q", text, arg, out)
			}
		}
	})
}
