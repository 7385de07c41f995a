package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Entry is one complete message file found by Scan.
type Entry struct {
	Queue string
	ID    string
	Path  string
	Mode  os.FileMode
	MTime time.Time // Postfix's not-before time
}

// Scan calls fn for each complete message file in queue, descending into
// hash subdirectories (qmgr_scan.c, scan_dir.c). Temporary files
// (<usec>.<pid>) and incomplete files (owner execute bit clear) are
// skipped. The order is the directory order. fn returning an error stops
// the scan with that error.
func (l *Layout) Scan(queue string, fn func(Entry) error) error {
	return l.walk(queue, func(p string, d fs.DirEntry) error {
		info, err := d.Info()
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() || !IsComplete(info.Mode()) {
			return nil
		}
		return fn(Entry{Queue: queue, ID: d.Name(), Path: p, Mode: info.Mode(), MTime: info.ModTime()})
	})
}

// ScanIDs calls fn with the ID of each regular file in queue named as a
// queue ID, in directory order, descending into hash subdirectories,
// without looking at the files (the type comes from the directory): the
// caller (qmgr, which looks at each file when it takes it) skips the
// incomplete ones.
func (l *Layout) ScanIDs(queue string, fn func(id string) error) error {
	return l.walk(queue, func(_ string, d fs.DirEntry) error {
		if !d.Type().IsRegular() {
			return nil
		}
		return fn(d.Name())
	})
}

// walk calls fn for each entry of queue and its hash subdirectories that
// is not a directory and is named as a queue ID.
func (l *Layout) walk(queue string, fn func(p string, d fs.DirEntry) error) error {
	root := l.QueueDir(queue)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != root && errors.Is(err, os.ErrNotExist) {
				return nil // removed while we looked
			}
			return err
		}
		if d.IsDir() || !ValidID(d.Name()) {
			return nil
		}
		return fn(p, d)
	})
}

// Move renames message id from one queue to another (mail_queue_rename),
// creating hash subdirectories as needed. Like Postfix it does not fsync
// the directories: a move that a crash undoes leaves the message in its
// old queue, which qmgr handles (active is moved back to incoming at
// start-up).
func (l *Layout) Move(id, from, to string) error {
	src, dst := l.Path(from, id), l.Path(to, id)
	// rename(2) itself: os.Rename first looks whether dst is a
	// directory, a system call per move that qmgr makes for every
	// message; queue directories hold no directories named as IDs.
	err := unix.Rename(src, dst)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Lstat(src); serr == nil {
			if err = os.MkdirAll(filepath.Dir(dst), 0o700); err == nil {
				err = unix.Rename(src, dst)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", src, dst, err)
	}
	return nil
}
