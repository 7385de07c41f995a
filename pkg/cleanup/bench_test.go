package cleanup

import (
	"strings"
	"testing"
	"time"
)

// The two ways to run cleanup (DESIGN.md §2 "measure both"): in-process
// as a library, and as the cleanup daemon over a UNIX socket. Each
// iteration queues one 4 KiB message with one recipient, fsyncs
// included.

var benchContent = []byte("Subject: benchmark\nFrom: a@example.org\nMessage-Id: <b@x>\nDate: today\n\n" +
	strings.Repeat(strings.Repeat("x", 75)+"\n", 53))

type benchMessage interface {
	SetSender(addr, ret, envid string) error
	AddRecipient(addr, orcpt, notify string) error
	Write(p []byte) (int, error)
	Commit() (string, error)
}

func benchSend(b *testing.B, begin func() (benchMessage, error)) {
	b.SetBytes(int64(len(benchContent)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := begin()
		if err != nil {
			b.Fatal(err)
		}
		m.SetSender("alice@example.org", "", "")
		m.AddRecipient("bob@example.com", "", "")
		m.Write(benchContent)
		if _, err := m.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLibrary(b *testing.B) {
	h := newHarness(b, "")
	benchSend(b, func() (benchMessage, error) { return h.c.Begin(smtpMeta) })
}

func BenchmarkDaemon(b *testing.B) {
	h := newHarness(b, "")
	cl, err := Dial(startDaemon(b, h), 10*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	benchSend(b, func() (benchMessage, error) { return cl.Begin(smtpMeta) })
}
