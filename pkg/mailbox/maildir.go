package mailbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Maildir delivers one message into a qmail-style maildir (dir ends in
// "/"), as Postfix's deliver_maildir() does: the file is written in
// DIR/tmp/ under the name TIME.PPID.HOST, synced, then hard-linked into
// DIR/new/ under TIME.VDEVIINODEMUSEC.HOST (hexadecimal device and inode
// numbers, decimal microseconds) and removed from tmp/. Missing tmp/,
// new/ and cur/ directories are created (mode 0700). Failures carry
// Postfix's texts with a status from DSNFor(errno, defDSN) ("5.2.0" for
// local(8), "4.2.0" for virtual(8)).
type Maildir struct {
	Dir      string // the maildir, ending in "/"
	Hostname string // gethostname()
	Pid      int    // this process
	Now      time.Time
	DefDSN   string
}

// MaildirNames returns the tmp/ and new/ file names for a delivery that
// started at now, by process pid on host, whose tmp/ file has the given
// device and inode numbers.
func MaildirNames(now time.Time, pid int, host string, dev, ino uint64) (tmp, new string) {
	sec := now.Unix()
	usec := now.Nanosecond() / 1000
	tmp = fmt.Sprintf("%d.P%d.%s", sec, pid, host)
	new = fmt.Sprintf("%d.V%xI%xM%d.%s", sec, dev, ino, usec, host)
	return tmp, new
}

// Deliver writes prefix and content (see WriteMessage) with flags, and
// returns the path in new/.
func (m *Maildir) Deliver(prefix string, content io.Reader, flags int) (string, *Error) {
	tmpDir, newDir, curDir := m.Dir+"tmp/", m.Dir+"new/", m.Dir+"cur/"
	tmpName, _ := MaildirNames(m.Now, m.Pid, m.Hostname, 0, 0)
	tmpFile := tmpDir + tmpName
	f, err := createExcl(tmpFile)
	if errors.Is(err, syscall.ENOENT) {
		if err = os.MkdirAll(tmpDir, 0o700); err == nil {
			f, err = createExcl(tmpFile)
		}
	}
	if err != nil {
		return "", errorf(err, m.DefDSN, "create maildir file %s: %s", tmpFile, errText(err))
	}
	defer os.Remove(tmpFile)
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return "", errorf(err, m.DefDSN, "fstat %s: %s", tmpFile, errText(err))
	}
	_, newName := MaildirNames(m.Now, m.Pid, m.Hostname, st.Dev, st.Ino)
	newFile := newDir + newName
	if e := AppendMessage(f, prefix, content, flags); e != nil {
		return "", e
	}
	err = os.Link(tmpFile, newFile)
	if errors.Is(err, syscall.ENOENT) {
		os.MkdirAll(curDir, 0o700)
		if err = os.MkdirAll(newDir, 0o700); err == nil {
			err = os.Link(tmpFile, newFile)
		}
	}
	if err != nil {
		return "", errorf(err, m.DefDSN, "create maildir file %s: %s", newFile, errText(err))
	}
	return newFile, nil
}

// ioErrorText is the <sysexits.h> text of EX_IOERR.
const ioErrorText = "input/output error"

func createExcl(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// AppendMessage appends the message to f (already positioned at its end)
// and closes it, as mail_copy() does: with CopyToFile the data is
// fsynced and, on any failure, the file is truncated to its old length.
// Failures are "error reading message: ..." (4.3.0) or "error writing
// message: ..." (5.3.0 or what DSNFor says).
func AppendMessage(f *os.File, prefix string, content io.Reader, flags int) *Error {
	var orig int64
	toFile := flags&CopyToFile != 0
	if toFile {
		var err error
		if orig, err = f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return errorf(err, "5.3.0", "error writing message: %s", errText(err))
		}
	}
	err := WriteMessage(f, prefix, content, flags)
	if err == nil && toFile {
		err = f.Sync()
	}
	if err != nil && toFile {
		f.Truncate(orig)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	switch {
	case err == nil:
		return nil
	case errors.As(err, new(*ReadError)):
		return &Error{Status: "4.3.0", Text: "error reading message: " + errText(errors.Unwrap(err)), Diag: ioErrorText}
	default:
		e := errorf(err, "5.3.0", "error writing message: %s", errText(err))
		e.Diag = ioErrorText
		return e
	}
}
