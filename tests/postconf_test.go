package tests

// Process-level tests of Postern's postconf against the real Postfix 3.7
// postconf (/usr/sbin/postconf) as the oracle: both run on copies of the
// same files in temp dirs, and their output, warnings, exit status and
// edited files must be the same. /etc/postfix is only read.
//
// Postfix walks hash tables in a random order, so warnings are compared
// as sorted lists; standard output is compared byte for byte.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
	tables "github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/tests/harness"
)

const realPostconf = "/usr/sbin/postconf"

// pcResult is what one postconf run produced.
type pcResult struct {
	stdout string
	stderr []string // "postconf: ..." lines, program path removed
	code   int
}

// pcRun runs a postconf binary and normalizes the program name that
// starts each message ("/usr/sbin/postconf: warning: ...").
func pcRun(t *testing.T, bin string, args ...string) pcResult {
	t.Helper()
	r, err := pcExec(bin, args...)
	if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return r
}

// pcRunAll runs many commands at once: Postfix sleeps a second before
// exiting after a fatal error, so running them one by one is slow.
func pcRunAll(t *testing.T, jobs [][]string) []pcResult {
	t.Helper()
	out := make([]pcResult, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = pcExec(job[0], job[1:]...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %q: %v", jobs[i], err)
		}
	}
	return out
}

func pcExec(bin string, args ...string) (pcResult, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = pcEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := pcResult{stdout: out.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		return r, err
	}
	for _, line := range strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n") {
		if line != "" {
			r.stderr = append(r.stderr, strings.ReplaceAll(line, bin, "postconf"))
		}
	}
	return r, nil
}

// pcEnv is the environment without MAIL_CONFIG, so that only -c counts.
func pcEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "MAIL_CONFIG=") {
			env = append(env, e)
		}
	}
	return env
}

// pcBuild builds Postern's postconf into a temp dir.
func pcBuild(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(realPostconf); err != nil {
		t.Skip("the real Postfix postconf is not installed")
	}
	return filepath.Join(harness.Build(t, "postconf"), "postconf")
}

// pcDir makes a config directory with the given files. The files get an
// mtime in the past: Postfix rereads a main.cf younger than a second
// (and repeats its warnings) in case it is being written.
func pcDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		pcWrite(t, filepath.Join(dir, name), text)
	}
	return dir
}

func pcWrite(t *testing.T, path, text string) {
	t.Helper()
	old := time.Now().Add(-time.Minute)
	if err := os.WriteFile(path, []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func pcRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pcStockDirs are the Debian configuration as installed and as shipped.
func pcStockDirs(t *testing.T) map[string]map[string]string {
	return map[string]map[string]string{
		"installed": {"main.cf": pcRead(t, "/etc/postfix/main.cf"),
			"master.cf": pcRead(t, "/etc/postfix/master.cf")},
		"dist": {"main.cf": pcRead(t, "/usr/share/postfix/main.cf.dist"),
			"master.cf": pcRead(t, "/usr/share/postfix/master.cf.dist")},
	}
}

// pcCase is one command line to run with "-c dir".
type pcCase struct {
	dir  string
	args []string
}

// pcCompare runs both programs on each case and compares; it returns
// Postfix's results.
func pcCompare(t *testing.T, bin string, cases []pcCase) []pcResult {
	t.Helper()
	var jobs [][]string
	for _, c := range cases {
		args := append([]string{"-c", c.dir}, c.args...)
		jobs = append(jobs, append([]string{realPostconf}, args...), append([]string{bin}, args...))
	}
	res := pcRunAll(t, jobs)
	var wants []pcResult
	for i, c := range cases {
		pcSame(t, append([]string{"-c", c.dir}, c.args...), res[2*i], res[2*i+1])
		wants = append(wants, res[2*i])
	}
	return wants
}

func pcSame(t *testing.T, args []string, want, got pcResult) {
	t.Helper()
	if got.stdout != want.stdout {
		t.Errorf("postconf %q: stdout differs:\n%s", args, pcDiff(want.stdout, got.stdout))
	}
	w, g := slices.Sorted(slices.Values(want.stderr)), slices.Sorted(slices.Values(got.stderr))
	if !slices.Equal(w, g) {
		t.Errorf("postconf %q: stderr differs:\nPostfix:\n%s\nPostern:\n%s",
			args, strings.Join(w, "\n"), strings.Join(g, "\n"))
	}
	if got.code != want.code {
		t.Errorf("postconf %q: exit %d, Postfix %d", args, got.code, want.code)
	}
}

// pcDiff shows the first differing lines.
func pcDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nPostfix: " + w + "\nPostern: " + g
		}
	}
	return "(same lines)"
}

