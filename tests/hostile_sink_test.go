package tests

// The next hop of the hostile-input and reliability tests: an SMTP
// server on 127.0.0.1 that records every message it accepts (envelope
// and content), so that a test can count what an MTA relayed: a second
// message out of one SMTP transaction is smuggling; a message that got
// 250 and never arrives is lost. Its behaviour can be changed while it
// runs: accept, answer 4xx, or hang up (reliability tests).

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sinkMsg is one message the sink accepted.
type sinkMsg struct {
	From  string
	Rcpts []string
	Data  string
}

// sinkMode is what the sink does with a new session.
type sinkMode int

const (
	sinkAccept   sinkMode = iota // 250 to everything
	sinkTempFail                 // 421 at the greeting
)

type recordSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sinkMsg
	mode sinkMode
	wg   sync.WaitGroup
}

// startRecordSink starts a sink; it stops when the test ends.
func startRecordSink(t *testing.T) *recordSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &recordSink{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *recordSink) port() string { return strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port) }

func (s *recordSink) setMode(m sinkMode) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

// messages returns a copy of what the sink holds.
func (s *recordSink) messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

func (s *recordSink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.msgs) }

func (s *recordSink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.session(c) }()
	}
}

func (s *recordSink) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	w := bufio.NewWriter(c)
	reply := func(text string) { w.WriteString(text + "\r\n"); w.Flush() }
	s.mu.Lock()
	mode := s.mode
	s.mu.Unlock()
	if mode == sinkTempFail {
		reply("421 4.3.2 sink.test Service not available, try later")
		return
	}
	reply("220 sink.test ESMTP")
	r := textproto.NewReader(bufio.NewReader(c))
	var m sinkMsg
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8")
		case "HELO", "NOOP":
			reply("250 2.0.0 Ok")
		case "MAIL":
			m = sinkMsg{From: e2eAngle(arg)}
			reply("250 2.1.0 Ok")
		case "RCPT":
			m.Rcpts = append(m.Rcpts, e2eAngle(arg))
			reply("250 2.1.5 Ok")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := io.ReadAll(r.DotReader())
			if err != nil {
				return
			}
			m.Data = string(data)
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			reply("250 2.0.0 Ok: queued as SINK" + strconv.Itoa(s.count()))
		case "RSET":
			m = sinkMsg{}
			reply("250 2.0.0 Ok")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Error: command not recognized")
		}
	}
}
