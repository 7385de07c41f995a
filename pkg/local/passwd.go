package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/mailbox"
)

// passwd is a password database entry (struct mypasswd).
type passwd struct {
	name     string
	uid, gid int
	home     string
	shell    string
}

func (pw *passwd) cred() mailbox.Cred { return mailbox.Cred{UID: pw.uid, GID: pw.gid} }

// attr returns the user attributes for delivery as this user
// (SET_USER_ATTR).
func (pw *passwd) attr() userAttr {
	return userAttr{uid: pw.uid, gid: pw.gid, home: some(pw.home), logname: some(pw.name), shell: some(pw.shell)}
}

// lookupUser finds a user by name (mypwnam_err()): nil when there is no
// such user, an error when the lookup itself failed. /etc/passwd is read
// first; other name services are asked through getent(1), so that users
// from LDAP or sssd are found as getpwnam(3) finds them.
func lookupUser(name string) (*passwd, error) {
	return lookupPasswd(func(pw *passwd) bool { return pw.name == name }, name)
}

// lookupUID finds a user by user ID (mypwuid_err()).
func lookupUID(uid int) (*passwd, error) {
	return lookupPasswd(func(pw *passwd) bool { return pw.uid == uid }, strconv.Itoa(uid))
}

// passwdFile is the local password file (a variable for tests).
var passwdFile = "/etc/passwd"

func lookupPasswd(match func(*passwd) bool, key string) (*passwd, error) {
	if key == "" || strings.ContainsAny(key, ":\n") {
		return nil, nil
	}
	data, err := os.ReadFile(passwdFile)
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
func scanPasswd(data []byte, match func(*passwd) bool) *passwd {
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
		pw := &passwd{name: f[0], uid: uid, gid: gid, home: f[5], shell: f[6]}
		if match(pw) {
			return pw
		}
	}
	return nil
}
