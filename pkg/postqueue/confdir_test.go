package postqueue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/postern/postern/pkg/config"
)

// TestUnauthorizedConfigDir: run set-group-ID, postqueue refuses a
// configuration directory that the default main.cf does not list, with
// Postfix's two messages (mail_conf_checkdir); a listed one is read.
func TestUnauthorizedConfigDir(t *testing.T) {
	def := t.TempDir()
	old := config.DefaultConfigDirectory
	config.DefaultConfigDirectory = def
	defer func() { config.DefaultConfigDirectory = old }()
	dir, _ := testConfig(t)
	os.WriteFile(filepath.Join(def, "main.cf"), []byte("alternate_config_directories = /etc/other\n"), 0o644)
	run := func(untrusted bool) (string, int) {
		var out, errb bytes.Buffer
		st := Run(Env{Args: []string{"postqueue", "-c", dir, "-s", "bad site"}, Stdout: &out, Stderr: &errb, UID: 1000, EUID: 1000, Untrusted: untrusted})
		return errb.String(), st
	}
	want := "postqueue: error: unauthorized configuration directory name: " + dir + "\n" +
		"postqueue: fatal: specify \"alternate_config_directories = " + dir + "\" or \"multi_instance_directories = " + dir + "\" in " + def + "/main.cf\n"
	if errs, st := run(true); st != 69 || errs != want {
		t.Errorf("set-group-ID: status %d, stderr %q", st, errs)
	}
	// Not set-group-ID: no check; the site is refused after the
	// configuration is read.
	const badSite = "postqueue: fatal: Cannot flush mail queue - invalid destination: \"bad site\"\n"
	if errs, st := run(false); st != 69 || errs != badSite {
		t.Errorf("not set-group-ID: status %d, stderr %q", st, errs)
	}
	os.WriteFile(filepath.Join(def, "main.cf"), []byte("multi_instance_directories = "+dir+"\n"), 0o644)
	if errs, st := run(true); st != 69 || errs != badSite {
		t.Errorf("authorized: status %d, stderr %q", st, errs)
	}
}
