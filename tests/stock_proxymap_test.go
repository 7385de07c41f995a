package tests

// The real Postfix's postmap, as a proxymap client, pointed at a Postern
// instance that runs the stock master.cf: "postmap -q key
// proxy:hash:FILE" asks Postern's proxymap(8) over private/proxymap
// with Postfix's own client code.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const realPostmap = "/usr/sbin/postmap"

func TestStockProxymapPostfixClient(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(realPostmap); err != nil {
		t.Skip("no real Postfix postmap: ", err)
	}
	requireStockRoot(t)
	dir := t.TempDir()
	table := filepath.Join(dir, "access")
	s := newStockSetup(t, "", "proxy_read_maps = proxy:hash:"+table)
	stockWriteFile(t, table, "Alice@Example.com OK\nexample.net REJECT no thanks\n", 0o644)
	stockPostmap(t, s.inst, "postmap", "hash:"+table)
	postmap := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(realPostmap, append([]string{"-c", s.inst.ConfigDir}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := postmap("", "-q", "alice@EXAMPLE.com", "proxy:hash:"+table); err != nil || out != "OK\n" {
		t.Errorf("postmap -q (found): %v %q", err, out)
	}
	out, err := postmap("", "-q", "bob@example.com", "proxy:hash:"+table)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || out != "" {
		t.Errorf("postmap -q (not found): %v %q", err, out)
	}
	if out, err := postmap("example.net\nnobody\n", "-q", "-", "proxy:hash:"+table); err != nil ||
		out != "example.net\tREJECT no thanks\n" {
		t.Errorf("postmap -q - : %v %q", err, out)
	}
	// Postfix's client refuses to list proxied tables by itself.
	if out, err := postmap("", "-s", "proxy:hash:"+table); err == nil ||
		!strings.Contains(out, "postmap: fatal: can't sequence maps via the proxy service") {
		t.Errorf("postmap -s: %v %q", err, out)
	}
	other := filepath.Join(dir, "other")
	out, err = postmap("", "-q", "x", "proxy:hash:"+other)
	want := `postmap: fatal: proxymap service is not configured for table "hash:` + other + `"`
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("unapproved table: %v %q, want %q", err, out, want)
	}
	s.inst.WaitLog(t, `postfix/proxymap\[\d+\]: warning: request for unapproved table: "hash:`+stockQuote(other)+`"`)
	s.inst.Stop(t)
	// The real postmap logs its own fatal errors to maillog_file too.
	var bad []string
	for _, line := range stockBadLogLines(s.inst.Log()) {
		if !strings.Contains(line, " postfix/postmap[") {
			bad = append(bad, line)
		}
	}
	if len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}
