package control

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// checkFatal is postfix-script check-fatal: what must hold before the
// master may start. Problems are logged; the result says whether all
// is well.
func (c *cmd) checkFatal() bool {
	if err := c.createMissing(); err != nil {
		c.script.Log(maillog.LevelFatal, "unable to create missing queue directories")
		return false
	}
	// post-install create-missing runs postconf before the master.cf
	// test: its warnings come first, a missing master.cf among them.
	if !c.runPostconf() {
		return false
	}
	mf, err := config.ReadMaster(c.path("config_directory", "master.cf"))
	if os.IsNotExist(err) {
		c.script.Log(maillog.LevelFatal, "no "+c.dir+"/master.cf file found")
		return false
	}
	if c.cfg.Get("maillog_file") != "" && !hasService(mf, "postlog", "unix-dgram") {
		c.script.Log(maillog.LevelFatal, "missing 'postlog' service in master.cf - run 'postfix upgrade-configuration'")
		return false
	}
	if postsuper, ok := c.postsuper(); ok && c.exec(postsuper) != 0 {
		return false
	}
	return true
}

func hasService(mf *config.MasterFile, name, typ string) bool {
	if mf == nil {
		return false
	}
	for _, s := range mf.Services {
		if s.Name == name && s.Type == typ {
			return true
		}
	}
	return false
}

// runPostconf runs "postconf -h maillog_file" as postfix-script does:
// its warnings (unused parameter, undefined parameter) reach the
// administrator; its output is not needed.
//
// XXX: a missing postconf is skipped with a warning where postfix-script
// fails, as for postsuper.
func (c *cmd) runPostconf() bool {
	path := c.path("command_directory", "postconf")
	if !fileExists(path) {
		c.warn("%s not found: main.cf not checked for unused parameters", path)
		return true
	}
	cmd := exec.Command(path, "-h", "maillog_file")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		c.script.Log(maillog.LevelFatal, "cannot execute "+path+"!")
		return false
	}
	return true
}

// checkWarn is postfix-script check-warn: ownership and mode warnings.
func (c *cmd) checkWarn() {
	c.checkParamValues()
	q := c.qdir
	owner := c.cfg.Get("mail_owner")
	ownerID := -1
	if o, err := server.LookupOwner(owner); err == nil {
		ownerID = o.UID
	}
	for _, p := range []string{q + "/.", q + "/pid"} {
		c.checkOne(p, 0, "root")
	}
	for _, dir := range c.rootTrees() {
		c.walk(dir+"/.", func(p string, st *syscall.Stat_t) { c.checkOwnerMode(p, st, 0, "root") })
	}
	data := c.cfg.Get("data_directory")
	c.walk(data+"/.", func(p string, st *syscall.Stat_t) { c.checkOwnerMode(p, st, ownerID, owner) })
	c.checkQueueOwner(ownerID, owner)
	c.checkGroups()
	c.checkJail()
	c.walk("corrupt", func(p string, st *syscall.Stat_t) {
		if st.Mode&syscall.S_IFMT == syscall.S_IFREG {
			c.warn("damaged message: %s", p)
		}
	})
	c.checkSendmail()
}

// checkOne checks one path (find -prune) for owner and write modes.
func (c *cmd) checkOne(p string, uid int, name string) {
	var st syscall.Stat_t
	if syscall.Lstat(p, &st) == nil {
		c.checkOwnerMode(p, &st, uid, name)
	}
}

func (c *cmd) checkOwnerMode(p string, st *syscall.Stat_t, uid int, name string) {
	if int(st.Uid) != uid {
		c.warn("not owned by %s: %s", name, p)
	}
	mode := st.Mode
	if mode&syscall.S_IFMT == syscall.S_IFLNK {
		// find -L: the mode check follows symbolic links (a link's own
		// mode is always 0777), the owner check does not.
		var target syscall.Stat_t
		if syscall.Stat(p, &target) != nil {
			return
		}
		mode = target.Mode
	}
	if mode&0o022 != 0 {
		c.warn("group or other writable: %s", p)
	}
}

// rootTrees are the root-owned trees: the configuration directory and,
// unless this instance is a secondary one of a multi-instance setup,
// the shared program and meta directories.
func (c *cmd) rootTrees() []string {
	todo := []string{c.dir}
	if c.checkShared() {
		todo = append(todo, c.cfg.Get("daemon_directory"), c.cfg.Get("meta_directory"))
		if shlib := c.cfg.Get("shlib_directory"); shlib != "no" {
			todo = append(todo, shlib)
		}
	}
	slices.Sort(todo)
	return slices.Compact(todo)
}

