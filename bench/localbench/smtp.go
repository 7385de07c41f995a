package main

// smtp.go: the load generator (an smtp-source equivalent: N messages of
// about SIZE bytes over S sessions, 4xx answers retried) and a counting
// SMTP sink for the deferred-queue scenario.

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type smtpConn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func (s *smtpConn) reply() (int, string, error) {
	for {
		s.c.SetReadDeadline(time.Now().Add(5 * time.Minute))
		line, err := s.br.ReadString('\n')
		if err != nil {
			return 0, line, err
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			return 0, line, fmt.Errorf("short reply %q", line)
		}
		if len(line) == 3 || line[3] == ' ' {
			var code int
			_, err := fmt.Sscanf(line[:3], "%d", &code)
			return code, line, err
		}
	}
}

func (s *smtpConn) cmd(line string) (int, string, error) {
	s.bw.WriteString(line + "\r\n")
	if err := s.bw.Flush(); err != nil {
		return 0, "", err
	}
	return s.reply()
}

// body returns a message of about size bytes in 78-byte lines.
func body(size int, seq int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: <sender@bench.example>\r\nTo: <rcpt>\r\nSubject: localbench %d\r\n"+
		"Message-ID: <%d.%d@bench.example>\r\n\r\n", seq, seq, time.Now().UnixNano())
	for row := 0; b.Len()+78 <= size; row++ {
		b.WriteString(strings.Repeat(string(rune('a'+row%26)), 76) + "\r\n")
	}
	return []byte(b.String())
}

// sendAll sends n messages to rcpt over sessions connections and returns
// how many were accepted.
func sendAll(addr, rcpt string, n, sessions, size int) (int64, error) {
	var next, ok atomic.Int64
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	for i := 0; i < min(sessions, n); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := session(addr, rcpt, n, size, &next, &ok); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok.Load(), firstErr
}

func session(addr, rcpt string, n, size int, next, ok *atomic.Int64) error {
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	s := &smtpConn{c: c, br: bufio.NewReader(c), bw: bufio.NewWriterSize(c, 64<<10)}
	if code, l, err := s.reply(); code != 220 {
		return fmt.Errorf("banner %q %v", l, err)
	}
	if code, l, err := s.cmd("EHLO client.bench.example"); code != 250 {
		return fmt.Errorf("EHLO: %q %v", l, err)
	}
	for seq := next.Add(1) - 1; seq < int64(n); seq = next.Add(1) - 1 {
		for try := 0; ; try++ {
			code, l, err := sendOne(s, rcpt, body(size, int(seq)))
			if err != nil {
				return err
			}
			if code/100 == 2 {
				ok.Add(1)
				break
			}
			if code/100 != 4 || try > 100 {
				return fmt.Errorf("message %d: %s", seq, l)
			}
			s.cmd("RSET")
			time.Sleep(time.Duration(try+1) * 20 * time.Millisecond)
		}
	}
	s.cmd("QUIT")
	return nil
}

func sendOne(s *smtpConn, rcpt string, msg []byte) (int, string, error) {
	for _, c := range []string{"MAIL FROM:<sender@bench.example>", "RCPT TO:<" + rcpt + ">", "DATA"} {
		code, l, err := s.cmd(c)
		if err != nil || code/100 == 4 || code/100 == 5 {
			return code, l, err
		}
	}
	s.bw.Write(msg)
	s.bw.WriteString(".\r\n")
	if err := s.bw.Flush(); err != nil {
		return 0, "", err
	}
	return s.reply()
}

// sink is an SMTP server that accepts and counts every message.
type sink struct {
	l     net.Listener
	count atomic.Int64
	wg    sync.WaitGroup
}

func startSink(port int) (*sink, error) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	k := &sink{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			k.wg.Add(1)
			go func() { defer k.wg.Done(); k.serve(c) }()
		}
	}()
	return k, nil
}

func (k *sink) close() { k.l.Close() }

// serve answers line by line, so pipelined commands work as well.
func (k *sink) serve(c net.Conn) {
	defer c.Close()
	br, bw := bufio.NewReader(c), bufio.NewWriter(c)
	bw.WriteString("220 sink.bench.example ESMTP\r\n")
	bw.Flush()
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Minute))
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			bw.WriteString("250-sink.bench.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
		case strings.HasPrefix(verb, "DATA"):
			bw.WriteString("354 go ahead\r\n")
			bw.Flush()
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
			}
			k.count.Add(1)
			bw.WriteString("250 2.0.0 queued\r\n")
		case strings.HasPrefix(verb, "QUIT"):
			bw.WriteString("221 bye\r\n")
			bw.Flush()
			return
		default:
			bw.WriteString("250 ok\r\n")
		}
		if br.Buffered() == 0 {
			bw.Flush()
		}
	}
}
