package mailbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
