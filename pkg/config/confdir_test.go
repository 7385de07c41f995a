package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckSetgidConfigDir(t *testing.T) {
	def := t.TempDir()
	old := DefaultConfigDirectory
	DefaultConfigDirectory = def
	defer func() { DefaultConfigDirectory = old }()
	if err := CheckSetgidConfigDir("/etc/a"); err == nil || err.Error() != "open file "+def+"/main.cf: No such file or directory" {
		t.Errorf("without main.cf: %v", err)
	}
	os.WriteFile(filepath.Join(def, "main.cf"), []byte("alternate_config_directories = /etc/a,\n  /etc/b\nmulti_instance_directories = /etc/m\n"), 0o644)
	for _, dir := range []string{"/etc/a", "/etc/b", "/etc/m"} {
		if err := CheckSetgidConfigDir(dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
	err := CheckSetgidConfigDir("/etc/x")
	var ue *UnauthorizedDirError
	if !errors.As(err, &ue) || ue.Complaint() != "unauthorized configuration directory name: /etc/x" ||
		err.Error() != `specify "alternate_config_directories = /etc/x" or "multi_instance_directories = /etc/x" in `+def+"/main.cf" {
		t.Errorf("err %v", err)
	}
}
