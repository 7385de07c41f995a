package dict

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnixTables(t *testing.T) {
	d := openSpec(t, "unix:passwd.byname", FoldFix)
	v, ok, err := d.Lookup("ROOT")
	if err != nil || !ok || !strings.HasPrefix(v, "root:") || strings.Count(v, ":") != 6 {
		t.Errorf("root: %q %v %v", v, ok, err)
	}
	if _, ok, err := d.Lookup("no-such-user-here"); ok || err != nil {
		t.Errorf("unknown user: %v %v", ok, err)
	}
	g := openSpec(t, "unix:group.byname", 0)
	if v, ok, _ := g.Lookup("root"); !ok || !strings.HasPrefix(v, "root:") || strings.Count(v, ":") != 3 {
		t.Errorf("group root: %q", v)
	}
	if e := openErr("unix:hosts.byname"); e != "unknown table: unix:hosts.byname" {
		t.Errorf("unknown unix table: %q", e)
	}
	if FlagsOf(d)&Fixed == 0 {
		t.Errorf("unix: tables have fixed keys")
	}
	f := &unixDict{path: filepath.Join(t.TempDir(), "passwd")}
	os.WriteFile(f.path, []byte("short:x:1\n"), 0o644)
	if v, ok, _ := f.Lookup("short"); !ok || v != "short:x:1::::" {
		t.Errorf("short line: %q", v)
	}
}

func TestNISWithoutDomain(t *testing.T) {
	saved := domainnameFile
	defer func() { domainnameFile = saved }()
	domainnameFile = filepath.Join(t.TempDir(), "domainname")
	os.WriteFile(domainnameFile, []byte("(none)\n"), 0o644)
	d := openSpec(t, "nis:mail.aliases", 0)
	if _, ok, err := d.Lookup("root"); ok || err != nil {
		t.Errorf("nis lookup: %v %v", ok, err)
	}
	os.WriteFile(domainnameFile, []byte("corp\n"), 0o644)
	if e := openErr("nis:mail.aliases"); !strings.Contains(e, "NIS lookups are not supported") {
		t.Errorf("with a NIS domain: %q", e)
	}
}
