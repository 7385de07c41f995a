package dict

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The real Postfix postmap is the behaviour oracle: tests run it on a
// private copy of each table (never /etc/postfix) with a private
// configuration directory.
const realPostmap = "/usr/sbin/postmap"

func needPostfix(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realPostmap); err != nil {
		t.Skip("real Postfix postmap not installed")
	}
}

// oracleConfig writes a main.cf like Debian's (compatibility_level 3.6).
func oracleConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.cf"), "compatibility_level = 3.6\n")
	return dir
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
}

// runReal runs the real postmap in dir and returns stdout, stderr, status.
func runReal(t *testing.T, dir, cfg string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(realPostmap, append([]string{"-c", cfg}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("postmap: %v", err)
	}
	return out.String(), errb.String(), code
}

// realQuery returns what the real "postmap -q key spec" says.
func realQuery(t *testing.T, dir, cfg, spec, key string) (string, bool) {
	t.Helper()
	out, errs, code := runReal(t, dir, cfg, "", "-q", key, spec)
	if code > 1 || strings.Contains(errs, "fatal") {
		t.Fatalf("postmap -q %q %s: %s", key, spec, errs)
	}
	return strings.TrimSuffix(out, "\n"), code == 0
}

// twinTable writes the same source into two directories: one for the
// real postmap and one for Postern, and builds indexed tables in both.
type twinTable struct {
	realDir, ourDir, cfg, file string
}

func newTwin(t *testing.T, file, source string, indexed bool) *twinTable {
	t.Helper()
	tw := &twinTable{realDir: t.TempDir(), ourDir: t.TempDir(), cfg: oracleConfig(t), file: file}
	writeFile(t, filepath.Join(tw.realDir, file), source)
	writeFile(t, filepath.Join(tw.ourDir, file), source)
	if indexed {
		if _, errs, code := runReal(t, tw.realDir, tw.cfg, "", "hash:"+file); code != 0 {
			t.Fatalf("real postmap build: %s", errs)
		}
		o := BuildOptions{Flags: FoldFix | DupWarn}
		if err := BuildMap("hash", filepath.Join(tw.ourDir, file), o); err != nil {
			t.Fatal(err)
		}
	}
	return tw
}

// open opens our copy of the table as typ:file.
func (tw *twinTable) open(t *testing.T, typ string) Dict {
	t.Helper()
	d, err := Open(typ+":"+filepath.Join(tw.ourDir, tw.file), Options{Flags: MapsFlags | DupWarn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// realQueries does one literal lookup per key with "postmap -q -"
// (one process for all keys) and returns the hits.
func realQueries(t *testing.T, dir, cfg, spec string, keys []string) map[string]string {
	t.Helper()
	out, errs, code := runReal(t, dir, cfg, strings.Join(keys, "\n")+"\n", "-q", "-", spec)
	if code > 1 || strings.Contains(errs, "fatal") {
		t.Fatalf("postmap -q - %s: %s", spec, errs)
	}
	hits := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok {
			hits[k] = v
		}
	}
	return hits
}

// compareKeys checks each key against the real postmap.
func (tw *twinTable) compareKeys(t *testing.T, typ string, d Dict, keys []string) {
	t.Helper()
	real := realQueries(t, tw.realDir, tw.cfg, typ+":"+tw.file, keys)
	for _, k := range keys {
		want, wantOK := real[k]
		got, gotOK, err := d.Lookup(k)
		if err != nil {
			t.Errorf("%s %q: %v", typ, k, err)
			continue
		}
		if got != want || gotOK != wantOK {
			t.Errorf("%s lookup %q: got (%q, %v), real postmap (%q, %v)", typ, k, got, gotOK, want, wantOK)
		}
	}
}
