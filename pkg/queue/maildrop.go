package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Maildrop files: postdrop(1) writes them as the submitting user (with
// the set-group-ID $setgid_group), so two things differ from the files
// cleanup writes (mail_stream_file(MAIL_QUEUE_MAILDROP, ..., 0444)):
//
//   - the temporary file is created in maildrop/ itself, the only queue
//     directory the submitter may write to (mode 1730: the group may
//     create and enter, nobody but $mail_owner may list or read);
//   - the finished file is mode 0744, so that pickup, running as
//     $mail_owner and not the owner of the file, can read it; nobody
//     else can reach it through the directory;
//   - the submitter may not open maildrop/ for reading, so the new
//     directory entry is made stable with syncfs(2) on the file system
//     when fsync(2) of the directory is refused.

// ModeMaildrop is the mode of a finished maildrop file.
const ModeMaildrop os.FileMode = ModeComplete | 0o044

// CreateMaildrop makes a new file maildrop/<usec>.<pid> (O_EXCL, mode
// 0600) for postdrop; see Create. Finish it with CommitMaildrop.
func (l *Layout) CreateMaildrop() (*Writer, error) {
	dir := l.QueueDir(Maildrop)
	for tries := 0; ; tries++ {
		now := time.Now()
		tmp := filepath.Join(dir, strconv.Itoa(now.Nanosecond()/1000)+"."+pidString)
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, ModeIncomplete)
		if errors.Is(err, os.ErrExist) && tries < 1000 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create file %s: %w", tmp, err)
		}
		return newWriter(l, f, tmp, now)
	}
}

// CommitMaildrop is Commit for a file made by CreateMaildrop: the file
// is completed and fsynced with mode ModeMaildrop, renamed to
// maildrop/<ID> without replacing anything, and the rename made stable
// before it returns. On error the file is removed.
func (w *Writer) CommitMaildrop() error {
	err := w.finish()
	if err == nil {
		err = w.publishMaildrop()
	}
	if err != nil {
		w.f.Close()
		os.Remove(w.tmp)
		w.phase = phaseClosed
		return err
	}
	w.phase = phaseClosed
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.tmp, err)
	}
	return nil
}

func (w *Writer) publishMaildrop() error {
	if err := w.f.Chmod(ModeMaildrop); err != nil {
		return fmt.Errorf("chmod %s: %w", w.tmp, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", w.tmp, err)
	}
	dst := w.l.Path(Maildrop, w.id)
	if err := renameNoReplace(w.tmp, dst); err != nil {
		return fmt.Errorf("rename %s to %s: %w", w.tmp, dst, err)
	}
	durabilityStep("rename", dst)
	dir := filepath.Dir(dst)
	err := syncDir(dir)
	if err != nil && errors.Is(err, os.ErrPermission) {
		// Not allowed to read the directory: flush the whole file
		// system, which includes the new entry.
		if serr := unix.Syncfs(int(w.f.Fd())); serr != nil {
			err = fmt.Errorf("syncfs %s: %w", dir, serr)
		} else {
			err = nil
		}
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	durabilityStep("fsync-dir", dir)
	return nil
}
