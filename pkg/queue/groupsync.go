package queue

import "sync"

// Group commit of directory fsyncs. Each message's Commit must not
// return before the directory entry of its new name is on stable
// storage, but one fsync of a directory makes every entry renamed into
// it before the fsync started stable. So concurrent commits (the
// sessions of one smtpd process) share directory fsyncs: a commit whose
// rename is done either starts an fsync of the directory itself, or,
// while one is running (which may have started before its rename),
// waits for the next one, which starts as soon as the running one ends
// and covers everybody who came in the meantime. Each commit still
// returns only after an fsync that started after its rename; an error
// fails every commit of that round.

// dirSync is the group commit state of one directory.
type dirSync struct {
	mu      sync.Mutex
	running bool
	next    *syncRound // collects the commits for the fsync after the running one
}

type syncRound struct {
	done chan struct{}
	err  error
}

var (
	dirSyncsMu sync.Mutex
	dirSyncs   = map[string]*dirSync{}
)

// syncDirShared fsyncs dir (see above) for one caller whose entries in
// dir are complete.
func syncDirShared(dir string) error {
	dirSyncsMu.Lock()
	d := dirSyncs[dir]
	if d == nil {
		d = &dirSync{}
		dirSyncs[dir] = d
	}
	dirSyncsMu.Unlock()
	return d.sync(dir)
}

func (d *dirSync) sync(dir string) error {
	d.mu.Lock()
	if d.running {
		if d.next == nil {
			d.next = &syncRound{done: make(chan struct{})}
		}
		r := d.next
		d.mu.Unlock()
		<-r.done
		return r.err
	}
	d.running = true
	d.mu.Unlock()
	r := &syncRound{done: make(chan struct{})}
	d.run(dir, r)
	return r.err
}

// run fsyncs for round r, then hands the next round, if any, to a new
// goroutine so that this caller can return.
func (d *dirSync) run(dir string, r *syncRound) {
	r.err = syncDir(dir)
	close(r.done)
	d.mu.Lock()
	next := d.next
	d.next = nil
	d.running = next != nil
	d.mu.Unlock()
	if next != nil {
		go d.run(dir, next)
	}
}
