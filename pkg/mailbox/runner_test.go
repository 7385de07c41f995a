package mailbox

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunnerProcessName: the helper is started from the program's own
// file, so the kernel names it after the program (here the test
// binary), not "exe" as with /proc/self/exe: ps, pidof and pgrep -x see
// local and virtual helpers by name.
func TestRunnerProcessName(t *testing.T) {
	r := NewRunner("local", nil)
	self, err := os.Executable()
	if err != nil {
		t.Skip("os.Executable: ", err)
	}
	if r.Exe != self {
		t.Fatalf("runner starts %q, want %q", r.Exe, self)
	}
	resp, err := r.Call(context.Background(), Cred{UID: os.Getuid(), GID: os.Getgid()},
		&Request{Op: OpRead, Path: "/proc/self/comm", MaxRead: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		t.Fatalf("helper: %+v", resp.Error)
	}
	want := filepath.Base(self)
	if len(want) > 15 { // TASK_COMM_LEN
		want = want[:15]
	}
	if got := strings.TrimSpace(string(resp.Data)); got != want {
		t.Errorf("helper process is named %q, want %q", got, want)
	}
}

// helperPid returns the pid of the helper that serves the next call.
func helperPid(t *testing.T, r *Runner) int {
	t.Helper()
	resp, err := r.Call(context.Background(), Cred{UID: os.Getuid(), GID: os.Getgid()},
		&Request{Op: OpRead, Path: "/proc/self/stat", MaxRead: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(resp.Data))[0])
	if err != nil {
		t.Fatalf("helper stat %q: %v", resp.Data, err)
	}
	return pid
}

// TestRunnerReusesHelper: operations with the same credentials go to one
// helper process, messages included, and each maildir delivery is whole.
func TestRunnerReusesHelper(t *testing.T) {
	r := NewRunner("local", nil)
	defer r.Close()
	first := helperPid(t, r)
	dir := t.TempDir() + "/Maildir/"
	cred := Cred{UID: os.Getuid(), GID: os.Getgid()}
	for i, body := range []string{"Subject: one\n\nfirst\n", "Subject: two\n\nsecond\n"} {
		req := &Request{Op: OpMaildir, Path: dir, DefDSN: "5.2.0", Size: int64(len(body))}
		resp, err := r.Call(context.Background(), cred, req, strings.NewReader(body))
		if err != nil || resp.Error != nil {
			t.Fatalf("delivery %d: %v %+v", i, err, resp)
		}
		got, err := os.ReadFile(resp.Path)
		if err != nil || string(got) != body {
			t.Fatalf("delivery %d: %q %v, want %q", i, got, err, body)
		}
	}
	if again := helperPid(t, r); again != first {
		t.Errorf("second operation ran in helper %d, want the first one, %d", again, first)
	}
}

// TestRunnerHelperGone: a kept helper that was killed meanwhile (its user
// may do that) is replaced without failing the operation.
func TestRunnerHelperGone(t *testing.T) {
	r := NewRunner("local", nil)
	defer r.Close()
	first := helperPid(t, r)
	syscall.Kill(first, syscall.SIGKILL)
	// Until it is a zombie (the runner reaps it only when it finds it
	// gone) whose other threads are gone too: until the last one exits,
	// its files, the read end of its input among them, stay open.
	proc := "/proc/" + strconv.Itoa(first)
	for i := 0; i < 500; i++ {
		b, _ := os.ReadFile(proc + "/stat")
		if tasks, _ := os.ReadDir(proc + "/task"); strings.Contains(string(b), ") Z") && len(tasks) <= 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if again := helperPid(t, r); again == first {
		t.Errorf("killed helper %d served again", first)
	}
}

// TestRunnerShortContent: content shorter than Request.Size fails the
// call (the helper would otherwise wait for the rest forever).
func TestRunnerShortContent(t *testing.T) {
	r := NewRunner("local", nil)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := &Request{Op: OpMaildir, Path: t.TempDir() + "/Maildir/", DefDSN: "5.2.0", Size: 100}
	if _, err := r.Call(ctx, Cred{UID: os.Getuid(), GID: os.Getgid()}, req, strings.NewReader("short\n")); err == nil {
		t.Fatal("short content: no error")
	}
	if ctx.Err() != nil {
		t.Fatal("short content: the call waited until the deadline")
	}
	helperPid(t, r) // the runner still works
}
