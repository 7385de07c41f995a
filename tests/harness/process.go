package harness

import (
	"bufio"
	"bytes"
	"context"
	"io"
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
)

// Timeout bounds every wait of the harness (longer under -race).
var Timeout = 20 * time.Second * RaceScale

// Postfix runs "postfix -c CONFIG_DIR args..." and returns its combined
// output.
func (inst *Instance) Postfix(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(inst.BinDir, "postfix"), append([]string{"-c", inst.ConfigDir}, args...)...)
	cmd.Env = inst.environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Reload runs "postfix reload".
func (inst *Instance) Reload(t testing.TB) {
	t.Helper()
	if out, err := inst.Postfix("reload"); err != nil {
		t.Fatalf("postfix reload: %v\n%s", err, out)
	}
}

// Stop runs "postfix stop", waits for every process of the instance to
// go away, and kills and reports any that does not. It is idempotent.
func (inst *Instance) Stop(t testing.TB) {
	t.Helper()
	if inst.stopped {
		return
	}
	inst.stopped = true
	if pid := inst.MasterPID(); pid > 0 {
		if out, err := inst.Postfix("stop"); err != nil {
			t.Errorf("postfix stop: %v\n%s", err, out)
		}
	}
	deadline := time.Now().Add(Timeout)
	for len(inst.Processes()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := inst.Processes(); len(left) > 0 {
		for _, p := range left {
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
		t.Errorf("processes left after stop: %v", left)
	}
	inst.checkRace(t)
}

// MasterPID returns the pid of the running master: the pid in
// pid/master.pid while that file is locked; 0 when no master runs.
func (inst *Instance) MasterPID() int {
	f, err := os.Open(filepath.Join(inst.QueueDir, "pid", "master.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		return 0 // nobody holds the lock
	}
	data, _ := io.ReadAll(f)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// Proc is a process of the instance.
type Proc struct {
	PID  int
	PPID int
	Args []string
}

// Processes lists the live processes of this instance: those whose
// environment names its configuration directory (the master and all its
// children carry MAIL_CONFIG).
func (inst *Instance) Processes() []Proc {
	want := []byte("MAIL_CONFIG=" + inst.ConfigDir + "\x00")
	ents, _ := os.ReadDir("/proc")
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		if p, ok := readProc(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

func readProc(pid int) (Proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Proc{}, false
	}
	// pid (comm) state ppid ...
	rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 2 || f[0] == "Z" {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	cmdline, _ := os.ReadFile(dir + "/cmdline")
	args := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	return Proc{PID: pid, PPID: ppid, Args: args}, true
}

// Children lists the master's child processes whose command line
// contains all of words.
func (inst *Instance) Children(words ...string) []Proc {
	master := inst.MasterPID()
	var out []Proc
	for _, p := range inst.Processes() {
		line := " " + strings.Join(p.Args, " ") + " "
		ok := p.PPID == master
		for _, w := range words {
			ok = ok && strings.Contains(line, " "+w+" ")
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// Log returns the instance's maillog_file.
func (inst *Instance) Log() string {
	data, _ := os.ReadFile(inst.LogFile)
	return string(data)
}

// WaitLog waits until a line of the log matches pattern and returns the
// line's submatches; the test fails after Timeout.
func (inst *Instance) WaitLog(t testing.TB, pattern string) []string {
	t.Helper()
	return inst.WaitLogCount(t, pattern, 1)[0]
}

// WaitLogCount waits until n lines match pattern and returns their
// submatches.
func (inst *Instance) WaitLogCount(t testing.TB, pattern string, n int) [][]string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(Timeout)
	for {
		var found [][]string
		sc := bufio.NewScanner(strings.NewReader(inst.Log()))
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			return found
		}
		if time.Now().After(deadline) {
			t.Fatalf("log has %d lines matching %q, want %d:\n%s\n%s", len(found), pattern, n, inst.Log(), inst.Diagnose())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Dial connects to a {port:NAME} service.
func (inst *Instance) Dial(t testing.TB, name string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", inst.Addr(t, name), Timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(Timeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// Eventually polls cond until it holds; the test fails after Timeout.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitListen waits until something listens on the {port:NAME} service,
// without connecting to it (it reads /proc/net/tcp).
func (inst *Instance) WaitListen(t testing.TB, name string) {
	t.Helper()
	want := strings.ToUpper(strconv.FormatInt(int64(inst.Ports[name]), 16))
	for len(want) < 4 {
		want = "0" + want
	}
	want = ":" + want
	Eventually(t, "a listener on "+inst.Addr(t, name), func() bool {
		data, _ := os.ReadFile("/proc/net/tcp")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
				return true
			}
		}
		return false
	})
}
