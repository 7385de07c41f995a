package cleanup

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestWakeQmgrSocket(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "public"), 0o755)
	ln, err := net.Listen("unix", filepath.Join(dir, "public", "qmgr"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	if err := WakeQmgr(dir); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "W\x00" {
		t.Errorf("qmgr got %q", s)
	}
}

func TestWakeQmgrFIFO(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "public"), 0o755)
	path := filepath.Join(dir, "public", "qmgr")
	if err := syscall.Mkfifo(path, 0o622); err != nil {
		t.Fatal(err)
	}
	// No reader: nothing happens, nothing blocks.
	if err := WakeQmgr(dir); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := WakeQmgr(dir); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "W" {
		t.Errorf("fifo got %q", buf[:n])
	}
}

func TestWakeQmgrMissing(t *testing.T) {
	err := WakeQmgr(t.TempDir())
	if err == nil || err.Error() != "unable to look up public/qmgr: No such file or directory" {
		t.Errorf("err %v", err)
	}
}
