package sasl

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dcConn is one connection to the auth server. A reader goroutine
// hands each OK, CONT or FAIL line to the request with its ID.
type dcConn struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration
	wmu     sync.Mutex // one writer at a time

	mu      sync.Mutex
	pending map[uint32]chan []string
	dead    bool
}

func newConn(nc net.Conn, timeout time.Duration) *dcConn {
	return &dcConn{nc: nc, br: bufio.NewReaderSize(nc, 4096), timeout: timeout,
		pending: map[uint32]chan []string{}}
}

func (c *dcConn) send(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write([]byte(s))
	return err
}

func (c *dcConn) readLine() (string, error) {
	line, err := c.br.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// handshake reads the server's lines up to DONE. An error with empty
// text is a failure Postfix does not log (the connection closed).
func (c *dcConn) handshake() ([]Mech, error) {
	c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	defer c.nc.SetReadDeadline(time.Time{})
	mechs := []Mech{}
	haveMech := false
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, errors.New("")
		}
		f := strings.Split(line, "\t")
		switch f[0] {
		case "VERSION":
			if err := checkVersion(f[1:]); err != nil {
				return nil, err
			}
		case "MECH":
			if len(f) < 2 {
				continue
			}
			haveMech = true
			if p := parseFlags(f[2:]); p&Private == 0 {
				mechs = append(mechs, Mech{Name: f[1], Props: p})
			}
		case "SPID":
			if !haveMech {
				return nil, errors.New("SASL: Connected to wrong auth socket (auth-master instead of auth-client)")
			}
		case "DONE":
			return mechs, nil
		}
	}
}

func checkVersion(f []string) error {
	if len(f) < 2 {
		return errors.New("SASL: Protocol version error")
	}
	major, err1 := strconv.ParseUint(f[0], 10, 32)
	_, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil {
		return errors.New("SASL: Protocol version error")
	}
	if major != 1 {
		return fmt.Errorf("SASL: Protocol version mismatch (%d vs. 1)", major)
	}
	return nil
}

// readLoop dispatches replies until the connection fails, then wakes
// every waiting request.
func (c *dcConn) readLoop() {
	for {
		line, err := c.readLine()
		if err != nil {
			break
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || f[0] != "OK" && f[0] != "CONT" && f[0] != "FAIL" {
			continue // unknown commands are ignored
		}
		id, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			continue
		}
		c.mu.Lock()
		ch := c.pending[uint32(id)]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- f:
			default: // a reply nobody waits for
			}
		}
	}
	c.mu.Lock()
	c.dead = true
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	c.nc.Close()
}

// usable reports whether the connection is still open.
func (c *dcConn) usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.dead
}

func (c *dcConn) close() { c.nc.Close() }

// register makes room for the replies to request id.
func (c *dcConn) register(id uint32) (chan []string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return nil, false
	}
	ch := make(chan []string, 1)
	c.pending[id] = ch
	return ch, true
}

func (c *dcConn) unregister(id uint32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// wait returns the next reply to a request; nil when the connection
// was lost or the server did not answer in time.
func (c *dcConn) wait(ch chan []string) []string {
	t := time.NewTimer(c.timeout)
	defer t.Stop()
	select {
	case f, ok := <-ch:
		if ok {
			return f
		}
	case <-t.C:
	}
	return nil
}

// errnoText is the strerror() text of a connection error.
func errnoText(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		var errno syscall.Errno
		if errors.As(se.Err, &errno) {
			s := errno.Error()
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "Connection timed out"
	}
	return err.Error()
}