func TestPostconf(t *testing.T) {
	t.Parallel()
	bin := pcBuild(t)
	t.Run("StockFiles", func(t *testing.T) { pcTestStock(t, bin) })
	t.Run("Defaults", func(t *testing.T) { pcTestDefaults(t, bin) })
	t.Run("EditMain", func(t *testing.T) { pcTestEditMain(t, bin) })
	t.Run("EditMaster", func(t *testing.T) { pcTestEditMaster(t, bin) })
	t.Run("Warnings", func(t *testing.T) { pcTestWarnings(t, bin) })
	t.Run("Expansion", func(t *testing.T) { pcTestExpansion(t, bin) })
	t.Run("MasterSyntax", func(t *testing.T) { pcTestMasterSyntax(t, bin) })
	t.Run("Errors", func(t *testing.T) { pcTestErrors(t, bin) })
	t.Run("PosternLists", func(t *testing.T) { pcTestLists(t, bin) })
	t.Run("AtomicEdit", func(t *testing.T) { pcTestAtomicEdit(t, bin) })
}

// pcTestStock: -n, -M, -Mf, -F, -P (and their -x, -f, -h, -H forms) on
// Debian's main.cf and master.cf, installed and as shipped.
func pcTestStock(t *testing.T, bin string) {
	var cases []pcCase
	for _, files := range pcStockDirs(t) {
		dir := pcDir(t, files)
		for _, args := range [][]string{
			{"-n"}, {"-M"}, {"-Mf"}, {"-F"}, {"-P"}, {"-nf"}, {"-nh"}, {"-nH"},
			{"-Mx"}, {"-Fx"}, {"-Px"}, {"-M", "smtp", "relay/unix", "nosuch"},
			{"-F", "smtp/inet/command", "*/unix/process_limit", "pickup"},
			{"-Fh", "maildrop/unix/command"}, {"-FH", "smtp"}, {"-PH"}, {"-Ph"},
			{"-P", "relay/unix/syslog_name", "*/*/*", "nosuch/unix/x"},
			{"-C", "user"}, {"-n", "-C", "builtin,service"},
			{"myhostname", "mydestination", "virtual_maps", "nosuch"},
		} {
			cases = append(cases, pcCase{dir, args})
		}
	}
	for i, want := range pcCompare(t, bin, cases) {
		if cases[i].args[0] == "-n" && want.stdout == "" {
			t.Errorf("%q: Postfix printed nothing", cases[i].args)
		}
	}
}

// pcTestDefaults: "postconf -d" and plain "postconf" print the same
// parameters as Postfix, with the same values except those that depend
// on the host or the build (Param.Dynamic).
func pcTestDefaults(t *testing.T, bin string) {
	for name, files := range pcStockDirs(t) {
		dir := pcDir(t, files)
		dynamic := map[bool]map[string]bool{true: pcDynamicSet(t, ""), false: pcDynamicSet(t, files["main.cf"])}
		for _, args := range [][]string{{"-d"}, {}, {"-dx"}, {"-x"}, {"-d", "-C", "service"}} {
			isDefault := slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-d") })
			args = append([]string{"-c", dir}, args...)
			want, got := pcRun(t, realPostconf, args...), pcRun(t, bin, args...)
			wm, gm := pcParams(want.stdout), pcParams(got.stdout)
			if len(wm) < 50 && args[len(args)-1] != "service" {
				t.Fatalf("%s %q: Postfix printed %d parameters", name, args, len(wm))
			}
			for n, line := range wm {
				g, ok := gm[n]
				switch {
				case !ok:
					t.Errorf("%s %q: %s missing", name, args, n)
				case g != line && !dynamic[isDefault][n]:
					t.Errorf("%s %q:\nPostfix: %s\nPostern: %s", name, args, line, g)
				}
			}
			for n := range gm {
				if _, ok := wm[n]; !ok {
					t.Errorf("%s %q: Postern prints %s, Postfix does not", name, args, n)
				}
			}
			if !slices.Equal(want.stderr, got.stderr) || want.code != got.code {
				t.Errorf("%s %q: stderr/exit %q %d, Postfix %q %d", name, args, got.stderr, got.code, want.stderr, want.code)
			}
		}
	}
}

