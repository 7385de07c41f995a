package queue

import (
	"io"
	"strings"
	"testing"
)

// benchWrite writes and commits one message of size bytes per iteration,
// streamed in 4 KiB chunks as smtpd would; the fsyncs are included.
func benchWrite(b *testing.B, size int) {
	l := testLayout(b, false)
	content := []byte(strings.Repeat(strings.Repeat("x", 75)+"\n", size/76+1)[:size])
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := l.Create()
		if err != nil {
			b.Fatal(err)
		}
		w.AddAttr(AttrClientName, "mail.example.com")
		w.AddAttr(AttrClientAddr, "192.0.2.10")
		w.SetSender("alice@example.com")
		w.AddRecipient(Recipient{Address: "bob@example.net", Orig: "bob@example.net", ORCPT: "rfc822;bob@example.net"})
		for p := content; len(p) > 0; {
			n := min(len(p), 4096)
			w.Write(p[:n])
			p = p[n:]
		}
		if err := w.Commit(Incoming); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCommit4K(b *testing.B)   { benchWrite(b, 4<<10) }
func BenchmarkWriteCommit100K(b *testing.B) { benchWrite(b, 100<<10) }

// BenchmarkRead opens and parses a queue file with 10 recipients and
// reads its 4 KiB content, as a delivery agent does.
func BenchmarkRead(b *testing.B) {
	l := testLayout(b, false)
	var rcpts []Recipient
	for i := 0; i < 10; i++ {
		rcpts = append(rcpts, Recipient{Address: "user@example.net", ORCPT: "rfc822;user@example.net"})
	}
	id := writeMessage(b, l, rcpts, nil, strings.Repeat("y", 4096))
	path := l.Path(Incoming, id)
	b.SetBytes(4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := Open(path, false)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, f.Content())
		f.Close()
	}
}

// BenchmarkParseEnvelope is the reader without the file system.
func BenchmarkParseEnvelope(b *testing.B) {
	l := testLayout(b, false)
	id := writeMessage(b, l, []Recipient{{Address: "a@b"}, {Address: "c@d"}}, nil, strings.Repeat("y", 4096))
	f, _ := Open(l.Path(Incoming, id), false)
	defer f.Close()
	st, _ := f.f.Stat()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(f.f, st.Size()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarkDone marks one recipient done (one byte + fdatasync).
func BenchmarkMarkDone(b *testing.B) {
	l := testLayout(b, false)
	id := writeMessage(b, l, []Recipient{{Address: "a@b"}}, nil, "x\n")
	path := l.Path(Incoming, id)
	f, _ := Open(path, true)
	defer f.Close()
	off := f.Recipients[0].Offset
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.f.WriteAt([]byte{RecRcpt}, off) // undo, so every mark writes
		if err := f.MarkDone(0); err != nil {
			b.Fatal(err)
		}
	}
}
