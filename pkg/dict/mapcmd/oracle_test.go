package mapcmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Each command line runs twice on identical private copies of the same
// files: once with the real Postfix program, once with Postern's, and
// the outputs, messages and exit codes must be the same.

type outcome struct {
	stdout, stderr string
	code           int
}

type twin struct {
	realDir, ourDir, cfg string
}

func newTwin(t *testing.T, files map[string]string) *twin {
	t.Helper()
	tw := &twin{realDir: t.TempDir(), ourDir: t.TempDir(), cfg: t.TempDir()}
	os.WriteFile(filepath.Join(tw.cfg, "main.cf"), []byte("compatibility_level = 3.6\nmyhostname = mx.test\n"), 0644)
	for name, text := range files {
		for _, d := range []string{tw.realDir, tw.ourDir} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tw
}

func (tw *twin) real(t *testing.T, prog, stdin string, args ...string) outcome {
	t.Helper()
	bin := "/usr/sbin/" + prog
	if _, err := os.Stat(bin); err != nil {
		t.Skip("real Postfix not installed")
	}
	cmd := exec.Command(bin, append([]string{"-c", tw.cfg}, args...)...)
	cmd.Dir = tw.realDir
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return outcome{o.String(), e.String(), code}
}

func (tw *twin) ours(t *testing.T, prog, stdin string, args ...string) outcome {
	t.Helper()
	t.Chdir(tw.ourDir)
	var o, e bytes.Buffer
	cmd := map[string]func(Env) int{"postmap": Postmap, "postalias": Postalias}[prog]
	code := cmd(Env{Args: append([]string{prog, "-c", tw.cfg}, args...), Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e})
	return outcome{o.String(), e.String(), code}
}

// same runs both and compares; sortOut compares stdout as sorted lines
// (Berkeley DB lists entries in hash order, Postern in source order).
func (tw *twin) same(t *testing.T, prog, stdin string, sortOut bool, args ...string) {
	t.Helper()
	r, o := tw.real(t, prog, stdin, args...), tw.ours(t, prog, stdin, args...)
	if sortOut {
		r.stdout, o.stdout = sortLines(r.stdout), sortLines(o.stdout)
	}
	if r != o {
		t.Errorf("%s %q\nreal: %q %q exit %d\nours: %q %q exit %d", prog, args,
			r.stdout, r.stderr, r.code, o.stdout, o.stderr, o.code)
	}
}

func sortLines(s string) string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

const table = `# virtual
Foo@Example.com   foo-box
foo@example.com   dup-ignored
"john doe"@example.com  jd
multi  a,
  b,
	c
@example.org catchall
`

func TestPostmapAgainstPostfix(t *testing.T) {
	tw := newTwin(t, map[string]string{"virtual": table, "re": "/^(.*)@example\\.net$/ $1\n/^Subject: spam/ REJECT\n/^viagra$/ DISCARD\n",
		"bodymsg": "Subject: spam\n  continued\nFrom: a@b\n\nviagra\nhello\n"})
	tw.same(t, "postmap", "", false, "virtual")
	tw.same(t, "postmap", "", true, "-s", "virtual")
	for _, q := range [][]string{
		{"-q", "FOO@example.com", "virtual"}, {"-q", "nothere", "virtual"},
		{"-q", `"john doe"@example.com`, "hash:virtual"}, {"-q", "multi", "virtual"},
		{"-q", "joe@example.net", "regexp:re"}, {"-q", "x", "regexp:re", "virtual"},
		{"-q", "x", "fail:x"}, {"-q", "k", "inline:{k=v}"}, {"-q", "k", "nosuch:x"},
		{"-q", "k", "missing"}, {"-q", "k", "texthash:virtual"},
		{"-fq", "Foo@Example.com", "texthash:virtual"},
		{"-x"}, {}, {"-q", "a", "-s", "virtual"}, {"-b", "virtual"},
		{"texthash:virtual"}, {"regexp:re"}, {"missing"}, {"proxy:hash:virtual"},
		{"-s", "regexp:re"},
	} {
		tw.same(t, "postmap", "", false, q...)
	}
	tw.same(t, "postmap", "foo@example.com\nnope\nmulti\n@example.org\n", false, "-q", "-", "virtual")
	tw.same(t, "postmap", "nope\n", false, "-q", "-", "virtual")
	body, _ := os.ReadFile(filepath.Join(tw.ourDir, "bodymsg"))
	for _, flags := range []string{"-h", "-b", "-hb"} {
		tw.same(t, "postmap", string(body), false, flags, "-q", "-", "regexp:re")
	}
}

func TestPostmapDuplicatesAndUpdates(t *testing.T) {
	tw := newTwin(t, map[string]string{"m": "a 1\nA 2\nb 3\n"})
	tw.same(t, "postmap", "", false, "m")
	tw.same(t, "postmap", "", false, "-q", "a", "m")
	tw.same(t, "postmap", "", false, "-r", "m")
	tw.same(t, "postmap", "", false, "-q", "a", "m")
	tw.same(t, "postmap", "", false, "-w", "m")
	tw.same(t, "postmap", "", false, "-d", "A", "m")
	tw.same(t, "postmap", "", false, "-d", "A", "m")
	tw.same(t, "postmap", "b\nzz\n", false, "-d", "-", "m")
	tw.same(t, "postmap", "c 4\nd 5\n", false, "-i", "m")
	tw.same(t, "postmap", "", true, "-s", "m")
	tw.same(t, "postmap", "", false, "-d", "x", "regexp:m")
	tw.same(t, "postmap", "", false, "-f", "m")
	tw.same(t, "postmap", "", false, "-q", "A", "m")
}

const aliases = `# aliases
Root: admin, "x y"@z ,  /var/log/file
"John Doe": jd
owner-list: a,
  b
cmd: "|/usr/bin/prog -x"
inc: :include:/etc/list
`

func TestPostaliasAgainstPostfix(t *testing.T) {
	tw := newTwin(t, map[string]string{"aliases": aliases})
	tw.same(t, "postalias", "", false, "aliases")
	for _, q := range [][]string{{"-q", "root", "aliases"}, {"-q", "john doe", "aliases"},
		{"-q", "@", "aliases"}, {"-q", "OWNER-LIST", "aliases"}, {"-q", "none", "aliases"}, {"-x"}} {
		tw.same(t, "postalias", "", false, q...)
	}
	tw.same(t, "postalias", "root\ncmd\nnone\n", false, "-q", "-", "aliases")
	r, o := tw.real(t, "postalias", "", "-s", "aliases"), tw.ours(t, "postalias", "", "-s", "aliases")
	if dropYP(r.stdout) != dropYP(o.stdout) {
		t.Errorf("postalias -s\nreal %q\nours %q", r.stdout, o.stdout)
	}
}

// dropYP sorts the lines and blanks the YP_LAST_MODIFIED time.
func dropYP(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "YP_LAST_MODIFIED:") {
			l = "YP_LAST_MODIFIED:"
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