// pcDynamicSet returns the parameters whose value may differ between
// Postfix and Postern on this host: a Dynamic default (host or build
// dependent), or a value (main.cf setting, else default) that refers to
// one, as "-x" shows it.
func pcDynamicSet(t *testing.T, mainCf string) map[string]bool {
	f, err := config.Parse("main.cf", []byte(mainCf))
	if err != nil {
		t.Fatal(err)
	}
	set, values := map[string]bool{}, map[string]string{}
	for _, p := range config.Params() {
		set[p.Name], values[p.Name] = p.Dynamic || p.Deviates, p.Default
	}
	for name, v := range f.Map {
		values[name] = v
	}
	ref := regexp.MustCompile(`\$\{?\(?([A-Za-z0-9_]+)`)
	for changed := true; changed; {
		changed = false
		for name, v := range values {
			for _, m := range ref.FindAllStringSubmatch(v, -1) {
				if set[m[1]] && !set[name] {
					set[name], changed = true, true
				}
			}
		}
	}
	return set
}

// pcParams splits "name = value" lines into a map of whole lines.
func pcParams(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, _, ok := strings.Cut(line, " ="); ok {
			m[name] = line
		}
	}
	return m
}

// pcEdit is an edit command line and the files it edits.
type pcEdit struct {
	files map[string]string
	args  []string
}

// pcEditCompare runs each edit with both programs on copies of its files
// and compares the resulting files, messages and exit status.
func pcEditCompare(t *testing.T, bin string, edits []pcEdit) {
	t.Helper()
	var jobs [][]string
	var dirs []string
	for _, e := range edits {
		d := []string{pcDir(t, e.files), pcDir(t, e.files)}
		dirs = append(dirs, d...)
		jobs = append(jobs, append([]string{realPostconf, "-c", d[0]}, e.args...),
			append([]string{bin, "-c", d[1]}, e.args...))
	}
	res := pcRunAll(t, jobs)
	for i, e := range edits {
		pcEditSame(t, e, dirs[2*i:2*i+2], res[2*i], res[2*i+1])
	}
}

func pcEditSame(t *testing.T, e pcEdit, dirs []string, want, got pcResult) {
	t.Helper()
	for i := range want.stderr {
		want.stderr[i] = strings.ReplaceAll(want.stderr[i], dirs[0], "DIR")
	}
	for i := range got.stderr {
		got.stderr[i] = strings.ReplaceAll(got.stderr[i], dirs[1], "DIR")
	}
	args := e.args
	pcSame(t, args, want, got)
	for name := range e.files {
		w, g := pcRead(t, filepath.Join(dirs[0], name)), pcRead(t, filepath.Join(dirs[1], name))
		if w != g {
			t.Errorf("postconf %q: %s differs:\n%s", args, name, pcDiff(w, g))
		}
		ws, _ := os.Stat(filepath.Join(dirs[0], name))
		gs, _ := os.Stat(filepath.Join(dirs[1], name))
		if ws.Mode() != gs.Mode() {
			t.Errorf("postconf %q: %s mode %v, Postfix %v", args, name, gs.Mode(), ws.Mode())
		}
	}
}

func pcTestEditMain(t *testing.T, bin string) {
	stock := pcStockDirs(t)
	odd := map[string]string{"master.cf": "",
		"main.cf": "# head\nbiff = no\n  yes\n# inside\n  more\nbiff=2\n\n   \nrelayhost=x\nlast = no newline"}
	pcEditCompare(t, bin, []pcEdit{
		{stock["installed"], []string{"-e", "myhostname=mail.example.com"}},
		{stock["installed"], []string{"-e", "relayhost = [smtp.example.com]:587", "inet_interfaces=loopback-only"}},
		{stock["installed"], []string{"-e", "smtpd_sasl_auth_enable = yes"}},
		{stock["installed"], []string{"myhostname=implied.example"}},
		{stock["installed"], []string{"-X", "biff", "relayhost", "nosuch"}},
		{stock["installed"], []string{"-#", "smtpd_tls_cert_file", "smtpd_tls_key_file"}},
		{stock["dist"], []string{"-e", "debugger_command = true"}},
		{stock["dist"], []string{"-X", "debugger_command"}},
		{stock["dist"], []string{"-#", "debugger_command"}},
		{stock["dist"], []string{"-e", "a=b", "a=c"}},
		{odd, []string{"-e", "biff=yes"}},
		{odd, []string{"-#", "biff", "last"}},
		{odd, []string{"-X", "biff"}},
		{odd, []string{"-e", "new=1"}},
		{odd, []string{"-e", "last=changed"}},
	})
}

