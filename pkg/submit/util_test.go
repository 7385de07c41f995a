package submit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/config"
)

// testConfig returns a Config over main.cf lines in a temporary directory.
func testConfig(t *testing.T, lines ...string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCheckConfigDir(t *testing.T) {
	def := t.TempDir()
	old := config.DefaultConfigDirectory
	config.DefaultConfigDirectory = def
	defer func() { config.DefaultConfigDirectory = old }()
	os.WriteFile(filepath.Join(def, "main.cf"), []byte("alternate_config_directories = /etc/a,\n  /etc/b\nmulti_instance_directories = /etc/m\n"), 0o644)
	var errs strings.Builder
	r := &Reporter{Tag: "postdrop", Stderr: &errs}
	for _, dir := range []string{"/etc/a", "/etc/b", "/etc/m"} {
		if err := CheckConfigDir(r, dir, 1); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
	err := CheckConfigDir(r, "/etc/x", 1)
	want := `specify "alternate_config_directories = /etc/x" or "multi_instance_directories = /etc/x" in ` + def + "/main.cf"
	if err == nil || err.Error() != want {
		t.Errorf("err %v, want %s", err, want)
	}
	if errs.String() != "postdrop: error: unauthorized configuration directory name: /etc/x\n" {
		t.Errorf("stderr %q", errs.String())
	}
}
