package users

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/postern/postern/pkg/config"
)

func testConfig(t *testing.T, maincf string) *config.Config {
	t.Helper()
	f, err := config.Parse("main.cf", []byte("compatibility_level = 3.6\nmyhostname = mx.example.com\n"+maincf))
	if err != nil {
		t.Fatal(err)
	}
	return config.New("/etc/postfix", f)
}

func withPasswd(t *testing.T, text string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(path, []byte(text), 0o644)
	old := PasswdFile
	PasswdFile = path
	t.Cleanup(func() { PasswdFile = old })
}

func TestLookup(t *testing.T) {
	withPasswd(t, "# comment\n+nis\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:100:Alice:/home/alice:/bin/sh\n")
	pw, err := Lookup("alice")
	if err != nil || pw == nil || *pw != (Passwd{"alice", 1000, 100, "/home/alice", "/bin/sh"}) {
		t.Fatalf("Lookup(alice) = %+v, %v", pw, err)
	}
	if pw, err := LookupUID(0); err != nil || pw == nil || pw.Name != "root" {
		t.Fatalf("LookupUID(0) = %+v, %v", pw, err)
	}
	if pw, err := Lookup("no-such-user-here"); err != nil || pw != nil {
		t.Fatalf("unknown user: %+v, %v", pw, err)
	}
	if pw, err := Lookup("a:b"); err != nil || pw != nil {
		t.Fatalf("bad name: %+v, %v", pw, err)
	}
}
