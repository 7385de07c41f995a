package server

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"github.com/postern/postern/pkg/config"
)

// Owner is a user's numeric identity: $mail_owner for the master and
// the daemons.
type Owner struct {
	Name   string
	UID    int
	GID    int
	Groups []int // supplementary groups, as initgroups(3) sets them
}

// LookupOwner finds a user by name, with Postfix's message when the user
// does not exist (mail_params.c check_mail_owner).
func LookupOwner(name string) (Owner, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return Owner{}, fmt.Errorf("unknown user: %s", name)
	}
	o := Owner{Name: name}
	o.UID, _ = strconv.Atoi(u.Uid)
	o.GID, _ = strconv.Atoi(u.Gid)
	ids, _ := u.GroupIds()
	o.Groups = []int{o.GID}
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil && g != o.GID {
			o.Groups = append(o.Groups, g)
		}
	}
	return o, nil
}

// dropPrivileges is Postfix's chroot_uid(): look up $mail_owner while
// the user database is still visible, chroot to $queue_directory, then
// set the groups and the user. A process that is not root has nothing to
// drop and keeps running as it is; the master logs that once.
func dropPrivileges(cfg *config.Config, chroot, unpriv bool) error {
	if os.Geteuid() != 0 {
		return nil
	}
	var owner Owner
	if unpriv {
		var err error
		if owner, err = LookupOwner(cfg.Get("mail_owner")); err != nil {
			return err
		}
	}
	if chroot {
		dir := cfg.Get("queue_directory")
		if err := syscall.Chroot(dir); err != nil {
			return fmt.Errorf("chroot(%s): %s", dir, errText(err))
		}
		if err := os.Chdir("/"); err != nil {
			return fmt.Errorf("chdir(/): %s", errText(err))
		}
	}
	if !unpriv {
		return nil
	}
	if err := syscall.Setgroups(owner.Groups); err != nil {
		return fmt.Errorf("initgroups: %s", errText(err))
	}
	if err := syscall.Setgid(owner.GID); err != nil {
		return fmt.Errorf("setgid(%d): %s", owner.GID, errText(err))
	}
	if err := syscall.Setuid(owner.UID); err != nil {
		return fmt.Errorf("setuid(%d): %s", owner.UID, errText(err))
	}
	return nil
}
