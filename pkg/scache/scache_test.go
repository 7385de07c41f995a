package scache

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newScache(t *testing.T) (*Service, *Client, *[]string) {
	var mu sync.Mutex
	var logs []string
	logf := func(level string) func(string, ...any) {
		return func(format string, args ...any) {
			mu.Lock()
			logs = append(logs, level+fmt.Sprintf(format, args...))
			mu.Unlock()
		}
	}
	s := &Service{Cache: NewCache(), TTLLimit: 2 * time.Second, StatTime: 600 * time.Second,
		Timeout: 5 * time.Second, Info: logf(""), Warn: logf("warning: ")}
	s.st.start = time.Now()
	sock := filepath.Join(t.TempDir(), "scache")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); s.Serve(c) }()
		}
	}()
	c := &Client{Path: sock, Timeout: 5 * time.Second}
	t.Cleanup(func() { c.Close(); l.Close(); wg.Wait(); s.Cache.Close() })
	return s, c, &logs
}

// pipeFD returns one end of a pipe whose other end carries marker.
func pipeFD(t *testing.T, marker string) int {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Write(p[1], []byte(marker))
	unix.Close(p[1])
	return p[0]
}

func readFD(fd int) string {
	f := os.NewFile(uintptr(fd), "cached")
	defer f.Close()
	b := make([]byte, 64)
	n, _ := f.Read(b)
	return string(b[:n])
}

func TestSaveFindEndpDest(t *testing.T) {
	s, c, logs := newScache(t)
	if err := c.SaveEndp(300, "smtp:192.0.2.1:25", "endp-prop", pipeFD(t, "conn1")); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDest(300, "smtp:example.com:25", "dest-prop", "smtp:192.0.2.1:25"); err != nil {
		t.Fatal(err)
	}
	fd, dprop, eprop, err := c.FindDest("smtp:example.com:25")
	if err != nil || dprop != "dest-prop" || eprop != "endp-prop" {
		t.Fatalf("find_dest: %v %q %q", err, dprop, eprop)
	}
	if got := readFD(fd); got != "conn1" {
		t.Errorf("descriptor carries %q", got)
	}
	// The connection was handed over: the next lookup misses.
	if _, _, err := c.FindEndp("smtp:192.0.2.1:25"); err != ErrNotFound {
		t.Errorf("second find_endp: %v", err)
	}
	c.SaveEndp(300, "smtp:192.0.2.1:25", "p2", pipeFD(t, "conn2"))
	fd, prop, err := c.FindEndp("smtp:192.0.2.1:25")
	if err != nil || prop != "p2" || readFD(fd) != "conn2" {
		t.Errorf("find_endp: %v %q", err, prop)
	}
	s.Dump()
	got := strings.Join(*logs, "\n")
	for _, want := range []string{"statistics: domain lookup hits=1 miss=0 success=100%",
		"statistics: address lookup hits=1 miss=1 success=50%",
		"statistics: max simultaneous domains=1 addresses=1 connection=1"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestTTLLimit(t *testing.T) {
	s, c, _ := newScache(t)
	s.TTLLimit = 50 * time.Millisecond
	c.SaveEndp(300, "e", "p", pipeFD(t, "x"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, n := s.Cache.Size(); n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cached connection did not expire at the TTL limit")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBadRequest(t *testing.T) {
	_, c, logs := newScache(t)
	if err := c.SaveDest(0, "d", "p", "e"); err == nil {
		t.Error("ttl 0 accepted")
	}
	if len(*logs) != 1 || (*logs)[0] != "warning: scache_save_dest_service: bad or missing request parameter" {
		t.Errorf("logs %q", *logs)
	}
}
