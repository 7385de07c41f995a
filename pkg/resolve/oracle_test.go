package resolve

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
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
	reply, err := oracleOne(dir, req)
	if err != nil {
		t.Fatal(err)
	}
	return reply
}

// oracleBatch asks the real trivial-rewrite each request, a few
// processes at a time (in stand-alone mode it answers one request and
// exits), and returns the replies in order.
func oracleBatch(t *testing.T, dir string, reqs []attr.List) []attr.List {
	t.Helper()
	replies := make([]attr.List, len(reqs))
	errs := make([]error, len(reqs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			replies[i], errs[i] = oracleOne(dir, reqs[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return replies
}

// oracleOne runs the real trivial-rewrite -S for one request.
func oracleOne(dir string, req attr.List) (attr.List, error) {
	var in bytes.Buffer
	if err := attr.NewWriter(&in, attr.Null).Write(req); err != nil {
		return nil, err
	}
	cmd := exec.Command(realTrivialRewrite, "-S")
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+dir)
	cmd.Stdin = &in
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("trivial-rewrite: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		return nil, fmt.Errorf("trivial-rewrite did not answer")
	}
	reply, err := attr.NewReader(&out, attr.Null).Read()
	if err != nil {
		return nil, fmt.Errorf("trivial-rewrite reply %q: %v", out.String(), err)
	}
	return reply, nil
}

// resultOf converts a resolve reply.
func resultOf(t *testing.T, reply attr.List) Result {
	t.Helper()
	if len(reply) != 5 {
		t.Fatalf("reply %v", reply)
	}
	flags, _ := strconv.Atoi(reply[4].Value)
	return Result{Transport: reply[1].Value, Nexthop: reply[2].Value, Recipient: reply[3].Value, Flags: Flags(flags)}
}

// oracleResolve asks the real trivial-rewrite to resolve addr.
func oracleResolve(t *testing.T, dir, request, sender, addr string) Result {
	t.Helper()
	return resultOf(t, oracle(t, dir, resolveReq(request, sender, addr)))
}

func resolveReq(request, sender, addr string) attr.List {
	return attr.List{{Name: "request", Value: request}, {Name: "sender", Value: sender}, {Name: "address", Value: addr}}
}
