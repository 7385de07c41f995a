package tests

// Real peers for the end-to-end tests of the mail path (e2e_*_test.go):
// Postfix's smtp-sink as the next hop, a private Dovecot for LMTP, swaks
// as the SMTP client, and helpers around a Postern instance built from
// the stock etc/master.cf. Every peer is started by the test on a free
// loopback port or a temporary socket and stopped when the test ends;
// a test whose peer is not installed is skipped.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

const e2eSinkPath = "/usr/sbin/smtp-sink"

// e2eWaitDial waits (bounded) until network/addr accepts connections.
func e2eWaitDial(t *testing.T, network, addr string) {
	t.Helper()
	harness.Eventually(t, network+" "+addr+" accepting", func() bool {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// e2eProc is a peer process in its own process group.
type e2eProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// e2eStart starts a program in its own process group; it is stopped
// when the test ends (or earlier with stop).
func e2eStart(t *testing.T, name string, args ...string) *e2eProc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &e2eProc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	return p
}

// stop terminates the process group and waits (bounded) for the process.
func (p *e2eProc) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// e2eSink is a running smtp-sink that dumps every message into dir.
type e2eSink struct {
	addr string // 127.0.0.1:PORT
	dir  string
	proc *e2eProc
}

// startE2ESink runs "smtp-sink -u root -d DIR/msg. [opts] 127.0.0.1:PORT
// 100" on port (0: a free one).
func startE2ESink(t *testing.T, port int, opts ...string) *e2eSink {
	t.Helper()
	if _, err := os.Stat(e2eSinkPath); err != nil {
		t.Skip("smtp-sink not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("smtp-sink -u root needs root")
	}
	if port == 0 {
		port = harness.FreePort(t)
	}
	s := &e2eSink{addr: "127.0.0.1:" + strconv.Itoa(port), dir: t.TempDir()}
	args := append([]string{"-u", "root", "-d", s.dir + "/msg."}, opts...)
	s.proc = e2eStart(t, e2eSinkPath, append(args, s.addr, "100")...)
	e2eWaitDial(t, "tcp", s.addr)
	return s
}

// port is the sink's port number.
func (s *e2eSink) port() string { return s.addr[strings.LastIndexByte(s.addr, ':')+1:] }

// portNumber is the sink's port, to start a successor on it.
func (s *e2eSink) portNumber() int { n, _ := strconv.Atoi(s.port()); return n }

// messages returns the dumped messages (X-*-Args lines and the message).
func (s *e2eSink) messages(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.dir, "msg.*"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// waitMessages waits until the sink holds n messages and returns them.
func (s *e2eSink) waitMessages(t *testing.T, n int) []string {
	t.Helper()
	var msgs []string
	harness.Eventually(t, fmt.Sprintf("%d message(s) at the sink", n), func() bool {
		msgs = s.messages(t)
		return len(msgs) >= n
	})
	return msgs
}

// e2eMasterCF is the stock etc/master.cf with the smtp inet service
// moved to {port:smtp} (the instance must not take port 25) and the
// services in drop commented out, as an administrator would.
func e2eMasterCF(t *testing.T, drop ...string) string {
	t.Helper()
	b, err := os.ReadFile("../etc/master.cf")
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^smtp(\s+inet\s)`).ReplaceAllString(string(b), "127.0.0.1:{port:smtp}$1")
	for _, name := range drop {
		text = regexp.MustCompile(`(?m)^(`+regexp.QuoteMeta(name)+`\s+unix\s.*)$`).ReplaceAllString(text, "#$1")
	}
	return text
}

// e2eSwaks runs swaks against the instance's smtp service and returns
// its transcript; the test fails when swaks fails.
func e2eSwaks(t *testing.T, inst *harness.Instance, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Skip("swaks not installed")
	}
	addr := inst.Addr(t, "smtp")
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	all := append([]string{"--server", host, "--port", port, "--timeout", "30"}, args...)
	out, err := exec.CommandContext(ctx, "swaks", all...).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks %s: %v\n%s\nlog:\n%s", strings.Join(all, " "), err, out, inst.Log())
	}
	return string(out)
}

// e2eQueuedAs returns the queue ID of the "250 2.0.0 Ok: queued as ID"
// reply in a swaks transcript.
func e2eQueuedAs(t *testing.T, transcript string) string {
	t.Helper()
	m := regexp.MustCompile(`<[-~]* +250 2\.0\.0 Ok: queued as ([0-9A-Za-z]+)`).FindStringSubmatch(transcript)
	if m == nil {
		t.Fatalf("no 'queued as' in the transcript:\n%s", transcript)
	}
	return m[1]
}

// e2ePostqueue runs "postqueue -c CONFIG_DIR args..." and returns stdout.
func e2ePostqueue(t *testing.T, inst *harness.Instance, args ...string) string {
	t.Helper()
	bin := harness.Build(t, "postqueue")
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "postqueue"), append([]string{"-c", inst.ConfigDir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("postqueue %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// e2eQueueEmpty waits until postqueue -p says the queue is empty.
func e2eQueueEmpty(t *testing.T, inst *harness.Instance) {
	t.Helper()
	var out string
	harness.Eventually(t, "an empty queue", func() bool {
		out = e2ePostqueue(t, inst, "-p")
		return out == "Mail queue is empty\n"
	})
}

// e2eHeaders returns every value of header name in a message's header
// (continuation lines joined, white space collapsed).
func e2eHeaders(msg, name string) []string {
	head, _, _ := strings.Cut(strings.ReplaceAll(msg, "\r\n", "\n"), "\n\n")
	re := regexp.MustCompile(`(?im)^` + regexp.QuoteMeta(name) + `:[ \t]*(.*(?:\n[ \t].*)*)`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(head, -1) {
		out = append(out, strings.Join(strings.Fields(m[1]), " "))
	}
	return out
}

// e2eHeader returns the first value of header name, or "".
func e2eHeader(msg, name string) string {
	if h := e2eHeaders(msg, name); len(h) > 0 {
		return h[0]
	}
	return ""
}
