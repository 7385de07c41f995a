package cleanup

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWakerMerges: a burst of wake-up requests reaches qmgr at least
// once and far fewer times than requested; a request after the burst
// gets its own wake-up.
func TestWakerMerges(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "public"), 0o755)
	ln, err := net.Listen("unix", filepath.Join(dir, "public", "qmgr"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 200)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			b, _ := io.ReadAll(c)
			c.Close()
			got <- string(b)
		}
	}()
	wake := NewWaker(dir, func(f string, a ...any) { t.Errorf(f, a...) })
	for i := 0; i < 100; i++ {
		wake()
	}
	if s := <-got; s != "W\x00" {
		t.Errorf("qmgr got %q", s)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(got); n > 1 {
		t.Errorf("%d more wake-ups for one burst", n)
	}
	for len(got) > 0 {
		<-got
	}
	wake()
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Error("no wake-up after the burst")
	}
}
