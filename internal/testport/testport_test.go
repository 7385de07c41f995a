package testport

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestFreeNeverTwice(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 200; i++ {
		p := Free(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

func TestClaimFiles(t *testing.T) {
	dir := claimDir()
	if dir == "" {
		t.Skip("no claim directory")
	}
	var port int
	t.Run("held", func(t *testing.T) {
		port = Free(t)
		if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(port))); err != nil {
			t.Fatalf("claim of %d: %v", port, err)
		}
		if claim(dir, port) {
			t.Fatalf("port %d claimed twice", port)
		}
	})
	// The claim ends with the test that made it.
	if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(port))); !os.IsNotExist(err) {
		t.Fatalf("claim of %d after its test: %v", port, err)
	}
	// A stale claim (a killed test binary) is taken over.
	path := filepath.Join(dir, strconv.Itoa(port))
	if !claim(dir, port) {
		t.Fatal("free port not claimed")
	}
	defer os.Remove(path)
	old := time.Now().Add(-2 * staleClaim)
	os.Chtimes(path, old, old)
	if !claim(dir, port) {
		t.Fatal("stale claim not taken over")
	}
}