func pcTestEditMaster(t *testing.T, bin string) {
	stock := pcStockDirs(t)
	odd := map[string]string{"main.cf": "biff = no\n",
		"master.cf": "smtp inet n - y - - smtpd\n#  -o foo=bar\n  -o a=b\n\n# comment\nnext unix - - n - - x\n  -o x=y\n"}
	pcEditCompare(t, bin, []pcEdit{
		{stock["installed"], []string{"-Me", "submission/inet=submission inet n - y - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes"}},
		{stock["installed"], []string{"-Me", "smtp/inet=smtp inet n - y - 10 smtpd -o smtpd_tls_security_level=may"}},
		{stock["installed"], []string{"-MX", "relay/unix"}},
		{stock["installed"], []string{"-M#", "maildrop/unix", "uucp/unix"}},
		{stock["installed"], []string{"-Fe", "smtp/inet/chroot=n"}},
		{stock["installed"], []string{"-Fe", "maildrop/unix/command=pipe flags=R argv=/bin/true"}},
		{stock["installed"], []string{"-Pe", "smtp/inet/smtpd_tls_security_level=encrypt"}},
		{stock["installed"], []string{"-Pe", "relay/unix/syslog_name=other"}},
		{stock["installed"], []string{"-PX", "relay/unix/syslog_name"}},
		{stock["installed"], []string{"-Pe", "nosuch/unix/a=b"}},
		{stock["dist"], []string{"-Pe", "smtp/inet/smtpd_sasl_auth_enable=yes"}},
		{stock["dist"], []string{"-M#", "smtp/inet"}},
		{stock["dist"], []string{"-MX", "pickup/*"}},
		{odd, []string{"-Pe", "smtp/inet/c=d"}},
		{odd, []string{"-PX", "smtp/inet/a"}},
		{odd, []string{"-Pe", "smtp/inet/a=1", "smtp/inet/a=2", "next/unix/z=3"}},
		{odd, []string{"-Fe", "smtp/inet/command=smtpd -o {q = r s} -vo t=u"}},
		{odd, []string{"-Me", "other/unix=next unix - - n - - y"}},
		{odd, []string{"-M#", "smtp/inet", "next/unix"}},
		{odd, []string{"-Me", "smtp/inet=smtp inet n - y"}},
		{pcMaster("smtp=1 inet n - y - - smtpd\n"), []string{"-Pe", "smtp/inet/c=d"}},
		{pcMaster("smtp inet/x n - y - - smtpd\n"), []string{"-Pe", "smtp/inet/c=d"}},
		{pcMaster("smtp\n inet n - y - - smtpd\n"), []string{"-Pe", "smtp/inet/c=d"}},
		{pcMaster("smtp inet n - y - -\n  smtpd\nfoo unix - - - - - x\n"), []string{"-Pe", "foo/unix/c=d"}},
		{pcMaster("smtp inet n - y - -\nfoo unix - - - - - x"), []string{"-Pe", "smtp/inet/c=d"}},
		{pcMaster("foo unix - - - - - x"), []string{"-Me", "a/unix=a unix - - - - - b"}},
	})
}

func pcMaster(text string) map[string]string {
	return map[string]string{"main.cf": "biff = no\n", "master.cf": text}
}

