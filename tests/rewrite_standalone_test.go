package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestTrivialRewriteStandalone: trivial-rewrite -S serves one client on
// standard input without the master and, as Postfix's (no post-accept
// hook in multi_server.c stand-alone mode), answers without announcing
// its protocol first.
func TestTrivialRewriteStandalone(t *testing.T) {
	t.Parallel()
	bin := harness.Build(t, "trivial-rewrite")
	dir := t.TempDir()
	qdir := filepath.Join(dir, "queue")
	if err := os.Mkdir(qdir, 0o755); err != nil {
		t.Fatal(err)
	}
	mainCF := "queue_directory = " + qdir + "\nmyhostname = mx.example.com\nmydomain = example.com\ncompatibility_level = 3.6\n"
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(mainCF), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "trivial-rewrite"), "-S")
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+dir)
	cmd.Stdin = strings.NewReader("request\x00resolve\x00sender\x00\x00address\x00user@example.net\x00\x00")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("trivial-rewrite -S: %v: %q", err, out)
	}
	want := "flags\x000\x00transport\x00smtp\x00nexthop\x00example.net\x00recipient\x00user@example.net\x00flags\x004096\x00\x00"
	if string(out) != want {
		t.Errorf("reply %q, want %q", out, want)
	}
}
