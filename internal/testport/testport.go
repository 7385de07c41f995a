// Package testport hands out free loopback TCP ports to tests.
//
// Tests start servers (Postern and the real Postfix among them) on ports
// chosen in advance, written into master.cf. A port is chosen by binding
// port 0 and closing the socket, and the kernel may give the same number
// to the next such probe, in this process or in another test binary that
// runs at the same time (go test runs packages in parallel). Postfix's
// listeners set SO_REUSEPORT, so two Postfix instances told the same port
// both bind it and the kernel splits the connections between them: a
// test then talks to the wrong server now and then.
//
// Free never hands out a port twice: within a process it remembers the
// ports it returned, and across processes it claims each port with a file
// created with O_EXCL in a directory under os.TempDir(), removed when the
// test that asked for it ends (claims older than an hour are taken to be
// left by a killed test binary).
package testport

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// staleClaim is the age after which a claim file is taken to be left by
// a test binary that was killed.
const staleClaim = time.Hour

var (
	mu   sync.Mutex
	mine = map[int]bool{}
)

// Free returns a TCP port on 127.0.0.1 that nothing listens on now and
// that no other caller, in this process or another, holds.
func Free(t testing.TB) int {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	dir := claimDir()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for i := 0; i < 1000; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if mine[port] || !claim(dir, port) {
			held = append(held, l) // keeps the kernel from offering it again
			continue
		}
		l.Close()
		mine[port] = true
		if dir != "" {
			t.Cleanup(func() { os.Remove(filepath.Join(dir, strconv.Itoa(port))) })
		}
		return port
	}
	t.Fatal("testport: no free port found")
	return 0
}

// claimDir returns the directory of the claim files, "" when it cannot
// be made (then only this process's ports are kept apart).
func claimDir() string {
	dir := filepath.Join(os.TempDir(), "postern-test-ports")
	if err := os.Mkdir(dir, 0o777); err != nil && !errors.Is(err, os.ErrExist) {
		return ""
	}
	os.Chmod(dir, 0o777|os.ModeSticky) // any user's tests may claim ports
	return dir
}

// claim creates the claim file of port, replacing a stale one; false
// when another process holds the port.
func claim(dir string, port int) bool {
	if dir == "" {
		return true
	}
	path := filepath.Join(dir, strconv.Itoa(port))
	for tries := 0; tries < 2; tries++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			f.Close()
			return true
		}
		if !errors.Is(err, os.ErrExist) {
			return true // no claims possible here: in-process only
		}
		st, err := os.Stat(path)
		if err != nil || time.Since(st.ModTime()) < staleClaim {
			return false
		}
		os.Remove(path)
	}
	return false
}