// pcTestWarnings: unused, undefined and read-only parameters, restriction
// classes, per-service parameters, legacy database parameters.
func pcTestWarnings(t *testing.T, bin string) {
	ldap := "server_host = ldap.example.com\nbogus = 1\nbind = no\n"
	main := "foo = $bar\nbar = 1\nbaz = 2\nrelayhost = $baz $qux\nprocess_name = x\n" +
		"virtual_maps = hash:/x\nrelay_destination_concurrency_limit = 5\nunused_one = 1\n" +
		"smtpd_restriction_classes = c1, c2 $c3\nc1 = x\nc2 = y\nc3 = z\n" +
		"alias_maps = hash:/etc/aliases, ldap:LDAPFILE, proxy:ldap:foo, mysql:/nonexistent, {ldap:{bar}}\n" +
		"foo_server_host = x\nfoo_bogus = y\nbar_domain = z\n"
	master := "smtp inet n - y - - smtpd -o q=$r -o r=1 -o s=2 -o service_name=x -o t=$foo -o c1=a\n" +
		"relay unix - - y - - smtp -o c4=b -o smtpd_restriction_classes=c4 -o virtual_alias_maps=ldap:baz -o baz_search_base=1 -o baz_x=2\n"
	dir := pcDir(t, map[string]string{"master.cf": master, "ldap.cf": ldap})
	main = strings.ReplaceAll(main, "LDAPFILE", filepath.Join(dir, "ldap.cf"))
	pcWrite(t, filepath.Join(dir, "main.cf"), main)
	var cases []pcCase
	for _, args := range [][]string{{"-n"}, {"-P"}, {"-M"}, {"-Px"}, {"-nx"}, {"-o", "extra=1", "-n"}, {"-C", "user"}} {
		cases = append(cases, pcCase{dir, args})
	}
	want := pcCompare(t, bin, cases)
	if !slices.ContainsFunc(want[0].stderr, func(s string) bool {
		return strings.HasSuffix(s, "/main.cf: unused parameter: unused_one=1")
	}) {
		t.Errorf("Postfix did not warn about unused_one: %q", want[0].stderr)
	}
}

// pcTestExpansion: -x with conditional and relational expressions,
// compatibility levels and syntax errors.
func pcTestExpansion(t *testing.T, bin string) {
	var cases []pcCase
	for _, main := range []string{
		"relayhost = ${{$compatibility_level} <level {3.6} ? {a} : {b}}\ncompatibility_level=3.7\n",
		"relayhost = ${{$compatibility_level} <lvl {3.6} ? {a} : {b}}\n",
		"relayhost = ${{$compatibility_level} <level {3.x} ? {a} : {b}}\n",
		"relayhost = ${{1} < {2} ? {a} : {b}} ${x y} ${a?b}c ${a?{b}x} ${a:{b}x} $(c) $\n",
		"relayhost = ${{1} == {1}} ${{a}x{b}} ${foo\n",
		"relayhost = ${foo\n",
		"relayhost = $myfoo\nmyfoo = $myfoo\n",
		"virtual_maps = ${{a}x{b}}\n",
		"relayhost = ${myhostname?{$myhostname}:{none}} ${nosuch:{none}} $$x\n",
	} {
		dir := pcDir(t, map[string]string{"main.cf": main, "master.cf": ""})
		for _, args := range [][]string{{"-n"}, {"-nx"}, {"-x", "alias_maps", "relayhost", "virtual_maps", "biff"}} {
			cases = append(cases, pcCase{dir, args})
		}
	}
	pcCompare(t, bin, cases)
}

