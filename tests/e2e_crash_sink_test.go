package tests

// A counting SMTP sink and a load generator for the crash test: the sink
// records each recipient of each message (identified by its X-E2E-Seq
// header) with the epoch in which it arrived; the generator sends
// numbered messages over concurrent sessions and remembers which ones
// got 250 and under which queue ID.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// e2eKey is one recipient of one message.
type e2eKey struct {
	seq  int
	rcpt string
}

// e2eCountSink is an SMTP server on 127.0.0.1 that accepts everything.
type e2eCountSink struct {
	ln    net.Listener
	epoch atomic.Int32
	mu    sync.Mutex
	got   map[e2eKey][]int32 // epochs of each delivery
	wg    sync.WaitGroup
}

func startCountSink() (*e2eCountSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &e2eCountSink{ln: ln, got: map[e2eKey][]int32{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

func (s *e2eCountSink) port() string {
	return strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port)
}

func (s *e2eCountSink) close() { s.ln.Close(); s.wg.Wait() }

func (s *e2eCountSink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

var e2eSeqHeader = regexp.MustCompile(`(?m)^X-E2E-Seq: (\d+)\r?$`)

// session speaks just enough ESMTP for Postern's smtp client. A
// delivery is recorded before the 250 that lets the client mark it done.
func (s *e2eCountSink) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	r := textproto.NewReader(bufio.NewReader(c))
	w := bufio.NewWriter(c)
	reply := func(text string) { w.WriteString(text + "\r\n"); w.Flush() }
	reply("220 sink.test ESMTP")
	var rcpts []string
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			reply("250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME")
		case "HELO", "NOOP":
			reply("250 Ok")
		case "MAIL":
			rcpts = rcpts[:0]
			reply("250 2.1.0 Ok")
		case "RCPT":
			rcpts = append(rcpts, e2eAngle(line))
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := r.ReadDotBytes()
			if err != nil {
				return
			}
			s.record(data, rcpts)
			reply("250 2.0.0 Ok: queued")
		case "RSET":
			rcpts = rcpts[:0]
			reply("250 2.0.0 Ok")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Error: command not recognized")
		}
	}
}

func (s *e2eCountSink) record(data []byte, rcpts []string) {
	seq := -1
	if m := e2eSeqHeader.FindSubmatch(data); m != nil {
		seq, _ = strconv.Atoi(string(m[1]))
	}
	epoch := s.epoch.Load()
	s.mu.Lock()
	for _, r := range rcpts {
		k := e2eKey{seq, r}
		s.got[k] = append(s.got[k], epoch)
	}
	s.mu.Unlock()
}

// deliveries returns a copy of what the sink got.
func (s *e2eCountSink) deliveries() map[e2eKey][]int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[e2eKey][]int32, len(s.got))
	for k, v := range s.got {
		out[k] = append([]int32(nil), v...)
	}
	return out
}

func e2eAngle(line string) string {
	i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>')
	if i < 0 || j < i {
		return line
	}
	return line[i+1 : j]
}

// e2eRcpts are the recipients of message seq: every fourth has two.
func e2eRcpts(seq int) []string {
	r := []string{fmt.Sprintf("a%d@example.net", seq)}
	if seq%4 == 0 {
		r = append(r, fmt.Sprintf("b%d@example.org", seq))
	}
	return r
}

// e2eLoad sends messages 0..n-1 over sessions concurrent SMTP sessions
// to addr, reconnecting (after the instance comes back) when a session
// fails. Every sequence number is tried once.
type e2eLoad struct {
	addr     string
	next     atomic.Int64
	n        int
	mu       sync.Mutex
	acked    map[int]string // seq -> queue ID
	upErrors []string       // failures while the instance was up
	up       atomic.Bool
	halted   atomic.Bool
	wg       sync.WaitGroup
}

func startLoad(addr string, n, sessions int) *e2eLoad {
	l := &e2eLoad{addr: addr, n: n, acked: map[int]string{}}
	l.up.Store(true)
	for i := 0; i < sessions; i++ {
		l.wg.Add(1)
		go l.client()
	}
	return l
}

func (l *e2eLoad) ackedCount() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.acked) }

func (l *e2eLoad) wait() { l.wg.Wait() }

// halt stops the clients (a failed test must not leave them dialing a
// stopped instance) and waits for them.
func (l *e2eLoad) halt() { l.halted.Store(true); l.wg.Wait() }

func (l *e2eLoad) failed(err error) {
	if l.up.Load() {
		l.mu.Lock()
		l.upErrors = append(l.upErrors, err.Error())
		l.mu.Unlock()
	}
	time.Sleep(20 * time.Millisecond)
}

// client runs sessions of up to 50 messages until every number is used.
func (l *e2eLoad) client() {
	defer l.wg.Done()
	for int(l.next.Load()) < l.n && !l.halted.Load() {
		c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
		if err != nil {
			l.failed(err)
			continue
		}
		err = l.session(c)
		c.Close()
		if err != nil {
			l.failed(err)
		}
	}
}

func (l *e2eLoad) session(c net.Conn) error {
	c.SetDeadline(time.Now().Add(60 * time.Second))
	tc := textproto.NewConn(c)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return err
	}
	if err := e2eCmd(tc, 250, "EHLO load.example.com"); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		seq := int(l.next.Add(1)) - 1
		if seq >= l.n || l.halted.Load() {
			break
		}
		id, err := e2eSendOne(tc, seq)
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.acked[seq] = id
		l.mu.Unlock()
	}
	return e2eCmd(tc, 221, "QUIT")
}

var e2eQueuedRe = regexp.MustCompile(`queued as ([0-9A-Za-z]+)`)

// e2eSendOne sends message seq and returns its queue ID.
func e2eSendOne(tc *textproto.Conn, seq int) (string, error) {
	if err := e2eCmd(tc, 250, "MAIL FROM:<load@example.com>"); err != nil {
		return "", err
	}
	for _, r := range e2eRcpts(seq) {
		if err := e2eCmd(tc, 250, "RCPT TO:<"+r+">"); err != nil {
			return "", err
		}
	}
	if err := e2eCmd(tc, 354, "DATA"); err != nil {
		return "", err
	}
	w := tc.DotWriter()
	fmt.Fprintf(w, "From: load@example.com\r\nTo: %s\r\nSubject: load %d\r\nX-E2E-Seq: %d\r\n\r\n", strings.Join(e2eRcpts(seq), ", "), seq, seq)
	for i := 0; i < 40; i++ {
		io.WriteString(w, "The quick brown fox jumps over the lazy dog, numbered for the crash test.\r\n")
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

func e2eCmd(tc *textproto.Conn, code int, cmd string) error {
	if err := tc.PrintfLine("%s", cmd); err != nil {
		return err
	}
	_, _, err := tc.ReadResponse(code)
	return err
}
