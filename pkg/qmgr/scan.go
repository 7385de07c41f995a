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
type scanner struct {
	queue   string
	running bool
	flags   int // of the scan in progress
	nflags  int // requested for the next scan
	list    []queue.Entry
	next    int
}

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
	s.list = s.list[:0]
	s.next = 0
}

// nextEntry returns the next file, restarting the scan when a restart was
// requested meanwhile; ok is false when the scan is idle.
func (s *scanner) nextEntry(l *queue.Layout, warn func(string, ...any)) (queue.Entry, bool) {
	for {
		if s.running && s.next == 0 && len(s.list) == 0 {
			s.load(l, warn)
		}
		if s.running && s.next < len(s.list) {
			e := s.list[s.next]
			s.list[s.next] = queue.Entry{}
			s.next++
			return e, true
		}
		s.running = false
		s.list = s.list[:0]
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
	err := l.Scan(s.queue, func(e queue.Entry) error {
		s.list = append(s.list, e)
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
