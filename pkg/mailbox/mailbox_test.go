package mailbox

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain doubles as a process that holds a lock on a file, for the
// contention tests: fcntl(2) locks only conflict between processes.
func TestMain(m *testing.M) {
	if IsHelper() { // TestRunnerProcessName
		HelperMain()
		return
	}
	if path := os.Getenv("MAILBOX_TEST_HOLD"); path != "" {
		holdLock(path, os.Getenv("MAILBOX_TEST_STYLE"))
		return
	}
	os.Exit(m.Run())
}

func holdLock(path, style string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		os.Exit(2)
	}
	if style == "flock" {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
	} else {
		lk := unix.Flock_t{Type: unix.F_WRLCK}
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
	}
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin) // until the test closes our stdin
}

// lockedBy starts a process holding a style lock on path; the returned
// function releases it.
func lockedBy(t *testing.T, path, style string) func() {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MAILBOX_TEST_HOLD="+path, "MAILBOX_TEST_STYLE="+style)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("lock holder: %q %v", line, err)
	}
	return func() { in.Close(); cmd.Wait() }
}

var fast = LockParams{Attempts: 2, Delay: time.Millisecond, Stale: 500 * time.Second}

func TestParseLockMask(t *testing.T) {
	m, err := ParseLockMask("mailbox_delivery_lock", "fcntl, dotlock")
	if err != nil || m != LockFcntl|LockDot {
		t.Fatalf("got %v %v", m, err)
	}
	_, err = ParseLockMask("mailbox_delivery_lock", "fcntl, lockf")
	if err == nil || err.Error() != `unknown mailbox_delivery_lock value "lockf" in "fcntl, lockf"` {
		t.Fatalf("got %v", err)
	}
	_, err = ParseLockMask("virtual_mailbox_lock", "")
	if err == nil || err.Error() != "parameter virtual_mailbox_lock specifies no applicable mailbox locking method" {
		t.Fatalf("got %v", err)
	}
}

func TestDotLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "user")
	if err := DotLock(path, fast); err != nil {
		t.Fatal(err)
	}
	err := DotLock(path, fast)
	want := "unable to create lock file " + path + ".lock: File exists"
	if err == nil || err.Error() != want || !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("second lock: %v, want %s", err, want)
	}
	DotUnlock(path)
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Fatalf("lock file still there: %v", err)
	}
}

func TestDotLockStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "user")
	os.WriteFile(path+".lock", nil, 0)
	p := fast
	p.Stale = -time.Hour // any existing lock is older than that
	if err := DotLock(path, p); err != nil {
		t.Fatalf("stale lock not broken: %v", err)
	}
}

func TestOpenMboxCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "user")
	mb, e := OpenMbox(path, -1, -1, LockFcntl|LockDot, fast, "5.2.0", nil)
	if e != nil {
		t.Fatal(e)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("no dotlock while open: %v", err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	mb.Release()
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("dotlock left behind: %v", err)
	}
}

func TestOpenMboxHeldByDotlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "user")
	os.WriteFile(path+".lock", nil, 0)
	_, e := OpenMbox(path, -1, -1, LockFcntl|LockDot, fast, "5.2.0", nil)
	if e == nil || e.Status != "4.2.0" || e.Text != "unable to create lock file "+path+".lock: File exists" {
		t.Fatalf("got %#v", e)
	}
}

func TestOpenMboxKernelLockContention(t *testing.T) {
	for _, style := range []struct {
		name string
		mask LockMask
	}{{"fcntl", LockFcntl}, {"flock", LockFlock}} {
		t.Run(style.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "user")
			os.WriteFile(path, []byte("x"), 0o600)
			release := lockedBy(t, path, style.name)
			_, e := OpenMbox(path, -1, -1, style.mask|LockDot, fast, "5.2.0", nil)
			if e == nil || e.Status != "4.2.0" || e.Text != "unable to lock for exclusive access: Resource temporarily unavailable" {
				t.Fatalf("got %#v", e)
			}
			if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
				t.Errorf("dotlock left behind after failure")
			}
			release()
			mb, e := OpenMbox(path, -1, -1, style.mask|LockDot, fast, "5.2.0", nil)
			if e != nil {
				t.Fatalf("after release: %v", e)
			}
			mb.Release()
		})
	}
}

func TestOpenMboxRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, nil, 0o600)
	os.Symlink(target, filepath.Join(dir, "sym"))
	os.Link(target, filepath.Join(dir, "hard"))
	for name, want := range map[string]string{"sym": "file has 2 hard links", "hard": "file has 2 hard links"} {
		_, e := OpenMbox(filepath.Join(dir, name), -1, -1, LockFcntl, fast, "5.2.0", nil)
		if e == nil || e.Text != want || e.Status != "5.2.0" {
			t.Errorf("%s: got %#v, want %q", name, e, want)
		}
	}
	os.Remove(filepath.Join(dir, "hard"))
	_, e := OpenMbox(filepath.Join(dir, "sym"), -1, -1, LockFcntl, fast, "5.2.0", nil)
	if os.Getuid() != 0 && (e == nil || e.Text != "file is a symbolic link") {
		t.Errorf("symlink: got %#v", e)
	}
	_, e = OpenMbox(dir, -1, -1, LockFcntl, fast, "5.2.0", nil)
	if e == nil || e.Text != "cannot open file: Is a directory" {
		t.Errorf("directory: got %#v", e)
	}
}

func TestPrefix(t *testing.T) {
	now := time.Date(2024, 11, 1, 9, 5, 7, 0, time.Local)
	env := Envelope{Sender: "john doe@example.com", OrigRcpt: "Root", Delivered: "bob@example.com", EnableOrigRcpt: true, Now: now}
	got := Prefix(CopyMbox, env)
	want := "From \"john doe\"@example.com  Fri Nov  1 09:05:07 2024\n" +
		"Return-Path: <\"john doe\"@example.com>\n" +
		"X-Original-To: Root\n" +
		"Delivered-To: bob@example.com\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	env.Sender, env.EnableOrigRcpt = "", false
	got = Prefix(CopyFrom|CopyReturnPath|CopyOrigRcpt, env)
	want = "From MAILER-DAEMON  Fri Nov  1 09:05:07 2024\nReturn-Path: <>\n"
	if got != want {
		t.Errorf("null sender: got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteMessage(t *testing.T) {
	in := "Subject: x\n\nFrom me\n>From you\n.dot\nFrom"
	var b strings.Builder
	if err := WriteMessage(&b, "P\n", strings.NewReader(in), CopyQuote|CopyBlank); err != nil {
		t.Fatal(err)
	}
	want := "P\nSubject: x\n\n>From me\n>From you\n.dot\nFrom\n\n"
	if b.String() != want {
		t.Errorf("got %q want %q", b.String(), want)
	}
	b.Reset()
	WriteMessage(&b, "", strings.NewReader(".a\nb\n"), CopyDot)
	if b.String() != "..a\nb\n" {
		t.Errorf("dot: got %q", b.String())
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, syscall.EIO
	}
	n := copy(p, strings.Repeat("x", r.n))
	r.n = 0
	return n, nil
}

func TestAppendTruncatesOnFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	os.WriteFile(path, []byte("old\n"), 0o600)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	e := AppendMessage(f, "From x\n", &failingReader{n: 100}, CopyMbox)
	if e == nil || e.Status != "4.3.0" || e.Text != "error reading message: Input/output error" {
		t.Fatalf("got %#v", e)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "old\n" {
		t.Errorf("not truncated: %q", data)
	}
}

func TestMaildirNames(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	tmp, new := MaildirNames(now, 4711, "mx.example.com", 0x803, 0x1a2b)
	if tmp != "1700000000.P4711.mx.example.com" {
		t.Errorf("tmp name %q", tmp)
	}
	if new != "1700000000.V803I1a2bM123456.mx.example.com" {
		t.Errorf("new name %q", new)
	}
}

func TestMaildirDeliver(t *testing.T) {
	dir := t.TempDir() + "/Maildir/"
	md := &Maildir{Dir: dir, Hostname: "h", Pid: 42, Now: time.Unix(1700000000, 5000), DefDSN: "5.2.0"}
	path, e := md.Deliver("Return-Path: <a@b>\n", strings.NewReader("Subject: s\n\nbody\n"), CopyToFile|CopyReturnPath)
	if e != nil {
		t.Fatal(e)
	}
	var st syscall.Stat_t
	syscall.Stat(path, &st)
	want := dir + "new/" + "1700000000.V" + hex(st.Dev) + "I" + hex(st.Ino) + "M5.h"
	if path != want {
		t.Errorf("path %s want %s", path, want)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "Return-Path: <a@b>\nSubject: s\n\nbody\n" {
		t.Errorf("content %q", data)
	}
	for _, sub := range []string{"tmp", "cur"} {
		ents, err := os.ReadDir(dir + sub)
		if err != nil || len(ents) != 0 {
			t.Errorf("%s: %v %v", sub, ents, err)
		}
	}
}

func hex(n uint64) string { return strconv.FormatUint(n, 16) }
