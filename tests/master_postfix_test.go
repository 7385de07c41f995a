package tests

// Process-level tests of the postfix command (pkg/master/control): the
// messages of postfix-script and the directories it creates.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// TestPostfixCheck: "postfix check" creates the missing queue
// directories with Postfix's owners and modes and warns about writable
// configuration files.
func TestPostfixCheck(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "")
	os.Chmod(inst.ConfigDir, 0775)
	if out, err := inst.Postfix("check"); err != nil {
		t.Fatalf("postfix check: %v\n%s", err, out)
	}
	owner, group := -1, -1
	if os.Geteuid() == 0 {
		owner, group = lookupIDs(t, "postfix", "postdrop")
	}
	for _, d := range []struct {
		path        string
		mode        os.FileMode
		uid, gid    int
		groupCheckd bool
	}{
		{inst.DataDir, 0700, owner, -1, false},
		{filepath.Join(inst.QueueDir, "active"), 0700, owner, -1, false},
		{filepath.Join(inst.QueueDir, "incoming"), 0700, owner, -1, false},
		{filepath.Join(inst.QueueDir, "private"), 0700, owner, -1, false},
		{filepath.Join(inst.QueueDir, "public"), 0710, owner, group, true},
		{filepath.Join(inst.QueueDir, "maildrop"), 0730, owner, group, true},
		{filepath.Join(inst.QueueDir, "pid"), 0755, 0, -1, false},
	} {
		st, err := os.Stat(d.path)
		if err != nil {
			t.Errorf("%s: %v", d.path, err)
			continue
		}
		if st.Mode().Perm() != d.mode || !st.IsDir() {
			t.Errorf("%s: mode %v, want %v", d.path, st.Mode(), d.mode)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if d.uid >= 0 && os.Geteuid() == 0 && int(sys.Uid) != d.uid {
			t.Errorf("%s: owner %d, want %d", d.path, sys.Uid, d.uid)
		}
		if d.groupCheckd && d.gid >= 0 && int(sys.Gid) != d.gid {
			t.Errorf("%s: group %d, want %d", d.path, sys.Gid, d.gid)
		}
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: warning: group or other writable: `+inst.ConfigDir+`/\.$`)
}

func lookupIDs(t *testing.T, userName, groupName string) (int, int) {
	u, err := user.Lookup(userName)
	if err != nil {
		t.Skipf("no user %s", userName)
	}
	g, err := user.LookupGroup(groupName)
	if err != nil {
		t.Skipf("no group %s", groupName)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uid, gid
}

// TestPostfixStatusAbort: status and abort with postfix-script's words.
func TestPostfixStatusAbort(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "")
	if _, err := inst.Postfix("status"); err == nil {
		t.Error("status of a stopped system succeeded")
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: the Postfix mail system is not running$`)
	if _, err := inst.Postfix("stop"); err == nil {
		t.Error("stop of a stopped system succeeded")
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: fatal: the Postfix mail system is not running$`)
	inst.Start(t)
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: starting the Postfix mail system$`)
	if out, err := inst.Postfix("abort"); err != nil {
		t.Fatalf("abort: %v %s", err, out)
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: aborting the Postfix mail system$`)
	harness.Eventually(t, "the master to go away", func() bool { return len(inst.Processes()) == 0 })
	inst.Stop(t)
}

// TestPostfixStartForeground: start-fg runs the master in the
// foreground until it is stopped.
func TestPostfixStartForeground(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "127.0.0.1:{port:echo} inet n - n - 1 testd single\n")
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(inst.BinDir, "postfix"), "-c", inst.ConfigDir, "start-fg")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	inst.WaitLog(t, `postfix/master\[\d+\]: daemon started -- version 3\.7\.11, configuration `+inst.ConfigDir+`$`)
	dialTestd(t, inst, "echo").quit()
	if out, err := inst.Postfix("stop"); err != nil {
		t.Fatalf("stop: %v %s", err, out)
	}
	if err := <-done; err == nil {
		t.Error("start-fg exited 0 after the master was terminated")
	}
	if left := inst.Processes(); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}

// TestPostfixMaillogNeedsPostlog: maillog_file without the postlog
// service is fatal at start.
func TestPostfixMaillogNeedsPostlog(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "")
	os.WriteFile(filepath.Join(inst.ConfigDir, "master.cf"), []byte("\n"), 0644)
	if _, err := inst.Postfix("start"); err == nil {
		t.Fatal("start succeeded")
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: fatal: missing 'postlog' service in master\.cf - run 'postfix upgrade-configuration'$`)
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: fatal: Postfix integrity check failed!$`)
}

// TestPostfixLogrotate: the log file is renamed and compressed, and
// postlogd writes a new one after the reload.
func TestPostfixLogrotate(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("no gzip")
	}
	inst := harness.Start(t, []string{"maillog_file_rotate_suffix = rotated"}, "")
	inst.WaitLog(t, `daemon started`)
	if out, err := inst.Postfix("logrotate"); err != nil {
		t.Fatalf("logrotate: %v %s", err, out)
	}
	if _, err := os.Stat(inst.LogFile + ".rotated.gz"); err != nil {
		t.Errorf("rotated file: %v", err)
	}
	inst.Postfix("status")
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: the Postfix mail system is running: PID: \d+$`)
}

// TestPostfixStartFailure: a master that cannot initialize (its port is
// taken) makes "postfix start" fail with postfix-script's message.
func TestPostfixStartFailure(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "127.0.0.1:{port:busy} inet n - n - 1 testd single\n")
	l, err := net.Listen("tcp", inst.Addr(t, "busy"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := inst.Postfix("start"); err == nil {
		t.Fatal("start succeeded")
	}
	inst.WaitLog(t, `postfix/master\[\d+\]: fatal: bind 127\.0\.0\.1 port \d+: Address already in use$`)
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: fatal: mail system startup failed$`)
	if left := inst.Processes(); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}

// TestPostfixStartForegroundSignal: SIGTERM to "postfix start-fg" (a
// supervisor, timeout(1), Ctrl-C in make run) stops the mail system.
func TestPostfixStartForegroundSignal(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, nil, "127.0.0.1:{port:echo} inet n - n - 1 testd single\n")
	cmd := exec.Command(filepath.Join(inst.BinDir, "postfix"), "-c", inst.ConfigDir, "start-fg")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	inst.WaitLog(t, `postfix/master\[\d+\]: daemon started -- version 3\.7\.11, configuration `+inst.ConfigDir+`$`)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(harness.Timeout):
		t.Fatal("start-fg did not exit after SIGTERM")
	}
	inst.WaitLog(t, `postfix/master\[\d+\]: terminating on signal 15$`)
	if left := inst.Processes(); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}
