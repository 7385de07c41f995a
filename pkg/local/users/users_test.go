package users

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
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

func TestRecipientMaps(t *testing.T) {
	aliases := filepath.Join(t.TempDir(), "aliases")
	os.WriteFile(aliases, []byte("sales root\n"), 0o644)
	cfg := testConfig(t, "recipient_delimiter = +\nalias_maps = nis:mail.aliases texthash:"+aliases+
		"\nlocal_recipient_maps = proxy:unix:passwd.byname $alias_maps\n")
	rm, err := OpenRecipientMaps(cfg, dict.Options{Param: cfg.Get})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	for addr, want := range map[string]bool{
		"root@mx.example.com": true, "Root+news@mx.example.com": true, "sales@mx.example.com": true,
		"bob@mx.example.com": false, "postmaster@mx.example.com": true, "mailer-daemon@localhost": true,
		"double-bounce@mx.example.com": true, "postmasterx@mx.example.com": false,
	} {
		got, err := rm.Known(addr)
		if err != nil || got != want {
			t.Errorf("Known(%s) = %v, %v; want %v", addr, got, err, want)
		}
	}

}

func TestRecipientMapsEmpty(t *testing.T) {
	cfg := testConfig(t, "local_recipient_maps =\n")
	known, err := RecipientKnown(cfg, "anyone@mx.example.com")
	if err != nil || !known {
		t.Fatalf("empty local_recipient_maps: %v %v", known, err)
	}
	cfg = testConfig(t, "local_recipient_maps = unix:nosuch.byname\n")
	if _, err := RecipientKnown(cfg, "x@y"); err == nil {
		t.Fatal("unix:nosuch.byname accepted")
	}
}
