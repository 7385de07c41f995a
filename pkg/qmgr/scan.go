package qmgr

import (
	"github.com/postern/postern/pkg/queue"
)

// Scan request flags (qmgr.h QMGR_SCAN_*, QMGR_FLUSH_*).
const (
	scanStart = 1 << iota // start now, or restart when done
	scanAll               // ignore file time stamps ('A')
	flushOnce             // forget dead destinations ('F')
	flushDFXP             // override defer_transports ('F')
)

// Scan indices, in priority order.
const (
	scanIncoming = iota
	scanDeferred
)

// scanner walks one queue directory (qmgr_scan.c). A scan lists the
// directory when it starts and hands out one file at a time; requests
// that arrive during a scan apply to the next one, except "ignore time
// stamps" and "override defer_transports", which apply at once.
//
// The list holds queue IDs only (a string header and the name, about
// 32 bytes a file): qmgr's memory grows with the size of the queue
// directory being scanned, and a queue.Entry (path, mode, time) was
// about five times as big. feed looks at the file again anyway.
type scanner struct {
	queue   string
	running bool
	flags   int // of the scan in progress
	nflags  int // requested for the next scan
	list    []string
	next    int
}

// keepList is the largest list whose array is kept for the next scan.
const keepList = 4096

func newScanner(q string) *scanner { return &scanner{queue: q} }

// request records a scan request (qmgr_scan_request); the caller handles
// flushOnce itself.
func (s *scanner) request(flags int) {
	if s.running {
		s.flags |= flags & (scanAll | flushDFXP)
	}
	s.nflags |= flags
	if !s.running && flags&scanStart != 0 {
		s.nflags &^= scanStart
		s.start()
	}
}

func (s *scanner) start() {
	s.flags = s.nflags
	s.nflags = 0
	s.running = true
	s.reset()
	s.next = 0
}

// reset empties the list, letting a large array go.
func (s *scanner) reset() {
	if cap(s.list) > keepList {
		s.list = nil
	}
	s.list = s.list[:0]
}

// nextEntry returns the next file (queue, ID and the path where it
// belongs, which is where Layout.Move takes it from), restarting the scan
// when a restart was requested meanwhile; ok is false when the scan is
// idle.
func (s *scanner) nextEntry(l *queue.Layout, warn func(string, ...any)) (queue.Entry, bool) {
	for {
		if s.running && s.next == 0 && len(s.list) == 0 {
			s.load(l, warn)
		}
		if s.running && s.next < len(s.list) {
			id := s.list[s.next]
			s.list[s.next] = ""
			s.next++
			return queue.Entry{Queue: s.queue, ID: id, Path: l.Path(s.queue, id)}, true
		}
		s.running = false
		s.reset()
		s.next = 0
		if s.nflags&scanStart == 0 {
			return queue.Entry{}, false
		}
		s.nflags &^= scanStart
		s.start()
	}
}

// load lists the directory. An empty directory yields a one-pass scan
// that ends at once.
func (s *scanner) load(l *queue.Layout, warn func(string, ...any)) {
	err := l.ScanIDs(s.queue, func(id string) error {
		s.list = append(s.list, id)
		return nil
	})
	if err != nil {
		warn("scan %s queue: %v", s.queue, err)
	}
	if len(s.list) == 0 {
		s.next = 1 // mark as loaded
	}
}

// pending reports whether a scan has files left or is requested.
func (s *scanner) pending() bool {
	return s.running || s.nflags&scanStart != 0
}
