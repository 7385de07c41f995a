package queue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// ErrCorrupt is wrapped by every error about a malformed queue file;
// qmgr moves such files to the corrupt queue.
var ErrCorrupt = errors.New("corrupt queue file")

// File is an open queue file: its parsed envelope and access to the
// content. Delivery agents open it writable to mark recipients done.
type File struct {
	Envelope
	Path string
	f    *os.File
}

// Open opens and parses the queue file at path. writable is for
// MarkDone and SetWarnTime. The ID is the file's base name.
func Open(path string, writable bool) (*File, error) {
	flag := unix.O_RDONLY
	if writable {
		flag = unix.O_RDWR
	}
	f, err := openFile(path, flag)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	env, err := Parse(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	env.ID = filepath.Base(path)
	return &File{Envelope: *env, Path: path, f: f}, nil
}

// openFile opens a queue file with open(2) and wraps the descriptor:
// os.OpenFile tries to add every file to the runtime's network poller,
// which costs four system calls (fcntl twice, a failing epoll_ctl, fcntl
// twice more) per regular file, for each delivery in qmgr and the agent.
func openFile(path string, flag int) (*os.File, error) {
	fd, err := unix.Open(path, flag|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadEnvelope parses the queue file at path and closes it.
func ReadEnvelope(path string) (*Envelope, error) {
	f, err := Open(path, false)
	if err != nil {
		return nil, err
	}
	f.Close()
	return &f.Envelope, nil
}

// Content returns a reader of the message content (header and body).
func (f *File) Content() *io.SectionReader {
	return io.NewSectionReader(f.f, f.ContentOff, f.ContentSize)
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// corrupt returns an error wrapping ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Parse reads the envelope of a queue file of the given size. It is
// strict: anything that does not follow docs/queue-format.md exactly is
// an error wrapping ErrCorrupt.
func Parse(r io.ReaderAt, size int64) (*Envelope, error) {
	h := make([]byte, HeaderSize)
	if size < HeaderSize {
		return nil, corrupt("short file (%d bytes)", size)
	}
	if _, err := r.ReadAt(h, 0); err != nil {
		return nil, err
	}
	env, end, err := parseHeader(h, size)
	if err != nil {
		return nil, err
	}
	p := &parser{env: env, wantRcpt: binary.BigEndian.Uint32(h[offRcptCnt:])}
	envLen := env.ContentOff - HeaderSize
	if err := p.section(r, HeaderSize, envLen, true); err != nil {
		return nil, err
	}
	tOff := env.ContentOff + env.ContentSize
	if err := p.section(r, tOff, end+endRecSize-tOff, false); err != nil {
		return nil, err
	}
	if !p.sender {
		return nil, corrupt("no sender record")
	}
	if !p.size {
		env.MessageSize = env.ContentSize
	}
	if n := uint32(len(env.Recipients)); n != p.wantRcpt {
		return nil, corrupt("header says %d recipients, found %d", p.wantRcpt, n)
	}
	return env, nil
}

// parseHeader checks the fixed header against the file size.
func parseHeader(h []byte, size int64) (*Envelope, int64, error) {
	if string(h[offMagic:offMagic+len(Magic)]) != Magic {
		return nil, 0, corrupt("bad magic")
	}
	if h[offVersion] != Version {
		return nil, 0, corrupt("unsupported format version %d", h[offVersion])
	}
	u64 := func(off int) int64 { return int64(binary.BigEndian.Uint64(h[off:])) }
	env := &Envelope{
		Arrival:     time.UnixMicro(u64(offArrival)),
		ContentOff:  u64(offContent),
		ContentSize: u64(offSize),
		Flags:       binary.BigEndian.Uint32(h[offFlags:]),
		Attrs:       map[string]string{},
	}
	if w := u64(offWarn); w != 0 {
		env.WarnTime = time.Unix(w, 0)
	}
	end := u64(offEnd)
	switch {
	case env.ContentOff <= HeaderSize || env.ContentOff > size:
		return nil, 0, corrupt("bad content offset %d", env.ContentOff)
	case env.ContentSize < 0 || env.ContentSize > size-env.ContentOff:
		return nil, 0, corrupt("bad content size %d", env.ContentSize)
	case end < env.ContentOff+env.ContentSize || end != size-endRecSize:
		return nil, 0, corrupt("bad end offset %d for file size %d", end, size)
	}
	return env, end, nil
}

// parser accumulates records into an Envelope.
type parser struct {
	env      *Envelope
	sender   bool
	size     bool // a size record was seen
	wantRcpt uint32
}

// section parses the records in [off, off+n): the envelope ends with
// 'M' exactly at the content offset, the trailer with 'E' exactly at the
// end of the file.
func (p *parser) section(r io.ReaderAt, off, n int64, envelope bool) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, n), int(min(max(n, 16), 16<<10)))
	pos := off
	last := byte(RecEnd)
	if envelope {
		last = RecContent
	}
	for {
		typ, payload, size, err := readRecord(br, off+n-pos)
		if err != nil {
			return corrupt("offset %d: %v", pos, err)
		}
		if typ == last {
			if len(payload) != 0 || pos+int64(size) != off+n {
				return corrupt("offset %d: misplaced %q record", pos, typ)
			}
			return nil
		}
		if err := p.record(typ, payload, pos, envelope); err != nil {
			return corrupt("offset %d: %v", pos, err)
		}
		pos += int64(size)
	}
}

// readRecord reads one record; size is its length on disk. limit is the
// number of bytes left in the section.
func readRecord(br *bufio.Reader, limit int64) (typ byte, payload []byte, size int, err error) {
	typ, err = br.ReadByte()
	if err != nil {
		return 0, nil, 0, errors.New("truncated record")
	}
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, nil, 0, errors.New("bad record length")
	}
	hdr := 1 + uvarintLen(n)
	if n > maxPayload || int64(n) > limit-int64(hdr) {
		return 0, nil, 0, fmt.Errorf("record length %d out of bounds", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, 0, errors.New("truncated record")
	}
	return typ, payload, hdr + int(n), nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}
