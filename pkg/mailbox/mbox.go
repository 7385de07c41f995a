package mailbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Mbox is a mailbox (or other destination) file opened for appending
// and locked, as Postfix's mbox_open() leaves it.
type Mbox struct {
	Path   string
	File   *os.File
	Stat   syscall.Stat_t // of the open file
	locked LockMask
}

// OpenMbox opens or creates path for appending (mode 0600 when created)
// and locks it as Postfix's mbox_open() does, so that Dovecot, mutt and
// mail(1) see the usual protocol:
//
//   - with LockDot, and when path is a regular file or does not exist
//     yet, PATH.lock is created first (DotLock); when that fails because
//     the lock is held the status is 4.2.0; with LockDotMayFail any other
//     failure is only a warning (delivery to a file in a directory the
//     user cannot write);
//   - the file is opened with safe_open() rules: an existing file must
//     have exactly one hard link, not be a directory, and not be a
//     symbolic link (except a root-owned one in a root-owned directory
//     that only root can write); a new file is created with
//     O_CREAT|O_EXCL and, when chownUID or chownGID is not -1, given to
//     that owner;
//   - a regular file is then locked with flock(2) and/or fcntl(2) as the
//     mask says (KernelLock), and its link count checked again.
//
// Failures carry Postfix's text and a status from DSNFor(errno, defDSN).
// warn receives warnings (may be nil).
func OpenMbox(path string, chownUID, chownGID int, mask LockMask, p LockParams, defDSN string, warn func(string)) (*Mbox, *Error) {
	mb := &Mbox{Path: path}
	if mask&LockDot != 0 && dotlockable(path) {
		if err := DotLock(path, p); err == nil {
			mb.locked |= LockDot
		} else if errors.Is(err, syscall.EEXIST) {
			return nil, &Error{Status: DSNFor(syscall.EAGAIN, defDSN), Text: err.Error(), Errno: syscall.EEXIST}
		} else if mask&LockDotMayFail != 0 {
			if warn != nil {
				warn(err.Error())
			}
		} else {
			return nil, errorf(err, defDSN, "%s", err.Error())
		}
	}
	f, st, err := safeOpen(path, chownUID, chownGID, warn)
	if err != nil {
		mb.unlockDot()
		return nil, errorf(err.err, defDSN, "%s", err.text)
	}
	mb.File, mb.Stat = f, st
	if e := mb.lockKernel(mask, p, defDSN, warn); e != nil {
		return nil, e
	}
	return mb, nil
}

// dotlockable: mbox_open() dot-locks only regular files and paths that
// do not exist yet (never /dev/null), following symbolic links.
func dotlockable(path string) bool {
	var st syscall.Stat_t
	return syscall.Stat(path, &st) != nil || st.Mode&syscall.S_IFMT == syscall.S_IFREG
}

// lockKernel takes the kernel locks of a regular file and checks that
// the file was not replaced meanwhile (GNU pop3d deletes and recreates
// mailboxes).
func (mb *Mbox) lockKernel(mask LockMask, p LockParams, defDSN string, warn func(string)) *Error {
	if mb.Stat.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil
	}
	for _, style := range []LockMask{LockFlock, LockFcntl} {
		if mask&style == 0 {
			continue
		}
		if err := KernelLock(int(mb.File.Fd()), style, p); err != nil {
			mb.Release()
			return errorf(err, defDSN, "%s", err.Error())
		}
		mb.locked |= style
	}
	if err := syscall.Fstat(int(mb.File.Fd()), &mb.Stat); err != nil || mb.Stat.Nlink != 1 {
		if warn != nil {
			warn(fmt.Sprintf("%s: file status changed unexpectedly", mb.Path))
		}
		mb.Release()
		return &Error{Status: DSNFor(syscall.EAGAIN, defDSN), Text: "target file status changed unexpectedly"}
	}
	return nil
}

