package master

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/server"
)

// The master's locks (master.c): $queue_directory/pid/master.pid and
// $data_directory/master.lock, each held with an exclusive flock for the
// master's lifetime and holding its process id right-aligned in 32
// columns and a newline ("%*lu\n" with the width of 4 × sizeof(long)).

// PidFile is the master's lock file, relative to $queue_directory.
const PidFile = "pid/master.pid"

// openLock opens and locks path without waiting (util/open_lock.c) and
// writes the process id into it. owner, when not nil, becomes the file's
// owner (the data directory lock belongs to $mail_owner).
func openLock(path string, owner *server.Owner) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: cannot open file: %s", path, strerror(err))
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("open lock file %s: unable to set exclusive lock: %s", path, strerror(err))
	}
	if owner != nil {
		f.Chown(owner.UID, owner.GID)
	}
	if err := writePid(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot update lock file %s: %s", path, strerror(err))
	}
	return f, nil
}

func writePid(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(fmt.Sprintf("%32d\n", os.Getpid())), 0)
	return err
}

// Running reports whether a master holds the lock of the instance whose
// queue directory is qdir (master -t): no pid file or an unlocked one
// means not running.
func Running(qdir string) bool {
	f, err := os.OpenFile(qdir+"/"+PidFile, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return true
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
