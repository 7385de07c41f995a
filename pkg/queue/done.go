package queue

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// MarkDone marks recipients finished (delivered, bounced or dropped) in
// place: each mark is a one-byte write of the record type ('R' becomes
// 'D'). A one-byte write cannot tear, so after a crash each recipient is
// either finished or not, and an unfinished one is never lost. The marks
// are not fsynced, as Postfix's deliver_completed() does not fsync its
// done records: a mark survives any crash of the processes (it is in the
// kernel once MarkDone returns), and only a crash of the whole system
// shortly after it may deliver that recipient again (a duplicate, never
// a loss). An fdatasync per delivery was a quarter of the disk flushes
// and a fifth of smtp's CPU time (docs/performance.md). The file must
// have been opened writable.
func (f *File) MarkDone(idx ...int) error {
	offs := make([]int64, 0, len(idx))
	for _, i := range idx {
		if i < 0 || i >= len(f.Recipients) {
			return fmt.Errorf("%s: no recipient #%d", f.Path, i)
		}
		offs = append(offs, f.Recipients[i].Offset)
	}
	if err := markDone(f.f, f.Path, offs); err != nil {
		return err
	}
	for _, i := range idx {
		f.Recipients[i].Done = true
	}
	return nil
}

// MarkDoneAt is MarkDone for a caller that holds only the file name and
// the recipients' record offsets (Recipient.Offset), as a delivery agent
// given them by qmgr.
func MarkDoneAt(path string, offsets ...int64) error {
	f, err := openFile(path, unix.O_RDWR)
	if err != nil {
		return err
	}
	defer f.Close()
	return markDone(f, path, offsets)
}

func markDone(f *os.File, path string, offsets []int64) error {
	var b [1]byte
	for _, off := range offsets {
		if off < HeaderSize {
			return fmt.Errorf("%s: bad recipient offset %d", path, off)
		}
		if _, err := f.ReadAt(b[:], off); err != nil {
			return fmt.Errorf("%s: read recipient at offset %d: %w", path, off, err)
		}
		switch b[0] {
		case RecDone:
			continue
		case RecRcpt:
		default:
			return fmt.Errorf("%s: %w: offset %d is not a recipient record", path, ErrCorrupt, off)
		}
		if _, err := f.WriteAt([]byte{RecDone}, off); err != nil {
			return fmt.Errorf("%s: update recipient at offset %d: %w", path, off, err)
		}
	}
	return nil
}

// SetWarnTime records when qmgr should send a delay warning (zero time:
// never, e.g. once sent), with an in-place 8-byte write of one aligned
// header field and an fdatasync.
func (f *File) SetWarnTime(t time.Time) error {
	var b [8]byte
	if !t.IsZero() {
		binary.BigEndian.PutUint64(b[:], uint64(t.Unix()))
	}
	if _, err := f.f.WriteAt(b[:], offWarn); err != nil {
		return fmt.Errorf("update %s: %w", f.Path, err)
	}
	if err := unix.Fdatasync(int(f.f.Fd())); err != nil {
		return fmt.Errorf("fsync %s: %w", f.Path, err)
	}
	f.WarnTime = t
	return nil
}

// KillAttr removes attribute name from the queue file in place: the type
// byte of its record becomes 'K', which readers skip, and an fdatasync
// makes that stable (Postfix's qmgr_message_kill_record, used for the
// trace_flags of sendmail -v once the delivery report is sent). An
// attribute the file does not have is no error. The file must have been
// opened writable.
func (f *File) KillAttr(name string) error {
	off, ok := f.attrOffs[name]
	if !ok {
		return nil
	}
	var b [1]byte
	if _, err := f.f.ReadAt(b[:], off); err != nil {
		return fmt.Errorf("%s: read attribute at offset %d: %w", f.Path, off, err)
	}
	if b[0] != RecAttr {
		return fmt.Errorf("%s: %w: offset %d is not an attribute record", f.Path, ErrCorrupt, off)
	}
	if _, err := f.f.WriteAt([]byte{RecKilled}, off); err != nil {
		return fmt.Errorf("update %s: %w", f.Path, err)
	}
	if err := unix.Fdatasync(int(f.f.Fd())); err != nil {
		return fmt.Errorf("fsync %s: %w", f.Path, err)
	}
	delete(f.Attrs, name)
	delete(f.attrOffs, name)
	return nil
}