// pcTestMasterSyntax: master.cf oddities and errors, shown with -M, -F
// and -P.
func pcTestMasterSyntax(t *testing.T, bin string) {
	var cases []pcCase
	for _, entry := range []string{
		"smtp inet n - y - -",
		"smtp foo n - y - - smtpd",
		"smtp inet x - y - - smtpd",
		"smtp inet n yes y - - smtpd",
		"smtp inet n - yy - - smtpd",
		"smtp inet n - y 1x - smtpd",
		"smtp inet n - y - x smtpd",
		"smtp inet n - y 5? 1 smtpd",
		"smtp inet n - y -? - smtpd",
		"smtp inet n - y - - smtpd -o {a = b c}",
		"smtp inet n - y - - smtpd -o {a = b",
		"smtp inet n - y - - smtpd -o {a b}",
		"smtp inet n - y - - smtpd {a b}x",
		"smtp inet n - y - - smtpd -vo a=b -Dv",
		"smtp inet n - y - - smtpd -oa=b",
		"smtp inet n - y - - smtpd -ofoo=bar",
		"smtp inet n - y - - smtpd - x",
		"smtp inet n - y - - smtpd -o",
		"smtp inet n - y - - smtpd {} -o a=b",
		"smtp inet n - y - - smtpd\n  -o\n  a=b\n#x\n  {c d} e\n  -o f=g",
		"  smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\nsmtp unix - - y - - smtp -o x=1",
		"127.0.0.1:10025 inet n - n - - smtpd -o content_filter= -o smtpd_client_restrictions=permit_mynetworks,reject\nspawn-x unix - n n - - spawn user=nobody argv=/bin/true\nlocal unix - n n - - /usr/lib/postfix/sbin/local",
	} {
		dir := pcDir(t, map[string]string{"main.cf": "biff = no\n", "master.cf": entry + "\n"})
		for _, args := range [][]string{{"-M"}, {"-Mf"}, {"-F"}, {"-P"}, {"-n"}, {"-d", "-C", "service"}} {
			cases = append(cases, pcCase{dir, args})
		}
	}
	pcCompare(t, bin, cases)
}

// pcTestErrors: bad main.cf lines, unknown parameters, bad options and
// arguments, missing files: Postfix's messages and exit status.
func pcTestErrors(t *testing.T, bin string) {
	stock := pcStockDirs(t)["installed"]
	dir := pcDir(t, stock)
	errCases := []struct {
		main string
		args []string
		want string // a message Postfix prints, to document the case
	}{
		{"foo bar\n", []string{"-n"}, "postconf: fatal: DIR/main.cf, line 1: missing '=' after attribute name: \"foo bar\""},
		{"= bar\n", []string{"-n"}, "postconf: fatal: DIR/main.cf, line 1: missing attribute name: \"= bar\""},
		{"a = 1\n  continued\nb = 2\nb=3\n", []string{"-n"}, "postconf: warning: DIR/main.cf, line 4: overriding earlier entry: b=2"},
		{"  leading = x\n  more\nmyhostname=x\n", []string{"-n"}, "postconf: warning: DIR/main.cf: logical line must not start with whitespace: \"  leading = x  more\""},
		{"", []string{"nosuch", "biff"}, "postconf: warning: nosuch: unknown parameter"},
		{"", []string{"-d", "-n"}, "postconf: fatal: specify one of -d -n"},
		{"", []string{"-M", "-n"}, "postconf: fatal: with option -M, do not specify -n"},
		{"", []string{"-e"}, "postconf: fatal: -e requires name=value argument"},
		{"", []string{"-e", "foo"}, "postconf: fatal: missing '=' after attribute name: \"foo\""},
		{"", []string{"-X"}, "postconf: fatal: missing service argument"},
		{"", []string{"-X", "foo=bar"}, "postconf: fatal: specify one of -e -X"},
		{"", []string{"-X", ""}, "postconf: fatal: -X or -# requires non-blank parameter names"},
		{"", []string{"-C", "foo"}, "postconf: fatal: unknown -C option value \"foo\" in \"foo\""},
		{"", []string{"-o", "foo"}, "postconf: fatal: invalid parameter override: foo: missing '=' after attribute name"},
		{"", []string{"-M", "/x"}, "postconf: fatal: -M option requires service_name[/type]"},
		{"", []string{"-F", "smtp/inet/bogus"}, "postconf: fatal: invalid service attribute name: \"bogus\""},
		{"", []string{"-Fe", "smtp/inet/private=y y"}, "postconf: fatal: -Fe does not accept whitespace in non-command field"},
		{"", []string{"-Pe", "smtp/inet/a=y y"}, "postconf: fatal: -Pe does not accept whitespace in parameter value"},
		{"", []string{"-Me", "smtp/inet=smtp inet n - y"}, "postconf: fatal: bad field count: \"smtp/inet=smtp inet n - y\""},
		{"", []string{"-Me", "smtp/inet=smtp bogus n - y - - smtpd"}, "postconf: fatal: invalid type field \"bogus\" in \"smtp bogus n - y - - smtpd\""},
		{"", []string{"-T", "foo"}, "postconf: warning: unknown 'postconf -T' mode: foo"},
		{"", []string{"-b", "x", "y"}, "postconf: fatal: options -b and -t require at most one template file"},
	}
	var cases []pcCase
	for _, c := range errCases {
		files := map[string]string{"master.cf": stock["master.cf"], "main.cf": c.main}
		if c.main == "" {
			files["main.cf"] = stock["main.cf"]
		}
		cases = append(cases, pcCase{pcDir(t, files), c.args})
	}
	missing := filepath.Join(dir, "nonexistent")
	for _, args := range [][]string{{"-n"}, {"-M"}, {"-m"}, {"-e", "a=b"}, {"-Me", "a/unix=a unix - - - - - b"}} {
		cases = append(cases, pcCase{missing, args})
	}
	for i, want := range pcCompare(t, bin, cases)[:len(errCases)] {
		msg := strings.ReplaceAll(errCases[i].want, "DIR", cases[i].dir)
		if !slices.Contains(want.stderr, msg) {
			t.Errorf("%q: Postfix did not print %q but %q", errCases[i].args, msg, want.stderr)
		}
	}
	pcTestUsage(t, bin)
}

