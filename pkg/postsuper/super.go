package postsuper

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// maxTempAge is how old an incomplete file must be before -p removes it.
const maxTempAge = 7 * 24 * time.Hour

const fixSuffix = "#FIX"

const actWildcard = actDeleteAll | actRequeueAll | actHoldAll | actReleaseAll | actExpireAll | actExpRelAll

// super walks the queues for the repair actions or one mass operation
// (postsuper.c super()).
func (p *prog) super(queues []string, action int) error {
	for _, q := range queues {
		qi := queueInfos[q]
		wanted := 0
		if p.l.HashNames[q] {
			wanted = p.l.HashDepth
		}
		if wanted > 0 && !qi.recurse {
			return fatalf("%s queue must not be hashed", q)
		}
		w := walker{p: p, q: q, qi: qi, wanted: wanted, action: action}
		if err := w.dir(p.l.QueueDir(q), 0); err != nil {
			return err
		}
	}
	return nil
}

type walker struct {
	p      *prog
	q      string
	qi     queueInfo
	wanted int
	action int
}

// dir handles one directory level.
func (w *walker) dir(dir string, depth int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fatalf("open %s: %s", w.p.rel(dir), errnoText(err))
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if len(e.Name()) == 1 && w.qi.recurse && e.IsDir() {
			if err := w.dir(path, depth+1); err != nil {
				return err
			}
			if depth+1 > w.wanted {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fatalf("remove directory %s: %s", w.p.rel(path), errnoText(err))
				}
			}
			continue
		}
		if err := w.file(path, e.Name()); err != nil {
			return err
		}
	}
	return nil
}

func ready(st os.FileInfo) bool { return queue.IsComplete(st.Mode()) }

// file handles one directory entry.
func (w *walker) file(path, name string) error {
	p := w.p
	st, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if st.IsDir() {
		// An alien directory.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.warn("remove subdirectory %s: %s", p.rel(path), errnoText(err))
		}
		return nil
	}
	if w.action&actDeleteAll != 0 {
		done, err := p.remove(path)
		if done && w.qi.message && ready(st) {
			p.counts.deleted++
		}
		return err
	}
	if !st.Mode().IsRegular() || w.action&actPurge != 0 && w.qi.message && !ready(st) &&
		time.Now().After(st.ModTime().Add(maxTempAge)) {
		_, err := p.remove(path)
		return err
	}
	if w.action&actStruct != 0 && strings.HasSuffix(name, fixSuffix) {
		var ok bool
		if path, name, ok, err = w.unfix(path, name, st); err != nil || !ok {
			return err
		}
	}
	if !queue.ValidID(name) {
		p.warn("bogus file name: %s", p.rel(path))
		return nil
	}
	if w.action&actStruct != 0 && w.qi.message {
		if done, err := w.checkInode(path, name, st); done || err != nil {
			return err
		}
	}
	return w.mass(path, name, st)
}

// unfix finishes a NEWID#FIX name from a previous pass.
func (w *walker) unfix(path, name string, st os.FileInfo) (string, string, bool, error) {
	p := w.p
	id := strings.TrimSuffix(name, fixSuffix)
	if !queue.ValidID(id) {
		p.warn("bogus file name: %s", p.rel(path))
		return "", "", false, nil
	}
	if w.qi.message {
		inum, ok := queue.IDInode(id)
		if !ok {
			p.warn("bogus file name: %s", p.rel(path))
			return "", "", false, nil
		}
		if inum != inode(st) {
			p.warn("name/inode mismatch: %s", p.rel(path))
			return "", "", false, nil
		}
	}
	to := p.l.Path(w.q, id)
	done, err := p.rename(path, to)
	if err != nil || !done {
		return "", "", false, err
	}
	if w.qi.message {
		p.counts.inodeFixed++
	}
	return to, id, true, nil
}

// checkInode renames a message whose name does not match its inode
// number (the first of two passes); done reports that it did.
func (w *walker) checkInode(path, name string, st os.FileInfo) (bool, error) {
	p := w.p
	inum, ok := queue.IDInode(name)
	if !ok {
		p.warn("bogus file name: %s", p.rel(path))
		return true, nil
	}
	long := queue.IsLongID(name)
	if !(long && !p.l.LongIDs || inum != inode(st) && (!long || w.action&actStructRed != 0)) {
		return false, nil
	}
	p.counts.inodeMismatch++
	w.action &^= actWildcard
	return true, p.fixQueueID(path, w.q, name, st)
}

// fixQueueID renames a message and its logs to NEWID#FIX, NEWID made
// from the old time digits and the inode (fix_queue_id). Logs first, so
// that an interrupted run can be resumed.
func (p *prog) fixQueueID(path, q, id string, st os.FileInfo) error {
	var newID string
	if t, ok := queue.IDTime(id); ok {
		newID = queue.NewID(t, inode(st), p.l.LongIDs)
	} else {
		newID = id[:5] + strings.ToUpper(strconv.FormatUint(inode(st), 16))
	}
	for _, lq := range logQueues {
		if _, err := p.rename(p.l.Path(lq, id), p.l.Path(lq, newID)+fixSuffix); err != nil {
			return err
		}
	}
	_, err := p.rename(path, p.l.Path(q, newID)+fixSuffix)
	return err
}

// mass does the mass operations and the hash position check.
func (w *walker) mass(path, name string, st os.FileInfo) error {
	p, q, a := w.p, w.q, w.action
	msg := w.qi.message
	move := func(dst string, n *int) error {
		done, err := p.rename(path, p.l.Path(dst, name))
		if done {
			*n++
		}
		return err
	}
	switch {
	case a&actRequeueAll != 0 && msg && q != queue.Maildrop:
		return move(queue.Maildrop, &p.counts.requeued)
	case a&(actExpireAll|actExpRelAll) != 0 && msg && ready(st) && q != queue.Maildrop:
		if p.expire(path) {
			p.counts.expired++
		}
	}
	switch {
	case a&actHoldAll != 0 && msg && q != queue.Maildrop && q != queue.Hold:
		return move(queue.Hold, &p.counts.held)
	case a&(actReleaseAll|actExpRelAll) != 0 && q == queue.Hold:
		return move(queue.Deferred, &p.counts.released)
	case a&actStruct != 0:
		if want := p.l.Path(q, name); want != path {
			p.counts.positionMismatch++
			_, err := p.rename(path, want)
			return err
		}
	}
	return nil
}

func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}
