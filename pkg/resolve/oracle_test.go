package resolve

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// The real Postfix trivial-rewrite is the behaviour oracle: run in
// stand-alone mode (-S) with a private configuration directory and queue
// directory, it reads one request on stdin and writes its reply on
// stdout. The system's own Postfix instance is never touched.
const realTrivialRewrite = "/usr/lib/postfix/sbin/trivial-rewrite"

func needOracle(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realTrivialRewrite); err != nil {
		t.Skip("real Postfix trivial-rewrite not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("the real trivial-rewrite needs root")
	}
}

// testDir writes main.cf into a new configuration directory with its own
// queue directory and returns the directory.
func testDir(t *testing.T, maincf string) string {
	t.Helper()
	dir := t.TempDir()
	q := filepath.Join(dir, "queue")
	if err := os.Mkdir(q, 0o755); err != nil {
		t.Fatal(err)
	}
	text := "compatibility_level = 3.6\nqueue_directory = " + q + "\n" + maincf
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ourResolver builds a Resolver over the configuration in dir.
func ourResolver(t *testing.T, dir string) (*Resolver, *[]string) {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	var logs []string
	r.Info = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	r.Warn = func(f string, a ...any) { logs = append(logs, "warning: "+fmt.Sprintf(f, a...)) }
	return r, &logs
}

// oracle sends one request to the real trivial-rewrite.
func oracle(t *testing.T, dir string, req attr.List) attr.List {
	t.Helper()
	var in bytes.Buffer
	if err := attr.NewWriter(&in, attr.Null).Write(req); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(realTrivialRewrite, "-S")
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+dir)
	cmd.Stdin = &in
	var out bytes.Buffer
	cmd.Stdout = &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("trivial-rewrite: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("trivial-rewrite did not answer")
	}
	reply, err := attr.NewReader(&out, attr.Null).Read()
	if err != nil {
		t.Fatalf("trivial-rewrite reply %q: %v", out.String(), err)
	}
	return reply
}

// oracleResolve asks the real trivial-rewrite to resolve addr.
func oracleResolve(t *testing.T, dir, request, sender, addr string) Result {
	t.Helper()
	reply := oracle(t, dir, attr.List{{Name: "request", Value: request},
		{Name: "sender", Value: sender}, {Name: "address", Value: addr}})
	if len(reply) != 5 {
		t.Fatalf("reply %v", reply)
	}
	flags, _ := strconv.Atoi(reply[4].Value)
	return Result{Transport: reply[1].Value, Nexthop: reply[2].Value, Recipient: reply[3].Value, Flags: Flags(flags)}
}

// oracleRewrite asks the real trivial-rewrite to rewrite addr.
func oracleRewrite(t *testing.T, dir, rule, addr string) string {
	t.Helper()
	reply := oracle(t, dir, attr.List{{Name: "request", Value: "rewrite"},
		{Name: "rule", Value: rule}, {Name: "address", Value: addr}})
	if len(reply) != 2 {
		t.Fatalf("reply %v", reply)
	}
	return reply[1].Value
}
