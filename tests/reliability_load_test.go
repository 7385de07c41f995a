package tests

// The load of the reliability tests: numbered messages (an X-E2E-Seq
// header) over concurrent SMTP sessions, each sequence number tried
// once; a message counts as accepted when it got 250 for its end of
// data. Failures are sorted: a connection that breaks (a killed smtpd)
// is expected under fault injection; an SMTP error reply is counted
// separately, with its text, since no fault of these tests should make
// Postern refuse mail that it could queue.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type relLoad struct {
	addr      string
	n         int
	rcpts     func(seq int) []string
	next      atomic.Int64
	mu        sync.Mutex
	acked     map[int]string // seq -> queue ID
	replies   []string       // SMTP error replies
	connFails int            // sessions that broke
	halted    atomic.Bool
	wg        sync.WaitGroup
}

// startRelLoad sends messages 0..n-1 over sessions concurrent sessions.
func startRelLoad(addr string, n, sessions int, rcpts func(int) []string) *relLoad {
	l := &relLoad{addr: addr, n: n, rcpts: rcpts, acked: map[int]string{}}
	for i := 0; i < sessions; i++ {
		l.wg.Add(1)
		go l.client()
	}
	return l
}

func (l *relLoad) ackedCount() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.acked) }

// halt stops the clients and waits for them; wait only waits.
func (l *relLoad) halt() { l.halted.Store(true); l.wg.Wait() }
func (l *relLoad) wait() { l.wg.Wait() }

// snapshot returns a copy of the accepted messages.
func (l *relLoad) snapshot() map[int]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[int]string, len(l.acked))
	for k, v := range l.acked {
		out[k] = v
	}
	return out
}

func (l *relLoad) client() {
	defer l.wg.Done()
	for int(l.next.Load()) < l.n && !l.halted.Load() {
		c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
		if err == nil {
			err = l.session(c)
			c.Close()
		}
		if err != nil {
			l.failed(err)
		}
	}
}

func (l *relLoad) failed(err error) {
	l.mu.Lock()
	var te *textproto.Error
	if errors.As(err, &te) {
		l.replies = append(l.replies, te.Error())
	} else {
		l.connFails++
	}
	l.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
}

// session sends up to 20 messages.
func (l *relLoad) session(c net.Conn) error {
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	tc := textproto.NewConn(c)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return err
	}
	if err := e2eCmd(tc, 250, "EHLO load.example.com"); err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		seq := int(l.next.Add(1)) - 1
		if seq >= l.n || l.halted.Load() {
			break
		}
		id, err := relSendOne(tc, seq, l.rcpts(seq))
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.acked[seq] = id
		l.mu.Unlock()
	}
	return e2eCmd(tc, 221, "QUIT")
}

// relSendOne sends message seq to rcpts and returns its queue ID.
func relSendOne(tc *textproto.Conn, seq int, rcpts []string) (string, error) {
	if err := e2eCmd(tc, 250, "MAIL FROM:<load@example.com>"); err != nil {
		return "", err
	}
	for _, r := range rcpts {
		if err := e2eCmd(tc, 250, "RCPT TO:<"+r+">"); err != nil {
			return "", err
		}
	}
	if err := e2eCmd(tc, 354, "DATA"); err != nil {
		return "", err
	}
	w := tc.DotWriter()
	fmt.Fprintf(w, "From: load@example.com\r\nTo: %s\r\nSubject: load %d\r\nX-E2E-Seq: %d\r\n\r\n", strings.Join(rcpts, ", "), seq, seq)
	for i := 0; i < 20; i++ {
		io.WriteString(w, "The quick brown fox jumps over the lazy dog, numbered for the reliability tests.\r\n")
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	_, msg, err := tc.ReadResponse(250)
	if err != nil {
		return "", err
	}
	m := e2eQueuedRe.FindStringSubmatch(msg)
	if m == nil {
		return "", fmt.Errorf("no queue ID in %q", msg)
	}
	return m[1], nil
}
