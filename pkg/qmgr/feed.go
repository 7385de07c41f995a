package qmgr

import (
	"errors"
	"os"
	"time"

	"github.com/postern/postern/pkg/queue"
	"golang.org/x/sys/unix"
)

// trigger handles trigger bytes (qmgr_trigger_event): W and I scan the
// incoming queue, D the deferred queue, A ignores time stamps, F forgets
// dead destinations and overrides defer_transports for the next scans.
func (m *Manager) trigger(b []byte) {
	var incoming, deferred int
	for _, c := range b {
		switch c {
		case 'W', 'I':
			incoming |= scanStart
		case 'D':
			deferred |= scanStart
		case 'F':
			incoming |= flushOnce | flushDFXP
			deferred |= flushOnce | flushDFXP
		case 'A':
			incoming |= scanAll
			deferred |= scanAll
		}
	}
	if (incoming|deferred)&flushOnce != 0 {
		m.sched.FlushDead(m.now())
	}
	if incoming != 0 {
		m.scans[scanIncoming].request(incoming &^ flushOnce)
	}
	if deferred != 0 {
		m.scans[scanDeferred].request(deferred &^ flushOnce)
	}
}

// moreToFeed reports whether feedOne could do something now.
func (m *Manager) moreToFeed() bool {
	if m.stopping || !m.roomInCore() {
		return false
	}
	return m.scans[scanIncoming].pending() || m.scans[scanDeferred].pending()
}

// roomInCore applies qmgr_message_active_limit and
// qmgr_message_recipient_limit; one message is always allowed.
func (m *Manager) roomInCore() bool {
	if m.messages == 0 {
		return true
	}
	return m.messages < m.set.ActiveLimit && m.rcpts < m.set.RecipientLimit
}

// feedOne brings at most one message into the active queue, taking the
// scans in turn (qmgr_loop). It reports whether a file was looked at.
func (m *Manager) feedOne() bool {
	if !m.moreToFeed() {
		return false
	}
	for i := 0; i < len(m.scans); i++ {
		idx := (m.nextScan + i) % len(m.scans)
		s := m.scans[idx]
		e, ok := s.nextEntry(m.deps.Layout, m.deps.Log.Warn)
		if !ok {
			continue
		}
		m.nextScan = (idx + 1) % len(m.scans)
		m.feed(e, s.flags)
		return true
	}
	return false
}

// feed moves one file into the active queue and schedules its recipients
// (qmgr_active_feed).
func (m *Manager) feed(e queue.Entry, flags int) {
	st, err := os.Lstat(e.Path)
	if err != nil || !st.Mode().IsRegular() || !queue.IsComplete(st.Mode()) {
		return // gone or changed since the directory was listed
	}
	now := m.now()
	// Incoming and deferred files may have time stamps in the future:
	// they are not due yet.
	if flags&scanAll == 0 && st.ModTime().After(now.Add(time.Second)) {
		return
	}
	if err := m.deps.Layout.Move(e.ID, e.Queue, queue.Active); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			m.deps.Log.Warn("%s: %v", e.ID, err)
		}
		return
	}
	msg := &message{id: e.ID, path: m.deps.Layout.Path(queue.Active, e.ID), activeAt: now}
	mode := st.Mode().Perm()
	msg.forceExpire = mode&queue.ModeExpire != 0
	if mode&queue.ModeFlushAfter != 0 {
		msg.flushEach, msg.ignoreDefer = true, true
		if err := os.Chmod(msg.path, mode&^queue.ModeFlushAfter); err != nil {
			m.deps.Log.Warn("%s: chmod %s: %v", e.ID, msg.path, err)
		}
	}
	if flags&flushDFXP != 0 {
		msg.ignoreDefer = true
	}
	m.activate(msg)
}

// activate reads the envelope of a message now in the active queue and
// schedules it; a file that cannot be read goes to the corrupt queue.
func (m *Manager) activate(msg *message) {
	f, err := queue.Open(msg.path, false)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if !errors.Is(err, queue.ErrCorrupt) {
			m.deps.Log.Warn("open active %s: %v", msg.id, err)
			m.deferFile(msg.id, queue.Incoming, time.Minute)
			return
		}
		m.deps.Log.Warn("%s: %v", msg.id, err)
		m.corrupt(msg.id)
		return
	}
	f.Close()
	msg.env = &f.Envelope
	msg.tflags = traceFlags(msg.env)
	m.messages++
	m.deps.Log.Info("%s: from=<%s>, size=%d, nrcpt=%d (queue active)",
		msg.id, msg.env.Sender, msg.env.MessageSize, len(msg.env.Recipients))
	if msg.forceExpire && m.hasLog(queue.Defer, msg.id) {
		// Use the existing defer log; deliver nothing (qmgr_message_alloc).
		msg.deferred = true
		m.messageDone(msg)
		return
	}
	if err := m.removeLog(queue.Defer, msg.id); err != nil {
		m.deps.Log.Warn("%s: remove defer log: %v", msg.id, err)
	}
	m.schedule(msg)
}

// corrupt saves a bad file to the corrupt queue (qmgr_active_corrupt).
func (m *Manager) corrupt(id string) {
	if err := m.deps.Layout.Move(id, queue.Active, queue.Corrupt); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			m.deps.Log.Warn("save corrupt file queue active id %s: %v", id, err)
		}
		return
	}
	m.deps.Log.Warn("saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"",
		id, queue.Active, queue.Corrupt)
}

// deferFile gives an active file a time stamp delay into the future and
// moves it to queue dst (qmgr_active_defer).
func (m *Manager) deferFile(id, dst string, delay time.Duration) error {
	when := m.now().Add(delay)
	path := m.deps.Layout.Path(queue.Active, id)
	if err := os.Chtimes(path, when, when); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return m.deps.Layout.Move(id, queue.Active, dst)
}

// recoverActive moves every file in the active queue back to incoming,
// with the current time as its time stamp (qmgr_move).
func (m *Manager) recoverActive() error {
	now := m.now()
	return m.deps.Layout.Scan(queue.Active, func(e queue.Entry) error {
		if err := os.Chtimes(e.Path, now, now); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		err := m.deps.Layout.Move(e.ID, queue.Active, queue.Incoming)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

func (m *Manager) hasLog(logQueue, id string) bool {
	st, err := os.Stat(m.deps.Layout.Path(logQueue, id))
	return err == nil && st.Size() > 0
}

func (m *Manager) removeLog(logQueue, id string) error {
	// unlink(2) itself: os.Remove tries rmdir(2) after a failed unlink,
	// and most messages have no log to remove.
	p := m.deps.Layout.Path(logQueue, id)
	err := unix.Unlink(p)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return &os.PathError{Op: "remove", Path: p, Err: err}
}
