package submit

import (
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/resolve"
)

// CheckSubmitACL applies authorized_submit_users to the real user
// (check_user_acl_byuid()): nil when the user may submit mail, else the
// fatal error "User NAME(UID) is not allowed to submit mail". A
// "static:" list allows everyone without a password file lookup; a user
// without a password entry is "unknown".
func CheckSubmitACL(cfg *config.Config, status int) error {
	acl := cfg.Get("authorized_submit_users")
	if strings.HasPrefix(acl, "static:") {
		return nil
	}
	uid := os.Getuid()
	name := "unknown"
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		name = u.Username
	}
	list, err := resolve.NewStringList("authorized_submit_users", acl, dict.Options{Param: cfg.Get})
	if err != nil {
		return Fatalf(status, "%v", err)
	}
	defer list.Close()
	ok, err := list.Match(name)
	if err != nil {
		return Fatalf(status, "%v", err)
	}
	if !ok {
		return Fatalf(status, "User %s(%d) is not allowed to submit mail", name, uid)
	}
	return nil
}

// LoginName is username(): the login name of the real user ID.
func LoginName() (string, bool) {
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		return "", false
	}
	return u.Username, true
}
