package control

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/postern/postern/pkg/server"
)

// Directories and files with their owners and modes, from Postfix's
// postfix-files; post-install create-missing and set-permissions apply
// them.

// entry is one line of postfix-files that Postern manages.
type entry struct {
	param     string // directory parameter the path is relative to
	name      string // "" for the directory itself
	dir       bool
	owner     string // "root" or "$mail_owner"
	group     string // "" (unchanged), or "$setgid_group"
	mode      os.FileMode
	create    bool // 'c': created by create-missing
	recursive bool // 'r': set-permissions applies the owner to the contents
}

// queueDirs are the queue directories owned by $mail_owner, mode 0700:
// Postfix's, plus Postern's recycle directory of finished message files
// waiting to be reused (pkg/queue recycle.go).
var queueDirs = []string{"active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "recycle", "saved", "trace"}

func postfixFiles() []entry {
	e := []entry{
		{param: "data_directory", dir: true, owner: "$mail_owner", mode: 0700, create: true},
		{param: "queue_directory", dir: true, owner: "root", mode: 0755, create: true},
	}
	for _, d := range queueDirs {
		e = append(e, entry{param: "queue_directory", name: d, dir: true, owner: "$mail_owner", mode: 0700, create: true, recursive: true})
	}
	return append(e,
		entry{param: "queue_directory", name: "private", dir: true, owner: "$mail_owner", mode: 0700, create: true},
		entry{param: "queue_directory", name: "maildrop", dir: true, owner: "$mail_owner", group: "$setgid_group", mode: 0730, create: true},
		entry{param: "queue_directory", name: "public", dir: true, owner: "$mail_owner", group: "$setgid_group", mode: 0710, create: true},
		entry{param: "queue_directory", name: "pid", dir: true, owner: "root", mode: 0755, create: true},
		entry{param: "command_directory", name: "postdrop", owner: "root", group: "$setgid_group", mode: 0755 | os.ModeSetgid},
		entry{param: "command_directory", name: "postqueue", owner: "root", group: "$setgid_group", mode: 0755 | os.ModeSetgid},
		entry{param: "command_directory", name: "postlog", owner: "root", group: "$setgid_group", mode: 0755 | os.ModeSetgid},
		entry{param: "config_directory", name: "main.cf", owner: "root", mode: 0644},
		entry{param: "config_directory", name: "master.cf", owner: "root", mode: 0644},
	)
}

// ids resolves an entry's owner and group to numbers (-1: unchanged).
func (c *cmd) ids(e entry) (uid, gid int, err error) {
	uid, gid = 0, -1
	if e.owner == "$mail_owner" {
		o, err := server.LookupOwner(c.cfg.Get("mail_owner"))
		if err != nil {
			return 0, 0, err
		}
		uid = o.UID
	}
	if e.group == "$setgid_group" {
		name := c.cfg.Get("setgid_group")
		g, err := user.LookupGroup(name)
		if err != nil {
			return 0, 0, fmt.Errorf("unknown group: %s", name)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}

// createMissing is post-install create-missing: create each missing
// directory with its owner and mode.
func (c *cmd) createMissing() error {
	for _, e := range postfixFiles() {
		path := c.path(e.param, e.name)
		if !e.create {
			continue
		}
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := os.MkdirAll(path, 0755); err != nil {
			return err
		}
		if err := c.apply(e, path, false); err != nil {
			return err
		}
	}
	return nil
}

// apply sets one entry's owner, group and mode (ownership only as root).
func (c *cmd) apply(e entry, path string, recursive bool) error {
	if c.root {
		uid, gid, err := c.ids(e)
		if err != nil {
			return err
		}
		if err := chown(path, uid, gid, recursive); err != nil {
			return err
		}
	}
	return os.Chmod(path, e.mode)
}

func chown(path string, uid, gid int, recursive bool) error {
	if !recursive {
		return os.Lchown(path, uid, gid)
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// setPermissions is "postfix set-permissions": create what is missing,
// then set the owner and mode of every entry that exists.
func (c *cmd) setPermissions() int {
	if err := c.createMissing(); err != nil {
		c.fatal("unable to create missing queue directories: %v", err)
	}
	for _, e := range postfixFiles() {
		path := c.path(e.param, e.name)
		if !fileExists(path) {
			continue
		}
		if err := c.apply(e, path, e.recursive); err != nil {
			c.fatal("set-permissions %s: %v", path, err)
		}
	}
	return 0
}
