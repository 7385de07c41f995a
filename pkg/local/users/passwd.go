// Package users answers the local delivery questions about users: the
// password database as getpwnam(3) sees it (mypwd.c). It is a
// data-layer package used by the local agent. The unknown-recipient
// check at RCPT time (local_recipient_maps, "User unknown in local
// recipient table") is smtpd's, in pkg/smtpd/restrictions_rcptmaps.go.
package users

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Passwd is a password database entry (struct mypasswd).
type Passwd struct {
	Name     string
	UID, GID int
	Home     string
	Shell    string
}

// Lookup finds a user by name (mypwnam_err()): nil when there is no
// such user, an error when the lookup itself failed. /etc/passwd is read
// first; other name services are asked through getent(1), so that users
// from LDAP or sssd are found as getpwnam(3) finds them.
func Lookup(name string) (*Passwd, error) {
	return lookupPasswd(func(pw *Passwd) bool { return pw.Name == name }, name)
}

// LookupUID finds a user by user ID (mypwuid_err()).
func LookupUID(uid int) (*Passwd, error) {
	return lookupPasswd(func(pw *Passwd) bool { return pw.UID == uid }, strconv.Itoa(uid))
}

// PasswdFile is the local password file (a variable for tests).
var PasswdFile = "/etc/passwd"

func lookupPasswd(match func(*Passwd) bool, key string) (*Passwd, error) {
	if key == "" || strings.ContainsAny(key, ":\n") {
		return nil, nil
	}
	data, err := os.ReadFile(PasswdFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if pw := scanPasswd(data, match); pw != nil {
		return pw, nil
	}
	out, err := exec.Command("getent", "passwd", "--", key).Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return nil, nil // not found
	case errors.Is(err, exec.ErrNotFound):
		return nil, nil // no other name services to ask
	case err != nil:
		return nil, fmt.Errorf("getent passwd %s: %v", key, err)
	}
	return scanPasswd(out, match), nil
}

// scanPasswd returns the first entry of a passwd(5) text that matches.
func scanPasswd(data []byte, match func(*Passwd) bool) *Passwd {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 7 || f[0] == "" || f[0][0] == '+' || f[0][0] == '-' {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		pw := &Passwd{Name: f[0], UID: uid, GID: gid, Home: f[5], Shell: f[6]}
		if match(pw) {
			return pw
		}
	}
	return nil
}
