package control

import (
	"io"
	"os"
	"path/filepath"

	"github.com/postern/postern/pkg/config"
)

// jailFiles are the system files that programs in the chroot jail
// ($queue_directory) need: Go's resolver reads resolv.conf, hosts,
// nsswitch.conf and services; the time package reads localtime. The list
// is the one Debian's configure-instance.sh copies.
var jailFiles = []string{
	"etc/localtime", "etc/services", "etc/resolv.conf", "etc/hosts",
	"etc/host.conf", "etc/nsswitch.conf", "etc/nss_mdns.config",
}

// copyChrootFiles refreshes the jail's copies before the master starts,
// when running as root and some service runs chrooted.
func (c *cmd) copyChrootFiles() {
	if !c.root || !c.anyChroot() {
		return
	}
	for _, name := range jailFiles {
		if err := copyFile("/"+name, filepath.Join(c.qdir, name)); err != nil && !os.IsNotExist(err) {
			c.warn("cannot copy /%s to %s/%s: %v", name, c.qdir, name, err)
		}
	}
}

func (c *cmd) anyChroot() bool {
	mf, err := config.ReadMaster(c.path("config_directory", "master.cf"))
	if err != nil {
		return false
	}
	for _, s := range mf.Services {
		if s.IsChroot(c.cfg) {
			return true
		}
	}
	return false
}

// copyFile copies src (following symbolic links) to dst through a
// temporary file, keeping the mode, owned by root.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