// pcTestUsage: unknown options and missing option values end in the
// usage message.
func pcTestUsage(t *testing.T, bin string) {
	var jobs [][]string
	for _, args := range [][]string{{"-z"}, {"-c"}, {"-E"}} {
		jobs = append(jobs, append([]string{realPostconf}, args...), append([]string{bin}, args...))
	}
	res := pcRunAll(t, jobs)
	for i := 0; i < len(res); i += 2 {
		want, got := res[i], res[i+1]
		if want.code != got.code || len(got.stderr) == 0 || got.stderr[0] != want.stderr[0] {
			t.Errorf("%q: got %q %d, Postfix %q %d", jobs[i][1:], got.stderr, got.code, want.stderr, want.code)
		}
	}
}

// pcTestLists: what postconf lists is what Postern supports; -b, -t and
// -T fail loudly.
func pcTestLists(t *testing.T, bin string) {
	dir := pcDir(t, pcStockDirs(t)["installed"])
	r := pcRun(t, bin, "-c", dir, "-m")
	if want := strings.Join(tables.Types(), "\n") + "\n"; r.stdout != want || r.code != 0 {
		t.Errorf("-m: %q %d, want %q", r.stdout, r.code, want)
	}
	for _, c := range []struct {
		args []string
		out  string
		code int
	}{
		{[]string{"-a"}, "dovecot\n", 0},
		{[]string{"-A"}, "", 0},
		{[]string{"-l"}, "flock\nfcntl\ndotlock\n", 0},
		{[]string{"-t"}, "", 1},
		{[]string{"-b"}, "", 1},
		{[]string{"-T", "run-version"}, "", 1},
	} {
		r := pcRun(t, bin, append([]string{"-c", dir}, c.args...)...)
		if r.stdout != c.out || r.code != c.code {
			t.Errorf("%q: %q exit %d, want %q exit %d", c.args, r.stdout, r.code, c.out, c.code)
		}
		if c.code != 0 && (len(r.stderr) == 0 || !strings.Contains(r.stderr[0], "not implemented")) {
			t.Errorf("%q: %q does not say it is not implemented", c.args, r.stderr)
		}
	}
}

// pcTestAtomicEdit: an edit replaces the file by rename (new inode), leaves
// no temporary file, and reuses or removes a stale main.cf.tmp.
func pcTestAtomicEdit(t *testing.T, bin string) {
	dir := pcDir(t, pcStockDirs(t)["installed"])
	path := filepath.Join(dir, "main.cf")
	before, _ := os.Stat(path)
	if err := os.WriteFile(path+".tmp", []byte("stale junk\n"), 0644); err != nil {
		t.Fatal(err)
	}
	r := pcRun(t, bin, "-c", dir, "-e", "biff=yes")
	if r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("-e: exit %d %q", r.code, r.stderr)
	}
	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Error("main.cf was rewritten in place, not replaced")
	}
	if after.Mode().Perm() != 0644 {
		t.Errorf("main.cf mode %v", after.Mode())
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("main.cf.tmp left behind: %v", err)
	}
	if !strings.Contains(pcRead(t, path), "\nbiff = yes\n") {
		t.Error("biff = yes missing")
	}
	if strings.Contains(pcRead(t, path), "stale") {
		t.Error("stale temporary content leaked into main.cf")
	}
}
