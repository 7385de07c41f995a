package maillog

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
)

func testConfig(t testing.TB, maincf string) *config.Config {
	t.Helper()
	f, err := config.Parse("main.cf", []byte(maincf))
	if err != nil {
		t.Fatal(err)
	}
	return config.New(t.TempDir(), f)
}

// listenDgram makes a unixgram socket standing in for /dev/log or
// public/postlog.
func listenDgram(t testing.TB, path string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestSyslogRecord(t *testing.T) {
	dir := t.TempDir()
	old := SyslogPath
	SyslogPath = filepath.Join(dir, "log")
	defer func() { SyslogPath = old }()
	srv := listenDgram(t, SyslogPath)
	l, err := New(testConfig(t, "syslog_name = postfix/submission\n"), "/usr/libexec/postfix/smtpd")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.SetEcho(false)
	l.now = func() time.Time { return time.Date(2024, 11, 1, 8, 4, 5, 0, time.Local) }
	l.Info("connect from unknown[192.0.2.1]")
	want := fmt.Sprintf("<22>Nov  1 08:04:05 postfix/submission/smtpd[%d]: connect from unknown[192.0.2.1]", os.Getpid())
	if got := recv(t, srv); got != want {
		t.Errorf("info:\n got %q\nwant %q", got, want)
	}
	l.Warn("bad %s", "thing")
	want = fmt.Sprintf("<20>Nov  1 08:04:05 postfix/submission/smtpd[%d]: warning: bad thing", os.Getpid())
	if got := recv(t, srv); got != want {
		t.Errorf("warn:\n got %q\nwant %q", got, want)
	}
}

func TestFacility(t *testing.T) {
	if _, err := New(testConfig(t, "syslog_facility = bogus\n"), "x"); err == nil ||
		err.Error() != "unknown syslog facility: bogus" {
		t.Errorf("got %v", err)
	}
	l, err := New(testConfig(t, "syslog_facility = local3\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if l.priority != 19<<3 {
		t.Errorf("priority %d", l.priority)
	}
}

func TestPostlogSocketAndFallback(t *testing.T) {
	q := t.TempDir()
	logfile := filepath.Join(q, "maillog")
	cfg := testConfig(t, fmt.Sprintf("queue_directory = %s\nmaillog_file = %s\nmaillog_file_prefixes = %s\nmyhostname = mx.example.com\n", q, logfile, q))
	os.Mkdir(filepath.Join(q, "public"), 0755)
	srv := listenDgram(t, filepath.Join(q, "public", "postlog"))
	l, err := New(cfg, "qmgr")
	if err != nil {
		t.Fatal(err)
	}
	l.SetEcho(false)
	l.now = func() time.Time { return time.Date(2024, 11, 1, 8, 4, 5, 0, time.Local) }
	l.Error("oops")
	want := fmt.Sprintf("Nov 01 08:04:05 mx postfix/qmgr[%d]: error: oops", os.Getpid())
	if got := recv(t, srv); got != want {
		t.Errorf("got %q want %q", got, want)
	}
	srv.Close() // postlogd gone: the record goes to the file
	os.Remove(filepath.Join(q, "public", "postlog"))
	l.Info("direct")
	l.Close()
	data, _ := os.ReadFile(logfile)
	want = fmt.Sprintf("Nov 01 08:04:05 mx postfix/qmgr[%d]: direct\n", os.Getpid())
	if string(data) != want {
		t.Errorf("file %q want %q", data, want)
	}
}

func TestMaillogPrefix(t *testing.T) {
	cfg := testConfig(t, "maillog_file = /tmp/x.log\n")
	_, err := New(cfg, "smtpd")
	want := "maillog_file value '/tmp/x.log' does not match any prefix in maillog_file_prefixes"
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"a\r\nb\x00c\x7f":  "a??b?c?",
		"caf\xc3\xa9":      "café",
		"bad\xff\xfe utf8": "bad?? utf8",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Sanitize(strings.Repeat("x", 3000)); len(got) != RecordLimit {
		t.Errorf("length %d", len(got))
	}
}

func TestFatalRunsCleanupAndExits(t *testing.T) {
	var code int
	ran := false
	exitFunc = func(c int) { code = c }
	defer func() { exitFunc = os.Exit }()
	SetCleanup(func() { ran = true })
	r, w, _ := os.Pipe()
	oldErr := os.Stderr
	os.Stderr = w
	Fatal("do not run this command by hand")
	Panic("broken")
	os.Stderr = oldErr
	w.Close()
	out, _ := bufio.NewReader(r).ReadString(0)
	prog := filepath.Base(os.Args[0])
	want := prog + ": fatal: do not run this command by hand\n" + prog + ": panic: broken\n"
	if out != want || !ran || code != 2 {
		t.Errorf("out %q ran %v code %d", out, ran, code)
	}
}

// TestConcurrentWriters starts several processes that append to one
// maillog_file at once: every line must come out whole.
func TestConcurrentWriters(t *testing.T) {
	if os.Getenv("MAILLOG_TEST_WRITER") != "" {
		return
	}
	q := t.TempDir()
	logfile := filepath.Join(q, "maillog")
	var cmds []*exec.Cmd
	for i := 0; i < 4; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterChild$")
		cmd.Env = append(os.Environ(), "MAILLOG_TEST_WRITER="+logfile, "MAILLOG_TEST_Q="+q)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(logfile)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	re := regexp.MustCompile(`^\w{3} \d\d \d\d:\d\d:\d\d mx postfix/writer\[\d+\]: line \d+ x{500}$`)
	if len(lines) != 4*300 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, ln := range lines {
		if !re.MatchString(ln) {
			t.Fatalf("mangled line %q", ln)
		}
	}
}

func TestWriterChild(t *testing.T) {
	logfile := os.Getenv("MAILLOG_TEST_WRITER")
	if logfile == "" {
		t.Skip("helper process")
	}
	q := os.Getenv("MAILLOG_TEST_Q")
	cfg := testConfig(t, fmt.Sprintf("queue_directory = %s\nmaillog_file = %s\nmaillog_file_prefixes = %s\nmyhostname = mx\n", q, logfile, q))
	Init(cfg, "writer")
	Default().SetEcho(false)
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Info("line %d %s", i, strings.Repeat("x", 500))
		}()
	}
	wg.Wait()
	Default().Close()
}
