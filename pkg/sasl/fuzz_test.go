package sasl

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FuzzDovecotClient plays an arbitrary Dovecot auth server: the bytes
// of its handshake, then one line of replies for each request (ID 1 is
// the first request's), then the server hangs up. The client must
// neither crash nor hang, and must only report success with a user
// name. Seeds in testdata/fuzz/FuzzDovecotClient.
func FuzzDovecotClient(f *testing.F) {
	good := "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t1\nCUID\t1\nCOOKIE\tabc\nDONE\n"
	for _, s := range [][2]string{
		{good, "OK\t1\tuser=bob\n"},
		{good, "CONT\t1\tVXNlcm5hbWU6\nCONT\t1\tUGFzc3dvcmQ6\nOK\t1\tuser=bob\n"},
		{good, "FAIL\t1\tuser=bob\treason=Password expired\ttemp\n"},
		{good, "OK\t1\n"},
		{good, "CONT\t1\n"},
		{good, "OK\t4294967296\tuser=x\nOK\t-1\nFAIL\t\nCONT\nFAIL\t1"},
		{"VERSION\t2\t0\nDONE\n", ""},
		{"VERSION\t1\nMECH\nMECH\tX\tprivate\tbogus\nDONE\n", "OK\t1\tuser=\x00\xff\n"},
		{"VERSION\t1\t0\nSPID\t1\nDONE\n", ""},
		{"VERSION\tx\ty\n", ""},
		{"", ""},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, handshake, replies []byte) {
		d := NewDovecot("private/auth", "", 1)
		d.Timeout = 500 * time.Millisecond
		dials := 0
		d.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			if dials++; dials > 3 {
				return nil, errors.New("no more connections")
			}
			return fakeDovecot(handshake, replies), nil
		}
		mechs, err := d.Mechanisms()
		var names []string
		for _, m := range mechs {
			if m.Name == "" || m.Props&Private != 0 {
				t.Fatalf("mechanism %+v offered", m)
			}
			names = append(names, m.Name)
		}
		if err != nil {
			names = []string{"PLAIN"}
		}
		x, r := d.Start(Request{Mech: "PLAIN", Initial: "AGJvYgB4", HasInitial: true, Offered: names,
			Service: "smtp", LocalIP: "127.0.0.1", RemoteIP: "127.0.0.1"})
		for i := 0; i < 4 && r.Status == More; i++ {
			checkResult(t, x, r)
			x, r = x.Next("eA==")
		}
		checkResult(t, x, r)
		if x != nil {
			x.Abort()
		}
	})
}

// checkResult checks what smtpd relies on: an exchange exactly when
// the server wants more, a user name with every success, and no
// control characters in what reaches the log or the client.
func checkResult(t *testing.T, x *Exchange, r Result) {
	if r.Status < Done || r.Status > Temp {
		t.Fatalf("status %d", r.Status)
	}
	if (x != nil) != (r.Status == More) {
		t.Fatalf("exchange %v with status %d", x != nil, r.Status)
	}
	if r.Status == Done && r.User == "" {
		t.Fatalf("authenticated without a user name: %+v", r)
	}
	if strings.ContainsAny(r.User, "\r\n\x00") || strings.ContainsAny(r.Text, "\n\x00") && r.Status != More {
		t.Fatalf("control characters in %+v", r)
	}
}

// fakeDovecot returns the client end of a connection whose server
// writes the handshake, then answers each AUTH or CONT request with the
// next lines of replies up to one that names the request's ID (junk
// and other IDs included), and hangs up when it has no more.
func fakeDovecot(handshake, replies []byte) net.Conn {
	client, server := socketPair()
	go func() {
		defer server.Close()
		server.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := server.Write(handshake); err != nil || !hasDone(handshake) {
			return // hanging up, as the client would wait for DONE
		}
		lines := strings.SplitAfter(string(replies), "\n")
		br := bufio.NewReader(server)
		for len(lines) > 0 && lines[0] != "" {
			req, err := br.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Split(req, "\t")
			if len(f) < 2 || f[0] != "AUTH" && f[0] != "CONT" {
				continue
			}
			n := 1
			for n < len(lines) && !answers(lines[n-1], f[1]) {
				n++
			}
			if _, err := server.Write([]byte(strings.Join(lines[:n], ""))); err != nil {
				return
			}
			lines = lines[n:]
		}
	}()
	return client
}

// hasDone reports whether the client's handshake reader finds its end.
func hasDone(handshake []byte) bool {
	for _, line := range strings.Split(string(handshake), "\n") {
		if strings.Split(line, "\t")[0] == "DONE" {
			return true
		}
	}
	return false
}

// answers reports whether a reply line is for request id.
func answers(line, id string) bool {
	f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
	return len(f) >= 2 && f[1] == id
}

// socketPair is a connected pair of UNIX stream sockets: unlike
// net.Pipe, each direction is buffered, as with a real server.
func socketPair() (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		panic(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			panic(err)
		}
		return c
	}
	return conn(fds[0]), conn(fds[1])
}
