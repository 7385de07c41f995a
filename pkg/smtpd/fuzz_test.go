package smtpd

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for command parsing, address parsing and whole sessions.
// Seed corpora are in testdata/fuzz.

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"MAIL FROM:<a@b> SIZE=10", "RCPT TO: <\"x y\"@z>", "EHLO <<a>", `a\ b "c`, "from:to:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		toks := tokenize(nil, line)
		pos := 0
		for _, tk := range toks {
			if tk.text == "" {
				t.Fatalf("empty token in %q", line)
			}
			i := strings.Index(line[pos:], tk.text)
			if i < 0 {
				t.Fatalf("token %q not in order in %q", tk.text, line)
			}
			pos += i + len(tk.text)
		}
	})
}

func FuzzAddress(f *testing.F) {
	for _, s := range []string{"<a@b.example>", "<>", "<@r1,@r2:u@d>", "<\"a b\"@c>", "a (comment) <b@c>",
		"<a b@c>", "g: a@b, c@d;", "<[1.2.3.4]>", `<a\@b@c>`, "<<a@b>>", "<a@b", "\"unterminated"} {
		f.Add(s)
	}
	var a addrParser
	f.Fuzz(func(t *testing.T, arg string) {
		p := a.findAddr(arg)
		q := a.findAddr(arg)
		if p != q {
			t.Fatalf("not deterministic: %+v %+v", p, q)
		}
		if simpleAddr(arg) {
			if slow := a.parseAddr(arg); slow != p {
				t.Fatalf("fast path %+v, parser %+v", p, slow)
			}
		}
		addrSyntaxOK(arg, p, true, true)
		addrSyntaxOK(arg, p, false, false)
	})
}

// memConn is a net.Conn that reads a fixed input and discards output.
type memConn struct {
	r *bytes.Reader
}

func (c *memConn) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}
func (c *memConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
		"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@example.com>\r\nBDAT 3 LAST\r\nabcQUIT\r\n",
		"MAIL FROM:<a@b.example> RET=FULL ENVID=a+41\r\nRCPT TO:<u@example.com> NOTIFY=NEVER ORCPT=utf-8;\\x{41}\r\n",
		"HELO x\nDATA\n.\n", "VRFY <a@b>\r\nETRN #x\r\nBDAT 0\r\nBDAT 1\r\nx\r\n",
	} {
		f.Add(s)
	}
	srv, err := New(testConfig(map[string]string{"smtpd_forbid_bare_newline_exclusions": "",
		"line_length_limit": "512", "smtpd_hard_error_limit": "1000"}),
		Deps{Queue: &fakeQueue{}, Log: discardLog{}, Names: noNames{},
			FreeSpace: func(string) (int64, error) { return 1 << 40, nil }, Sleep: func(time.Duration) {}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input string) {
		srv.Serve(&memConn{r: bytes.NewReader([]byte(input))})
	})
}