// Release closes the file (releasing the kernel locks) and removes the
// dotlock. Call it after the data has been written and synced.
func (mb *Mbox) Release() {
	if mb.File != nil {
		mb.File.Close()
		mb.File = nil
	}
	mb.unlockDot()
}

func (mb *Mbox) unlockDot() {
	if mb.locked&LockDot != 0 {
		DotUnlock(mb.Path)
		mb.locked &^= LockDot
	}
}

// openError is a safe_open() failure: Postfix's text and the cause.
type openError struct {
	text string
	err  error
}

// safeOpen opens an existing file or creates a new one, carefully
// (util/safe_open.c with O_CREAT).
func safeOpen(path string, chownUID, chownGID int, warn func(string)) (*os.File, syscall.Stat_t, *openError) {
	f, st, err := safeOpenExist(path)
	if err != nil && errors.Is(err.err, syscall.ENOENT) {
		f, st, err = safeOpenCreate(path, chownUID, chownGID, warn)
		if err != nil && errors.Is(err.err, syscall.EEXIST) {
			f, st, err = safeOpenExist(path)
		}
	}
	return f, st, err
}

const openFlags = syscall.O_APPEND | syscall.O_WRONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

func safeOpenExist(path string) (*os.File, syscall.Stat_t, *openError) {
	var st syscall.Stat_t
	fd, err := syscall.Open(path, openFlags, 0)
	if err != nil {
		return nil, st, &openError{"cannot open file: " + errText(err), err}
	}
	f := os.NewFile(uintptr(fd), path)
	if e := checkExisting(f, path, &st); e != nil {
		f.Close()
		return nil, st, e
	}
	return f, st, nil
}

// checkExisting compares the open file with what lstat(2) sees now.
func checkExisting(f *os.File, path string, st *syscall.Stat_t) *openError {
	var lst syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), st); err != nil {
		return &openError{"bad open file status: " + errText(err), err}
	}
	switch {
	case st.Nlink != 1:
		return &openError{fmt.Sprintf("file has %d hard links", st.Nlink), syscall.EPERM}
	case st.Mode&syscall.S_IFMT == syscall.S_IFDIR:
		return &openError{"file is a directory", syscall.EISDIR}
	}
	if err := syscall.Lstat(path, &lst); err != nil {
		return &openError{"file status changed unexpectedly: " + errText(err), syscall.EPERM}
	}
	if lst.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		if lst.Uid == 0 && rootOnlyParent(path) {
			return nil
		}
		return &openError{"file is a symbolic link", syscall.EPERM}
	}
	if st.Dev != lst.Dev || st.Ino != lst.Ino || st.Nlink != lst.Nlink || st.Mode != lst.Mode {
		return &openError{"file status changed unexpectedly", syscall.EPERM}
	}
	return nil
}

// rootOnlyParent: a root-owned symlink is trusted only in a directory
// that root owns and only root can write.
func rootOnlyParent(path string) bool {
	var st syscall.Stat_t
	return syscall.Stat(filepath.Dir(path), &st) == nil && st.Uid == 0 && st.Mode&0o022 == 0
}

func safeOpenCreate(path string, chownUID, chownGID int, warn func(string)) (*os.File, syscall.Stat_t, *openError) {
	var st syscall.Stat_t
	fd, err := syscall.Open(path, openFlags|syscall.O_CREAT|syscall.O_EXCL, 0o600)
	if err != nil {
		return nil, st, &openError{"cannot create file exclusively: " + errText(err), err}
	}
	f := os.NewFile(uintptr(fd), path)
	if err := syscall.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, st, &openError{"bad open file status: " + errText(err), err}
	}
	if chownUID != -1 || chownGID != -1 {
		if err := syscall.Fchown(fd, chownUID, chownGID); err != nil {
			if warn != nil {
				warn(fmt.Sprintf("%s: cannot change file ownership: %s", path, errText(err)))
			}
			f.Close()
			return nil, st, &openError{"cannot change file ownership: " + errText(err), err}
		}
		syscall.Fstat(fd, &st)
	}
	return f, st, nil
}