// checkShared: an instance listed in the default instance's
// multi_instance_directories does not check the shared files.
func (c *cmd) checkShared() bool {
	def, err := config.Load(config.DefaultConfigDirectory)
	if err != nil {
		return true
	}
	for _, d := range config.SplitList(def.Get("multi_instance_directories")) {
		if d == c.dir && d != config.DefaultConfigDirectory {
			return false
		}
	}
	return true
}

// walk calls fn for root and everything below it, with paths spelled as
// find(1) prints them.
func (c *cmd) walk(root string, fn func(string, *syscall.Stat_t)) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != root {
			p = root + strings.TrimPrefix(p, filepath.Clean(root))
		}
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) == nil {
			fn(p, &st)
		}
		return nil
	})
}

func (c *cmd) checkQueueOwner(uid int, name string) {
	mine := []string{"saved", "incoming", "active", "defer", "deferred", "bounce", "hold", "trace", "corrupt", "public", "private", "flush", "recycle"}
	for _, d := range mine {
		c.walk(c.qdir+"/"+d, func(p string, st *syscall.Stat_t) {
			t := st.Mode & syscall.S_IFMT
			if t != syscall.S_IFIFO && t != syscall.S_IFSOCK && int(st.Uid) != uid {
				c.warn("not owned by %s: %s", name, p)
			}
		})
	}
	var st syscall.Stat_t
	if syscall.Lstat(c.qdir+"/maildrop", &st) == nil && int(st.Uid) != uid {
		c.warn("not owned by %s: %s/maildrop", name, c.qdir)
	}
}

func (c *cmd) checkGroups() {
	group := c.cfg.Get("setgid_group")
	gid := -1
	if _, g, err := c.ids(entry{group: "$setgid_group"}); err == nil {
		gid = g
	}
	todo := []string{c.qdir + "/public", c.qdir + "/maildrop"}
	progs := []string{c.path("command_directory", "postqueue"), c.path("command_directory", "postdrop")}
	if c.checkShared() {
		todo = append(progs, todo...)
	}
	for _, p := range todo {
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) == nil && int(st.Gid) != gid {
			c.warn("not owned by group %s: %s", group, p)
		}
	}
	if !c.checkShared() {
		return
	}
	for _, p := range progs {
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) == nil && st.Mode&0o2111 != 0o2111 {
			c.warn("not set-gid or not owner+group+world executable: %s", p)
		}
	}
}

// checkJail compares the chroot jail's copies with the originals.
func (c *cmd) checkJail() {
	for _, dir := range []string{"bin", "etc", "lib", "sbin", "usr"} {
		c.walk(dir, func(p string, st *syscall.Stat_t) {
			if st.Uid != 0 {
				c.warn("not owned by root: %s/%s", c.qdir, p)
			}
			if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
				return
			}
			if orig, err := os.ReadFile("/" + p); err == nil {
				if copyData, err := os.ReadFile(p); err != nil || !bytes.Equal(orig, copyData) {
					c.warn("%s/%s and /%s differ", c.qdir, p, p)
				}
			}
		})
	}
}

func (c *cmd) checkSendmail() {
	if !c.checkShared() {
		return
	}
	a, errA := os.ReadFile("/usr/sbin/sendmail")
	b, errB := os.ReadFile("/usr/lib/sendmail")
	if errA == nil && errB == nil && !bytes.Equal(a, b) {
		c.warn("/usr/lib/sendmail and /usr/sbin/sendmail differ")
		c.warn("Replace one by a symbolic link to the other")
	}
}

// checkParamValues warns about each parameter that main.cf sets to a
// value its type does not allow (the global ones were fatal already):
// the daemon that reads it would stop with that message.
//
// XXX: Postfix's check does not look at these; its daemons fail at run
// time instead.
func (c *cmd) checkParamValues() {
	names := make([]string, 0, len(c.cfg.Main.Map))
	for name := range c.cfg.Main.Map {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if isGlobalParam(name) {
			continue
		}
		if err := checkValue(c.cfg, name); err != nil {
			c.warn("%s/main.cf: %v", c.dir, err)
		}
	}
	c.checkMyorigin()
}

// checkMyorigin: Debian builds Postfix with MYORIGIN_FROM_FILE, where
// "myorigin = /etc/mailname" means the name in that file (pkg/config reads
// it); a missing or empty file would stop every daemon, so say so here.
func (c *cmd) checkMyorigin() {
	if _, err := c.cfg.Value("myorigin"); err != nil {
		c.warn("%s/main.cf: %v", c.dir, err)
	}
}
