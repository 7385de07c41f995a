package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Commit makes the message durable in queue (Incoming, or Hold for a
// message put on hold) and returns only when it is: it writes the end
// record and the header, sets mode 0700 (complete), fsyncs the file,
// renames it to <queue>/<ID> without replacing any file, and fsyncs that
// directory. On error the temporary file is removed and the message does
// not exist. The Writer is closed either way.
func (w *Writer) Commit(queue string) error {
	err := w.finish()
	w.releaseBuf()
	if err == nil {
		err = w.publish(queue)
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

// finish completes the bytes of the file and makes them stable.
func (w *Writer) finish() error {
	if w.phase == phaseEnvelope || w.phase == phaseContent {
		if err := w.EndContent(); err != nil {
			return err
		}
	}
	if err := w.need(phaseTrailer); err != nil {
		return err
	}
	if !w.sender {
		return fmt.Errorf("queue file %s: no sender", w.id)
	}
	w.writeMessageSize()
	end := w.off
	w.record(RecEnd)
	// The header goes out with the rest when the whole file is still in
	// the buffer, otherwise with a write of its own.
	hdr := w.header(end)
	inBuf := w.err == nil && w.bw.patch(0, hdr)
	if w.err == nil {
		if err := w.bw.flush(); err != nil {
			w.err = fmt.Errorf("write queue file %s: %w", w.tmp, err)
		}
	}
	if w.err == nil && w.reused && w.off < w.oldSize {
		// A recycled file keeps its old length until here.
		if err := w.f.Truncate(w.off); err != nil {
			w.err = fmt.Errorf("truncate queue file %s: %w", w.tmp, err)
		}
	}
	if w.err != nil {
		return w.err
	}
	if !inBuf {
		if _, err := w.f.WriteAt(hdr, 0); err != nil {
			return fmt.Errorf("write queue file %s: %w", w.tmp, err)
		}
	}
	durabilityStep("header", w.tmp)
	if w.mode != ModeComplete {
		if err := w.f.Chmod(ModeComplete); err != nil {
			return fmt.Errorf("chmod %s: %w", w.tmp, err)
		}
	}
	durabilityStep("chmod", w.tmp)
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", w.tmp, err)
	}
	durabilityStep("fsync-file", w.tmp)
	return nil
}

// durabilityStep is called after each step that Commit's durability
// depends on; tests replace it to check the order of the steps.
var durabilityStep = func(step, path string) {}

func (w *Writer) header(end int64) []byte {
	h := make([]byte, HeaderSize)
	copy(h[offMagic:], Magic)
	h[offVersion] = Version
	binary.BigEndian.PutUint64(h[offArrival:], uint64(w.arrival.UnixMicro()))
	binary.BigEndian.PutUint64(h[offContent:], uint64(w.cOff))
	binary.BigEndian.PutUint64(h[offSize:], uint64(w.cSize))
	binary.BigEndian.PutUint32(h[offRcptCnt:], w.nrcpt)
	if !w.warn.IsZero() {
		binary.BigEndian.PutUint64(h[offWarn:], uint64(w.warn.Unix()))
	}
	binary.BigEndian.PutUint64(h[offEnd:], uint64(end))
	return h
}

// publish gives the stable file its queue ID name and makes the name
// stable.
func (w *Writer) publish(queue string) error {
	dst := w.l.Path(queue, w.id)
	dir := filepath.Dir(dst)
	if err := renameNoReplace(w.tmp, dst); err != nil {
		if !errors.Is(err, os.ErrNotExist) || dir == w.l.QueueDir(queue) {
			return fmt.Errorf("rename %s to %s: %w", w.tmp, dst, err)
		}
		// A hash subdirectory that does not exist yet.
		if err := mkdirDurable(dir); err != nil {
			return err
		}
		if err := renameNoReplace(w.tmp, dst); err != nil {
			return fmt.Errorf("rename %s to %s: %w", w.tmp, dst, err)
		}
	}
	durabilityStep("rename", dst)
	if err := syncDirShared(dir); err != nil {
		// The file is complete but its name may not survive a crash:
		// the caller must not acknowledge it, so take it back.
		os.Remove(dst)
		return err
	}
	durabilityStep("fsync-dir", dir)
	return nil
}

// renameNoReplace renames old to new, failing if new exists
// (renameat2 RENAME_NOREPLACE; link+unlink where that is unsupported).
func renameNoReplace(oldp, newp string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldp, unix.AT_FDCWD, newp, unix.RENAME_NOREPLACE)
	if err == nil {
		return nil
	}
	if err != unix.EINVAL && err != unix.ENOSYS && err != unix.EOPNOTSUPP {
		return &os.LinkError{Op: "rename", Old: oldp, New: newp, Err: err}
	}
	if err := os.Link(oldp, newp); err != nil {
		return err
	}
	return os.Remove(oldp)
}

// syncDir fsyncs a directory so that entries created or renamed in it
// survive a crash.
// It uses open(2) and fsync(2) directly: os.Open would spend five more
// system calls trying to add the directory to the network poller.
func syncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// mkdirDurable creates a hash subdirectory (and its parents below the
// queue directory) and fsyncs the parent of each one created.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirDurable(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return syncDir(parent)
}

// Abort discards the file. It is safe to call after Commit (no-op).
func (w *Writer) Abort() {
	if w.phase == phaseClosed {
		return
	}
	w.phase = phaseClosed
	w.releaseBuf()
	w.f.Close()
	os.Remove(w.tmp)
}
