package smtpd

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// The measurements behind the decision in docs/smtpd.md: Postern's own
// protocol layer against github.com/emersion/go-smtp, each serving the
// same client on loopback TCP with a discarding backend. One operation
// is one mail transaction: MAIL, RCPT, DATA (pipelined, as in RFC 2920)
// and a small message; allocations include the (identical) client.

// discardQueue is a Queue that keeps nothing.
type discardQueue struct{}

type discardMsg struct{}

func (discardQueue) Begin(Meta) (Message, error)          { return discardMsg{}, nil }
func (discardMsg) QueueID() string                        { return "ABCDEF12345" }
func (discardMsg) SetSender(string, int, string) error    { return nil }
func (discardMsg) AddRecipient(string, string, int) error { return nil }
func (discardMsg) Write([]byte) error                     { return nil }
func (discardMsg) Commit() (string, error)                { return "ABCDEF12345", nil }
func (discardMsg) Abort()                                 {}
func (discardLog) Info(string, ...any)                    {}
func (discardLog) Warn(string, ...any)                    {}

type discardLog struct{}

const benchMessage = "From: a@sender.example\r\nTo: user@example.com\r\nSubject: benchmark\r\n\r\n" +
	"Hello, this is a short message body of a few lines.\r\nSecond line.\r\n.\r\n"

// benchClient runs b.N transactions over one session.
func benchClient(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	readReply := func() string {
		var last string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if last = l; len(l) < 4 || l[3] != '-' {
				return last
			}
		}
	}
	readReply()
	io.WriteString(c, "EHLO client.example\r\n")
	readReply()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		io.WriteString(c, "MAIL FROM:<a@sender.example>\r\nRCPT TO:<user@example.com>\r\nDATA\r\n")
		for j := 0; j < 3; j++ {
			readReply()
		}
		io.WriteString(c, benchMessage)
		if rep := readReply(); !strings.HasPrefix(rep, "250") {
			b.Fatalf("end of data: %q", rep)
		}
	}
	b.StopTimer()
	io.WriteString(c, "QUIT\r\n")
	readReply()
	b.ReportMetric(float64(4*b.N)/b.Elapsed().Seconds(), "commands/s")
}

func BenchmarkTransactionPostern(b *testing.B) {
	srv, err := New(testConfig(map[string]string{"smtpd_peername_lookup": "no"}),
		Deps{Queue: discardQueue{}, Log: discardLog{}, Names: noNames{},
			FreeSpace: func(string) (int64, error) { return 1 << 40, nil }})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.Serve(c)
		}
	}()
	benchClient(b, ln.Addr().String())
}

// goSession is a go-smtp session that discards the message.
type goSession struct{}

func (goSession) Reset()                                 {}
func (goSession) Logout() error                          { return nil }
func (goSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (goSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (goSession) Data(r io.Reader) error                 { _, err := io.Copy(io.Discard, r); return err }

func BenchmarkTransactionGoSMTP(b *testing.B) {
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return goSession{}, nil
	}))
	s.Domain = "mx.example.com"
	s.ReadTimeout, s.WriteTimeout = 300*time.Second, 300*time.Second
	s.MaxMessageBytes = 10240000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	benchClient(b, ln.Addr().String())
}

// BenchmarkCommandParse is the per-command parsing work: tokenizing
// and finding the address.
func BenchmarkCommandParse(b *testing.B) {
	var args []token
	var a addrParser
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		args = tokenize(args, "MAIL FROM:<user.name@sub.example.com> SIZE=12345 BODY=8BITMIME")
		if p := a.findAddr(args[2].text); p.addr != "user.name@sub.example.com" {
			b.Fatal(p.addr)
		}
	}
}

func BenchmarkTokenize(b *testing.B) {
	var args []token
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		args = tokenize(args, "RCPT TO:<user@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user@example.com")
	}
}
