package queue

import (
	"io"
	"os"
)

// fileBuf is the write buffer of a new queue file: like a bufio.Writer,
// but it knows how much of the file went out, so that Commit can put the
// header in the buffer instead of writing it with a pwrite of its own
// when the whole file is still buffered (every message under 64 KiB).
type fileBuf struct {
	f       *os.File
	buf     []byte
	flushed int64 // bytes of the file written so far
}

const fileBufSize = 64 << 10

func (b *fileBuf) reset(f *os.File) {
	b.f, b.buf, b.flushed = f, b.buf[:0], 0
}

// write appends p, writing the buffer out when p does not fit and p
// itself when it is larger than the buffer.
func (b *fileBuf) write(p []byte) error {
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flush(); err != nil {
			return err
		}
		if len(p) > cap(b.buf) {
			n, err := b.f.Write(p)
			b.flushed += int64(n)
			return err
		}
	}
	b.buf = append(b.buf, p...)
	return nil
}

func (b *fileBuf) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.f.Write(b.buf)
	b.flushed += int64(n)
	if err == nil && n < len(b.buf) {
		err = io.ErrShortWrite
	}
	b.buf = b.buf[:0]
	return err
}

// patch replaces the bytes at file offset off with p when they are all
// still in the buffer, and reports whether they were.
func (b *fileBuf) patch(off int64, p []byte) bool {
	start := off - b.flushed
	if start < 0 || start+int64(len(p)) > int64(len(b.buf)) {
		return false
	}
	copy(b.buf[start:], p)
	return true
}
