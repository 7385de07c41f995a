package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Writer writes one new queue file. Records go through a buffer; nothing
// is durable until Commit returns nil. A Writer is not safe for
// concurrent use.
type Writer struct {
	l       *Layout
	f       *os.File
	bw      *fileBuf
	tmp     string
	id      string
	arrival time.Time
	created time.Time
	off     int64 // offset of the next byte written
	phase   int
	cOff    int64 // content offset
	cSize   int64
	nrcpt   uint32
	sender  bool
	err     error // first write error; sticky
	warn    time.Time
	msgSize int64 // SetMessageSize; -1 = not set
	scratch []byte
	reused  bool        // a recycled file: cut it to size at Commit
	oldSize int64       // the recycled file's length when taken
	mode    os.FileMode // permission bits when taken or created
}

const (
	phaseEnvelope = iota
	phaseContent
	phaseTrailer
	phaseClosed
)

// Create makes a new queue file incoming/<usec>.<pid> (O_EXCL, mode 0600)
// and fixes its queue ID from the creation time and the inode
// (mail_queue_enter()). The file stays under its temporary name, invisible
// to queue scanners, until Commit.
//
// A recycled file (recycle.go) is taken when there is one; its inode
// fixes the queue ID the same way.
func (l *Layout) Create() (*Writer, error) {
	dir := l.QueueDir(Incoming)
	now := time.Now()
	tmp := tmpName(dir, now)
	if f, st := l.claim(tmp); f != nil {
		w := newWriterStat(l, f, tmp, now, st)
		w.reused, w.oldSize = true, st.Size
		return w, w.err
	}
	for tries := 0; ; tries++ {
		fd, err := unix.Open(tmp, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, uint32(ModeIncomplete))
		if errors.Is(err, unix.EEXIST) && tries < 1000 {
			now = time.Now()
			tmp = tmpName(dir, now)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create file %s: %w", tmp, &os.PathError{Op: "open", Path: tmp, Err: err})
		}
		return newWriter(l, os.NewFile(uintptr(fd), tmp), tmp, now)
	}
}

func newWriter(l *Layout, f *os.File, tmp string, now time.Time) (*Writer, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("fstat %s: %w", tmp, err)
	}
	w := newWriterStat(l, f, tmp, now, &st)
	return w, w.err
}

// newWriterStat starts a Writer on f, whose status is st.
func newWriterStat(l *Layout, f *os.File, tmp string, now time.Time, st *unix.Stat_t) *Writer {
	w := &Writer{l: l, f: f, tmp: tmp, arrival: now, created: now,
		id: NewID(now, st.Ino, l.LongIDs), bw: newWriteBuf(f), msgSize: -1,
		mode: os.FileMode(st.Mode & 0o7777)}
	w.put(make([]byte, HeaderSize)) // placeholder; Commit writes the header
	return w
}

// ID returns the queue ID the file will have once committed.
func (w *Writer) ID() string { return w.id }

// Arrival returns the arrival time stored in the file.
func (w *Writer) Arrival() time.Time { return w.arrival }

// SetArrival overrides the arrival time (default: the creation time),
// for a caller with its own clock or a message re-queued by postsuper -r.
func (w *Writer) SetArrival(t time.Time) { w.arrival = t }

// Created returns the creation time that the queue ID encodes.
func (w *Writer) Created() time.Time { return w.created }

// ContentSize returns the content bytes written so far.
func (w *Writer) ContentSize() int64 { return w.cSize }

// Size returns the file size so far (header, records and content).
func (w *Writer) Size() int64 { return w.off }

// Err returns the first write error, if any.
func (w *Writer) Err() error { return w.err }

// writeBufs keeps the 64 KiB write buffers of closed Writers for the
// next ones: one per message was nine tenths of smtpd's allocations.
var writeBufs = sync.Pool{New: func() any { return &fileBuf{buf: make([]byte, 0, fileBufSize)} }}

func newWriteBuf(f *os.File) *fileBuf {
	bw := writeBufs.Get().(*fileBuf)
	bw.reset(f)
	return bw
}

