package postconf

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// editFile replaces a file atomically as Postfix's util/edit_file.c: the
// new content goes to PATH.tmp, created with mode 0600 and locked
// exclusively so that concurrent editors take turns; at the end it gets
// the final mode, is fsynced and renamed over PATH. Postern also fsyncs
// the directory so that the rename itself is durable.
type editFile struct {
	final string
	tmp   string
	mode  os.FileMode
	f     *os.File
}

const editFileMode = 0600 // temporary file mode, as EDIT_FILE_MODE

// openForEdit opens and locks PATH.tmp (openEditFile) and reads PATH,
// the start of pcf_edit_main and pcf_edit_master.
func openForEdit(path string) (*editFile, []byte, error) {
	ep, err := openEditFile(path, 0644)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		ep.cleanup()
		return nil, nil, fmt.Errorf("open %s for reading: %s", path, strerror(err))
	}
	return ep, data, nil
}

// openEditFile opens and locks PATH.tmp. An existing PATH.tmp left by a
// crash is reused when it is a plain file with the temporary mode, and
// removed otherwise.
func openEditFile(path string, mode os.FileMode) (*editFile, error) {
	ep := &editFile{final: path, tmp: path + ".tmp", mode: mode}
	for {
		f, err := os.OpenFile(ep.tmp, os.O_CREATE|os.O_WRONLY, editFileMode)
		if err != nil {
			return nil, fmt.Errorf("open %s: %s", ep.tmp, strerror(err))
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %s", ep.tmp, strerror(err))
		}
		ok, err := ep.usable(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if !ok {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("truncate %s: %s", ep.tmp, strerror(err))
		}
		ep.f = f
		return ep, nil
	}
}

// usable reports whether the locked file is still PATH.tmp and safe to
// write; an unsafe leftover is removed.
func (ep *editFile) usable(f *os.File) (bool, error) {
	var before, after syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &before); err != nil {
		return false, fmt.Errorf("open %s: %s", ep.tmp, strerror(err))
	}
	if err := syscall.Stat(ep.tmp, &after); err != nil ||
		before.Dev != after.Dev || before.Ino != after.Ino {
		return false, nil
	}
	if after.Mode&syscall.S_IFMT != syscall.S_IFREG || after.Nlink > 1 ||
		after.Mode&07777 != editFileMode {
		if err := os.Remove(ep.tmp); err != nil && !os.IsNotExist(err) {
			return false, fmt.Errorf("unlink %s: %s", ep.tmp, strerror(err))
		}
		return false, nil
	}
	return true, nil
}

// commit writes data, gives the file its final mode, fsyncs it and
// renames it into place; on failure PATH.tmp is removed.
func (ep *editFile) commit(data []byte) error {
	_, err := ep.f.Write(data)
	if err == nil {
		err = ep.f.Chmod(ep.mode)
	}
	if err == nil {
		err = ep.f.Sync()
	}
	if err == nil {
		err = os.Rename(ep.tmp, ep.final)
	}
	if err != nil {
		ep.cleanup()
		return fmt.Errorf("close %s: %s", ep.tmp, strerror(err))
	}
	ep.f.Close()
	if d, err := os.Open(filepath.Dir(ep.final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// cleanup removes PATH.tmp without completing the edit.
func (ep *editFile) cleanup() {
	os.Remove(ep.tmp)
	ep.f.Close()
}
