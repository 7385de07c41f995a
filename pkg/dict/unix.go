package dict

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"strings"

	"golang.org/x/sys/unix"
)

func init() { register("unix", openUnix) }

// unixDict is util/dict_unix.c: unix:passwd.byname and unix:group.byname,
// the system's user and group databases. A passwd entry reads
// "name:passwd:uid:gid:gecos:dir:shell", a group entry
// "name:passwd:gid:member,member". The default local_recipient_maps
// (proxy:unix:passwd.byname $alias_maps) uses it to know local users.
//
// Entries come from /etc/passwd and /etc/group (the "files" source of
// nsswitch.conf), then from the C library's getpwnam()/getgrnam()
// through os/user, so that LDAP or sssd users are known too. /etc is
// opened when the table is, so that a daemon that then chroots into
// the queue directory still reads the current files (Postfix's smtpd
// gets the same effect through proxy:unix:passwd.byname and proxymap).
// XXX: for users from other sources the password and shell fields are
// empty (os/user does not report them), and inside a chroot only the
// files are read.
type unixDict struct {
	group bool
	fold  bool
	dir   *os.File // /etc, opened before any chroot
	file  string   // "passwd" or "group" in dir
	path  string   // the file by name, when dir is nil (tests)
}

func openUnix(name string, opts Options) (Dict, error) {
	d := &unixDict{fold: opts.Flags&FoldFix != 0}
	switch name {
	case "passwd.byname":
		d.file = "passwd"
	case "group.byname":
		d.group, d.file = true, "group"
	default:
		return nil, fmt.Errorf("unknown table: unix:%s", name)
	}
	dir, err := os.Open("/etc")
	if err != nil {
		return nil, fmt.Errorf("unix:%s: %v", name, err)
	}
	d.dir = dir
	return d, nil
}

func (d *unixDict) Flags() Flags { return Fixed }

func (d *unixDict) Close() error {
	if d.dir != nil {
		return d.dir.Close()
	}
	return nil
}

func (d *unixDict) Lookup(key string) (string, bool, error) {
	if d.fold {
		key = foldKey(key)
	}
	if key == "" || strings.ContainsAny(key, ":\n") {
		return "", false, nil
	}
	v, found, fileErr := d.fromFile(key)
	if found {
		return v, true, nil
	}
	v, found, err := d.fromLibc(key)
	if found || err == nil {
		return v, found, nil
	}
	if fileErr != nil {
		// As dict_unix_getpwnam(): the database itself is unreadable.
		what := map[bool]string{false: "password", true: "group"}[d.group]
		return "", false, fmt.Errorf("table unix:%s: cannot access UNIX %s database: %v", d.name(), what, fileErr)
	}
	return "", false, nil
}

func (d *unixDict) name() string {
	if d.group {
		return "group.byname"
	}
	return "passwd.byname"
}

// openFile opens /etc/passwd or /etc/group through the /etc descriptor.
func (d *unixDict) openFile() (*os.File, error) {
	if d.dir == nil {
		return os.Open(d.path)
	}
	fd, err := unix.Openat(int(d.dir.Fd()), d.file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/etc/" + d.file, Err: err}
	}
	return os.NewFile(uintptr(fd), "/etc/"+d.file), nil
}

// fromFile finds key's line in /etc/passwd or /etc/group.
func (d *unixDict) fromFile(key string) (string, bool, error) {
	f, err := d.openFile()
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, _, ok := strings.Cut(line, ":"); ok && name == key {
			return d.format(line), true, nil
		}
	}
	return "", false, sc.Err()
}

// format normalizes a database line to the fields dict_unix prints.
func (d *unixDict) format(line string) string {
	f := strings.Split(line, ":")
	if d.group {
		for len(f) < 4 {
			f = append(f, "")
		}
		return strings.Join(f[:4], ":")
	}
	for len(f) < 7 {
		f = append(f, "")
	}
	return strings.Join(f[:7], ":")
}

// fromLibc asks the C library (NSS) through os/user.
func (d *unixDict) fromLibc(key string) (string, bool, error) {
	if d.group {
		g, err := user.LookupGroup(key)
		if err != nil {
			return "", false, notFoundOrErr(err)
		}
		return g.Name + "::" + g.Gid + ":", true, nil
	}
	u, err := user.Lookup(key)
	if err != nil {
		return "", false, notFoundOrErr(err)
	}
	return strings.Join([]string{u.Username, "", u.Uid, u.Gid, u.Name, u.HomeDir, ""}, ":"), true, nil
}

func notFoundOrErr(err error) error {
	switch err.(type) {
	case user.UnknownUserError, user.UnknownGroupError:
		return nil
	}
	return err
}
