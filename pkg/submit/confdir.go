package submit

import (
	"errors"

	"github.com/postern/postern/pkg/config"
)

// CheckConfigDir is config.CheckSetgidConfigDir (mail_conf_checkdir())
// with Postfix's messages: "error: unauthorized configuration directory
// name" and a fatal error with status.
func CheckConfigDir(r *Reporter, dir string, status int) error {
	err := config.CheckSetgidConfigDir(dir)
	var ue *config.UnauthorizedDirError
	if errors.As(err, &ue) {
		r.Error("%s", ue.Complaint())
	}
	if err != nil {
		return Fatalf(status, "%v", err)
	}
	return nil
}

// LoadConfig reads main.cf from $MAIL_CONFIG or the default directory,
// checking an untrusted choice first (mail_conf_suck()).
func LoadConfig(r *Reporter, status int) (*config.Config, error) {
	dir := config.ConfigDir("")
	if dir != config.DefaultConfigDirectory && config.Unsafe() {
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
