package submit

import (
	"os"
	"path/filepath"

	"github.com/postern/postern/pkg/config"
)

// untrusted reports whether the process runs with privileges its caller
// does not have (set-group-ID postdrop), so that the caller's
// environment and arguments must not choose the configuration
// (util/unsafe.c). The super-user is trusted.
func untrusted() bool {
	if os.Getuid() == 0 && os.Geteuid() == 0 {
		return false
	}
	return os.Geteuid() != os.Getuid() || os.Getegid() != os.Getgid()
}

// CheckConfigDir is mail_conf_checkdir(): a configuration directory
// other than the built-in default must be listed in
// alternate_config_directories or multi_instance_directories of the
// default main.cf (postconf(5) alternate_config_directories).
func CheckConfigDir(r *Reporter, dir string, status int) error {
	path := filepath.Join(config.DefaultConfigDirectory, "main.cf")
	f, err := os.Open(path)
	if err != nil {
		return Fatalf(status, "open file %s: %s", path, Strerror(err))
	}
	defer f.Close()
	found := false
	err = config.LogicalLines(path, f, nil, func(_ int, text string) error {
		name, value, err := config.SplitNameValue(text)
		if err != nil || name != "alternate_config_directories" && name != "multi_instance_directories" {
			return nil
		}
		for _, d := range config.SplitList(value) {
			found = found || d == dir
		}
		return nil
	})
	if err != nil {
		return Fatalf(status, "read file %s: %s", path, Strerror(err))
	}
	if !found {
		r.Error("unauthorized configuration directory name: %s", dir)
		return Fatalf(status, "specify \"alternate_config_directories = %s\" or \"multi_instance_directories = %s\" in %s",
			dir, dir, path)
	}
	return nil
}

// LoadConfig reads main.cf from $MAIL_CONFIG or the default directory,
// checking an untrusted choice first (mail_conf_suck()).
func LoadConfig(r *Reporter, status int) (*config.Config, error) {
	dir := config.ConfigDir("")
	if dir != config.DefaultConfigDirectory && untrusted() {
		if err := CheckConfigDir(r, dir, status); err != nil {
			return nil, err
		}
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, Fatalf(status, "%v", err)
	}
	return cfg, nil
}
