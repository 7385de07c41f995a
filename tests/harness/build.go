package harness

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Building the programs an instance runs: each test binary builds them
// once, into one temporary directory, from this module's source. With
// $POSTERN_BIN set (make test sets it to ./bin, which it has just built
// from the same tree) a program found there, built for this module and
// with -race exactly when the tests are, is copied instead: linking
// some thirty programs once more costs half a minute.

var (
	buildMu  sync.Mutex
	binDir   string
	built    = map[string]bool{}
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// moduleRoot is the directory of this module's go.mod.
func moduleRoot() (string, error) {
	rootOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			rootErr = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		rootDir = filepath.Dir(strings.TrimSpace(string(out)))
	})
	return rootDir, rootErr
}

// packageFor maps a program name to its package: cmd/NAME when it has
// Go files, or the test daemon testd.
func packageFor(root, name string) (string, bool) {
	if name == "testd" {
		return "./tests/harness/testd", true
	}
	// A directory without Go files (a program being started in the
	// same tree) is no package yet: skipped like a missing one.
	if files, _ := filepath.Glob(filepath.Join(root, "cmd", name, "*.go")); len(files) > 0 {
		return "./cmd/" + name, true
	}
	return "", false
}

// Build makes sure the named programs are built and returns the
// directory that holds them. Names without a package in this module
// (a master.cf command such as "pipe" that does not exist yet) are
// skipped; the master then logs the failed exec as Postfix would.
func Build(t testing.TB, names ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if binDir == "" {
		if binDir, err = os.MkdirTemp("", "postern-bin-"); err != nil {
			t.Fatal(err)
		}
		os.Chmod(binDir, 0755)
	}
	var pkgs []string
	for _, n := range names {
		if pkg, ok := packageFor(root, n); ok && !built[n] {
			if !copyPrebuilt(t, n, pkg) {
				pkgs = append(pkgs, pkg)
			}
			built[n] = true
		}
	}
	if len(pkgs) == 0 {
		return binDir
	}
	args := []string{"build", "-o", binDir + "/"}
	if raceEnabled {
		args = append(args, "-race") // see race.go
	}
	cmd := exec.Command("go", append(args, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		for _, n := range names {
			delete(built, n)
		}
		t.Fatalf("go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return binDir
}

// Cleanup removes the build directory; call it from TestMain after
// m.Run, or use Main.
func Cleanup() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
		binDir = ""
		built = map[string]bool{}
	}
}

// Main is a TestMain that removes the build directory afterwards and,
// under -race, fails when a program the tests ran reported a race
// (race.go):
//
//	func TestMain(m *testing.M) { harness.Main(m) }
func Main(m *testing.M) {
	raced := raceCatchAll()
	code := m.Run()
	if raced() && code == 0 {
		code = 1
	}
	Cleanup()
	os.Exit(code)
}

// copyPrebuilt copies program name from $POSTERN_BIN into binDir when
// it is there, was built from package pkg of this module and with -race
// exactly when this test binary is; it reports whether it did.
func copyPrebuilt(t testing.TB, name, pkg string) bool {
	dir := os.Getenv("POSTERN_BIN")
	if dir == "" {
		return false
	}
	src := filepath.Join(dir, name)
	info, err := buildinfo.ReadFile(src)
	if err != nil || info.Path != "github.com/postern/postern/"+strings.TrimPrefix(pkg, "./") {
		return false
	}
	race := false
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			race = true
		}
	}
	if race != raceEnabled {
		return false
	}
	if err := copyFile(src, filepath.Join(binDir, name)); err != nil {
		t.Fatalf("harness: copy %s from $POSTERN_BIN: %v", name, err)
	}
	return true
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
