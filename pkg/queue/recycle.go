package queue

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Recycling message files. A message file whose delivery is finished is
// not removed but renamed into $queue_directory/recycle (Layout.Recycle,
// qmgr), and Create takes a file from there before it creates one: the
// same inodes carry message after message. On ext4 without a journal,
// creating a file right after many were deleted is expensive: the inode
// allocator skips inodes deleted in the last few minutes
// (recently_deleted(), up to 5 minutes while their inode table block is
// dirty) one by one, which cost a third of smtpd's CPU time at a few
// hundred messages a second (docs/performance.md). Reusing files costs a
// rename on each side, as unlink and create did.
//
// The recycle directory holds at most RecycleLimit files, named "r.ID"
// after the message that last used them (never a valid queue ID, and
// unique: the ID names the inode); their old content stays until they
// are reused. A file is claimed by renaming it to the claimer's unique
// temporary name in incoming, and only then opened, so two claimers never
// get the same file; Create gives it mode 0600 and cuts it to the new
// message's size at Commit. Without a recycle directory (a queue
// directory made before it existed) files are created and removed as
// before.

// Recycle is the name of the recycle directory.
const Recycle = "recycle"

// RecycleLimit is the most files the recycle directory holds.
const RecycleLimit = 512

// recycler is one process's view of the recycle directory.
type recycler struct {
	limit     int // RecycleLimit; tests lower it
	mu        sync.Mutex
	names     []string  // files seen in the directory, not claimed yet
	emptyTill time.Time // the directory was empty: do not list it before
	count     int       // files put there since the last listing, plus that listing's count
	puts      int       // puts since the last listing
}

// recycleListEvery is how many puts pass between two listings that
// refresh the producer's count.
const recycleListEvery = 64

// Recycle puts the finished message file path into the recycle directory
// for reuse, or removes it when the directory is full or missing. The
// message must be finished: no process may read or write it any more.
func (l *Layout) Recycle(path string) error {
	if l.rec != nil && l.rec.room(l) {
		dst := filepath.Join(l.QueueDir(Recycle), "r."+filepath.Base(path))
		if unix.Renameat2(unix.AT_FDCWD, path, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE) == nil {
			return nil
		}
	}
	return os.Remove(path)
}

// room reports whether the directory may take another file. The count
// is the last listing's plus the files put there since; consumers only
// make it smaller.
func (r *recycler) room(l *Layout) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.puts == 0 || r.puts >= recycleListEvery {
		n, err := countEntries(l.QueueDir(Recycle))
		if err != nil {
			n = RecycleLimit // no directory: check again later
		}
		r.count, r.puts = n, 0
	}
	r.puts++
	if r.count >= r.limit {
		return false
	}
	r.count++
	return true
}

func countEntries(dir string) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	return len(names), err
}

// claim renames a recycled file to tmp and returns it opened, with its
// status, or nil when there is none to take. The file keeps its mode
// (0700, complete, as it was delivered): under its temporary name no
// scanner looks at it, and Commit then needs no chmod.
func (l *Layout) claim(tmp string) (*os.File, *unix.Stat_t) {
	if l.rec == nil {
		return nil, nil
	}
	for tries := 0; tries < 8; tries++ {
		name := l.rec.next(l)
		if name == "" {
			return nil, nil
		}
		src := filepath.Join(l.QueueDir(Recycle), name)
		if err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, tmp, unix.RENAME_NOREPLACE); err != nil {
			if errors.Is(err, unix.EEXIST) {
				return nil, nil // our temporary name is taken: create anew
			}
			continue // another process took it
		}
		fd, err := unix.Open(tmp, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			os.Remove(tmp)
			continue
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
			unix.Close(fd)
			os.Remove(tmp)
			continue
		}
		return os.NewFile(uintptr(fd), tmp), &st
	}
	return nil, nil
}

// next returns the name of a file that was in the recycle directory,
// listing it again when the names seen are used up; "" when it is empty.
func (r *recycler) next(l *Layout) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.names) == 0 {
		now := time.Now()
		if now.Before(r.emptyTill) {
			return ""
		}
		f, err := os.Open(l.QueueDir(Recycle))
		if err != nil {
			r.emptyTill = now.Add(time.Second)
			return ""
		}
		names, _ := f.Readdirnames(RecycleLimit)
		f.Close()
		for _, n := range names {
			if strings.HasPrefix(n, "r.") {
				r.names = append(r.names, n)
			}
		}
		if len(r.names) == 0 {
			r.emptyTill = now.Add(100 * time.Millisecond)
			return ""
		}
		// Processes that list at the same time start at different places.
		rand.Shuffle(len(r.names), func(i, j int) { r.names[i], r.names[j] = r.names[j], r.names[i] })
	}
	n := r.names[len(r.names)-1]
	r.names = r.names[:len(r.names)-1]
	return n
}

// tmpName returns a temporary name in dir for a file created at now.
func tmpName(dir string, now time.Time) string {
	return filepath.Join(dir, strconv.Itoa(now.Nanosecond()/1000)+"."+pidString)
}
