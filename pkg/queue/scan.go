package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
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

// Move renames message id from one queue to another (mail_queue_rename),
// creating hash subdirectories as needed. Like Postfix it does not fsync
// the directories: a move that a crash undoes leaves the message in its
// old queue, which qmgr handles (active is moved back to incoming at
// start-up).
func (l *Layout) Move(id, from, to string) error {
	src, dst := l.Path(from, id), l.Path(to, id)
	err := os.Rename(src, dst)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Lstat(src); serr == nil {
			if err = os.MkdirAll(filepath.Dir(dst), 0o700); err == nil {
				err = os.Rename(src, dst)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", src, dst, err)
	}
	return nil
}