// releaseBuf gives the write buffer back once the Writer is closed.
func (w *Writer) releaseBuf() {
	if w.bw == nil {
		return
	}
	w.bw.reset(nil)
	writeBufs.Put(w.bw)
	w.bw = nil
}

func (w *Writer) put(b []byte) {
	if w.err != nil {
		return
	}
	if w.bw == nil {
		w.err = fmt.Errorf("write queue file %s: %w", w.tmp, os.ErrClosed)
		return
	}
	err := w.bw.write(b)
	w.off += int64(len(b))
	if err != nil {
		w.err = fmt.Errorf("write queue file %s: %w", w.tmp, err)
	}
}

func (w *Writer) record(typ byte, payload ...string) {
	w.scratch = appendRecord(w.scratch[:0], typ, payload...)
	w.putRecord(w.scratch)
}

// putRecord writes an encoded record; one the reader would refuse as
// too large is an error instead.
func (w *Writer) putRecord(rec []byte) {
	if n, _ := binary.Uvarint(rec[1:]); n > maxPayload && w.err == nil {
		w.err = fmt.Errorf("queue file %s: record of %d bytes is too large", w.id, n)
	}
	w.put(rec)
}

func (w *Writer) need(phases ...int) error {
	for _, p := range phases {
		if w.phase == p {
			return w.err
		}
	}
	return fmt.Errorf("queue file %s: record out of order", w.id)
}

// SetSender writes the envelope sender ("" = null sender). Exactly one
// sender record precedes the content.
func (w *Writer) SetSender(addr string) error {
	if err := w.need(phaseEnvelope); err != nil {
		return err
	}
	if w.sender {
		return fmt.Errorf("queue file %s: duplicate sender", w.id)
	}
	w.sender = true
	w.record(RecSender, addr)
	return w.err
}

// AddAttr writes a named attribute, before or after the content.
func (w *Writer) AddAttr(name, value string) error {
	if err := w.need(phaseEnvelope, phaseTrailer); err != nil {
		return err
	}
	if name == "" || containsByte(name, '=') {
		return fmt.Errorf("queue file %s: bad attribute name %q", w.id, name)
	}
	w.record(RecAttr, name, "=", value)
	return w.err
}

// AddRecipient writes a recipient record, before or after the content
// (the trailer holds recipients found while the content streamed, such as
// sendmail -t). r.Done and r.Offset are ignored.
func (w *Writer) AddRecipient(r Recipient) error {
	if err := w.need(phaseEnvelope, phaseTrailer); err != nil {
		return err
	}
	if r.Notify < 0 || r.Notify > 0xff {
		return fmt.Errorf("queue file %s: bad notify mask %d", w.id, r.Notify)
	}
	p := rcptPayload(nil, &r)
	w.scratch = append(w.scratch[:0], RecRcpt)
	w.scratch = binary.AppendUvarint(w.scratch, uint64(len(p)))
	w.putRecord(append(w.scratch, p...))
	w.nrcpt++
	return w.err
}

// Write appends message content (header and body, LF line ends). The
// first Write ends the envelope.
func (w *Writer) Write(p []byte) (int, error) {
	if w.phase == phaseEnvelope {
		w.beginContent()
	}
	if err := w.need(phaseContent); err != nil {
		return 0, err
	}
	w.put(p)
	if w.err != nil {
		return 0, w.err
	}
	w.cSize += int64(len(p))
	return len(p), nil
}

func (w *Writer) beginContent() {
	w.record(RecContent)
	w.cOff = w.off
	w.phase = phaseContent
}

// EndContent ends the content; later records go to the trailer. A file
// without content gets an empty one.
func (w *Writer) EndContent() error {
	if w.phase == phaseEnvelope {
		w.beginContent()
	}
	if err := w.need(phaseContent); err != nil {
		return err
	}
	w.phase = phaseTrailer
	return w.err
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// SetWarnTime sets the delay warning time written by Commit
// (delay_warning_time: cleanup stores arrival + delay_warning_time).
func (w *Writer) SetWarnTime(t time.Time) { w.warn = t }
