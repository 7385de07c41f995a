package tests

// Process-level tests of the master, the daemon skeleton and the
// postfix command: real binaries under a real master started with
// "postfix -c DIR start" (tests/harness), served by the test daemon
// tests/harness/testd.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// client is one connection to a testd service.
type client struct {
	t   *testing.T
	c   net.Conn
	r   *bufio.Reader
	pid int
}

// dialTestd connects and reads the "hello PID" greeting.
func dialTestd(t *testing.T, inst *harness.Instance, port string) *client {
	t.Helper()
	cl := &client{t: t, c: inst.Dial(t, port)}
	cl.r = bufio.NewReader(cl.c)
	cl.greet()
	return cl
}

func (cl *client) greet() {
	cl.t.Helper()
	line, err := cl.r.ReadString('\n')
	if err != nil {
		cl.t.Fatalf("no greeting: %v", err)
	}
	if _, err := fmt.Sscanf(line, "hello %d", &cl.pid); err != nil {
		cl.t.Fatalf("greeting %q", line)
	}
}

// ask sends a line and returns the reply line.
func (cl *client) ask(line string) string {
	cl.t.Helper()
	fmt.Fprintf(cl.c, "%s\n", line)
	reply, err := cl.r.ReadString('\n')
	if err != nil {
		cl.t.Fatalf("%s: %v", line, err)
	}
	return strings.TrimSuffix(reply, "\n")
}

func (cl *client) quit() {
	fmt.Fprintf(cl.c, "quit\n")
	cl.c.Close()
}

// TestMasterProcessLimit: with maxproc 2, ten concurrent clients are
// all served, never by more than two processes, and a client beyond the
// limit waits instead of being refused.
func TestMasterProcessLimit(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil, "127.0.0.1:{port:echo} inet n - n - 2 testd single\n")
	stopWatch := watchChildren(t, inst, "testd", 2)
	defer stopWatch()

	conns := make([]*client, 10)
	greeted := make(chan int, 10)
	for i := range conns {
		cl := &client{t: t, c: inst.Dial(t, "echo")}
		cl.r = bufio.NewReader(cl.c)
		conns[i] = cl
		go func(i int) {
			if line, err := cl.r.ReadString('\n'); err == nil {
				fmt.Sscanf(line, "hello %d", &cl.pid)
				greeted <- i
			}
		}(i)
	}
	var served []int
	for len(served) < 2 {
		served = append(served, <-greeted)
	}
	// The other eight wait in the listen queue: nobody greets them while
	// both processes are busy.
	select {
	case i := <-greeted:
		t.Fatalf("client %d served beyond the process limit", i)
	case <-time.After(500 * time.Millisecond):
	}
	for done := 0; done < 10; done++ {
		i := served[done]
		if got := conns[i].ask("ping"); got != "ping" {
			t.Fatalf("echo %q", got)
		}
		conns[i].quit()
		if done+2 < 10 {
			served = append(served, <-greeted)
		}
	}
	pids := map[int]bool{}
	for _, cl := range conns {
		pids[cl.pid] = true
	}
	if len(pids) > 2 {
		t.Errorf("%d processes served the clients, want at most 2", len(pids))
	}
}

// watchChildren fails the test when more than max children whose
// command line contains word run at once.
func watchChildren(t *testing.T, inst *harness.Instance, word string, max int) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if n := len(inst.Children(word)); n > max {
				t.Errorf("%d %s processes, limit %d", n, word, max)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// TestMasterKilledChild: a child killed with SIGKILL before it finished
// a client is logged, the service is throttled, and a new child serves
// the next client once the throttle expires.
func TestMasterKilledChild(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"service_throttle_time = 1s"},
		"127.0.0.1:{port:echo} inet n - n - 2 testd single\n")
	first := dialTestd(t, inst, "echo")
	if err := syscall.Kill(first.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testd := filepath.Join(inst.BinDir, "testd")
	inst.WaitLog(t, fmt.Sprintf(`postfix/master\[\d+\]: warning: process %s pid %d killed by signal 9$`, testd, first.pid))
	inst.WaitLog(t, fmt.Sprintf(`postfix/master\[\d+\]: warning: %s: bad command startup -- throttling$`, testd))
	second := dialTestd(t, inst, "echo")
	if second.pid == first.pid {
		t.Fatalf("same pid %d after kill", first.pid)
	}
	if got := second.ask("still here"); got != "still here" {
		t.Errorf("echo %q", got)
	}
	second.quit()
}

// TestMasterStartupFailure: a daemon that exits at startup, and a
// command that does not exist, throttle their service.
func TestMasterStartupFailure(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"service_throttle_time = 1s"},
		"127.0.0.1:{port:fail} inet n - n - 2 testd fail\n"+
			"127.0.0.1:{port:none} inet n - n - 2 nonexistent\n")
	testd := filepath.Join(inst.BinDir, "testd")
	for _, name := range []string{"fail", "none"} {
		c, err := net.DialTimeout("tcp", inst.Addr(t, name), harness.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	inst.WaitLog(t, `postfix/testd\[\d+\]: fatal: failing on purpose$`)
	inst.WaitLog(t, fmt.Sprintf(`warning: process %s pid \d+ exit status 1$`, testd))
	inst.WaitLog(t, fmt.Sprintf(`warning: %s: bad command startup -- throttling$`, testd))
	missing := filepath.Join(inst.BinDir, "nonexistent")
	inst.WaitLog(t, fmt.Sprintf(`warning: master_spawn: exec %s: No such file or directory$`, missing))
	inst.WaitLog(t, fmt.Sprintf(`warning: %s: bad command startup -- throttling$`, missing))
}

// TestMasterReload: reload adds and removes services; a client being
// served by a service that stays keeps its connection.
func TestMasterReload(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil,
		"127.0.0.1:{port:keep} inet n - n - 2 testd single\n"+
			"127.0.0.1:{port:gone} inet n - n - 2 testd single\n")
	busy := dialTestd(t, inst, "keep")
	dialTestd(t, inst, "gone").quit()

	inst.WriteMasterCF(t, "127.0.0.1:{port:keep} inet n - n - 2 testd single\n"+
		"127.0.0.1:{port:new} inet n - n - 2 testd multi\n")
	inst.Reload(t)
	inst.WaitLog(t, `postfix/master\[\d+\]: reload -- version 3\.7\.11, configuration `+inst.ConfigDir+`$`)
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: refreshing the Postfix mail system$`)

	inst.WaitListen(t, "new")
	added := dialTestd(t, inst, "new")
	if got := added.ask("hi"); got != "hi" {
		t.Errorf("new service echo %q", got)
	}
	added.quit()
	harness.Eventually(t, "removed service to close its port", func() bool {
		c, err := net.Dial("tcp", inst.Addr(t, "gone"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if got := busy.ask("after reload"); got != "after reload" {
		t.Errorf("session across reload: %q", got)
	}
	fresh := dialTestd(t, inst, "keep")
	if fresh.pid == busy.pid {
		t.Errorf("pid %d serves clients after reload; want a new process", busy.pid)
	}
	fresh.quit()
	busy.quit()
	harness.Eventually(t, "the pre-reload child to exit", func() bool {
		return syscall.Kill(busy.pid, 0) != nil
	})
}

// TestMasterStop: "postfix stop" terminates the master and every child.
func TestMasterStop(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil,
		"127.0.0.1:{port:a} inet n - n - 2 testd single\n"+
			"127.0.0.1:{port:b} inet n - n - 2 testd multi\n"+
			"tick unix n - n 1 1 testd trigger\n")
	a := dialTestd(t, inst, "a")
	dialTestd(t, inst, "b")
	inst.WaitLog(t, `trigger "W" service tick`)
	if n := len(inst.Processes()); n < 4 {
		t.Fatalf("%d processes before stop", n)
	}
	out, err := inst.Postfix("stop")
	if err != nil {
		t.Fatalf("postfix stop: %v\n%s\n%s", err, out, inst.Log())
	}
	if left := inst.Processes(); len(left) != 0 {
		t.Errorf("processes after stop: %v", left)
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: stopping the Postfix mail system$`)
	inst.WaitLog(t, `postfix/master\[\d+\]: terminating on signal 15$`)
	if _, err := a.r.ReadString('\n'); err == nil {
		t.Error("connection still open after stop")
	}
	out, err = inst.Postfix("status")
	if err == nil {
		t.Errorf("status after stop succeeded: %s", out)
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: the Postfix mail system is not running$`)
	inst.Stop(t)
}

// TestMasterPrivileges: as root, an unprivileged child runs as
// $mail_owner, a chroot child's root is the queue directory, and a
// privileged one stays root.
func TestMasterPrivileges(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	inst := harness.Start(t, nil,
		"127.0.0.1:{port:unpriv} inet n - n - 2 testd single\n"+
			"127.0.0.1:{port:jail} inet n - y - 2 testd single\n"+
			"127.0.0.1:{port:root} inet n n n - 2 testd single\n")
	want := idOf(t, "postfix")
	u := dialTestd(t, inst, "unpriv")
	if got := u.ask("id"); got != want {
		t.Errorf("unpriv child runs as %q, want %q", got, want)
	}
	j := dialTestd(t, inst, "jail")
	root, err := os.Readlink(fmt.Sprintf("/proc/%d/root", j.pid))
	if err != nil {
		t.Fatal(err)
	}
	if root != inst.QueueDir {
		t.Errorf("chroot child root %s, want %s", root, inst.QueueDir)
	}
	if got := j.ask("ls"); !strings.Contains(" "+got+" ", " public ") || !strings.Contains(" "+got+" ", " pid ") {
		t.Errorf("chroot child sees / as %q, want the queue directory", got)
	}
	if got := j.ask("id"); got != want {
		t.Errorf("chroot child runs as %q, want %q", got, want)
	}
	r := dialTestd(t, inst, "root")
	if got := r.ask("id"); got != "0 0" {
		t.Errorf("unpriv=n child runs as %q", got)
	}
	if _, err := os.Stat(filepath.Join(inst.QueueDir, "etc", "services")); err != nil {
		t.Errorf("jail files not copied: %v", err)
	}
}

// idOf returns "UID GID" of a user from /etc/passwd.
func idOf(t *testing.T, user string) string {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == user {
			return f[2] + " " + f[3]
		}
	}
	t.Skipf("no user %s", user)
	return ""
}

// TestMasterMaxUseMaxIdle: a process exits after $max_use clients and
// after $max_idle without a client; -o overrides main.cf.
func TestMasterMaxUseMaxIdle(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"max_use = 2", "max_idle = 100s"},
		"127.0.0.1:{port:use} inet n - n - 1 testd single\n"+
			"127.0.0.1:{port:idle} inet n - n - 1 testd -o max_idle=1s single\n")
	var pids []int
	for i := 0; i < 3; i++ {
		cl := dialTestd(t, inst, "use")
		pids = append(pids, cl.pid)
		cl.quit()
	}
	if pids[0] != pids[1] || pids[2] == pids[1] {
		t.Errorf("pids %v: want the first two clients on one process, the third on another", pids)
	}
	idle := dialTestd(t, inst, "idle")
	idle.quit()
	harness.Eventually(t, "idle child to exit", func() bool {
		return syscall.Kill(idle.pid, 0) != nil
	})
	if n := len(inst.Children("testd", "-n", inst.Addr(t, "idle"))); n != 0 {
		t.Errorf("%d idle processes left", n)
	}
}

// TestMasterWakeup: the master triggers a service every wakeup
// seconds; "N?" waits until the service was used once.
func TestMasterWakeup(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil,
		"tick unix n - n 1 1 testd trigger\n"+
			"lazy unix n - n 1? 1 testd trigger\n")
	inst.WaitLogCount(t, `postfix/testd\[\d+\]: trigger "W" service tick pid \d+$`, 2)
	if strings.Contains(inst.Log(), "service lazy") {
		t.Fatal("conditional wakeup before first use")
	}
	c, err := net.Dial("unix", filepath.Join(inst.QueueDir, "public", "lazy"))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("X"))
	c.Close()
	inst.WaitLog(t, `trigger "X" service lazy`)
	inst.WaitLogCount(t, `trigger "W" service lazy`, 2)
}

// TestMasterMultiServer: one multi-server process serves concurrent
// clients.
func TestMasterMultiServer(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil, "echo unix n - n - 1 testd multi\n")
	var clients []*client
	for i := 0; i < 3; i++ {
		c, err := net.DialTimeout("unix", filepath.Join(inst.QueueDir, "public", "echo"), harness.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(harness.Timeout))
		cl := &client{t: t, c: c, r: bufio.NewReader(c)}
		cl.greet()
		clients = append(clients, cl)
	}
	for i, cl := range clients {
		if cl.pid != clients[0].pid {
			t.Errorf("client %d served by pid %d, client 0 by %d", i, cl.pid, clients[0].pid)
		}
		if got := cl.ask("x" + strconv.Itoa(i)); got != "x"+strconv.Itoa(i) {
			t.Errorf("echo %q", got)
		}
	}
}

// TestMasterLocks: the pid file and the data lock hold the master's pid
// in Postfix's format and keep a second master out.
func TestMasterLocks(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil, "")
	pid := inst.MasterPID()
	want := fmt.Sprintf("%32d\n", pid)
	for _, path := range []string{filepath.Join(inst.QueueDir, "pid", "master.pid"), filepath.Join(inst.DataDir, "master.lock")} {
		data, err := os.ReadFile(path)
		if err != nil || string(data) != want {
			t.Errorf("%s: %q %v, want %q", path, data, err, want)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			t.Errorf("%s is not locked", path)
		}
		f.Close()
	}
	out, err := inst.Postfix("start")
	if err == nil {
		t.Errorf("second start succeeded: %s", out)
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: fatal: the Postfix mail system is already running$`)
	out, err = inst.Postfix("status")
	if err != nil {
		t.Errorf("status: %v %s", err, out)
	}
	inst.WaitLog(t, fmt.Sprintf(`postfix-script\[\d+\]: the Postfix mail system is running: PID: %d$`, pid))
}

// TestMasterChildArgv: the child's arguments are built as Postfix's
// master builds them.
func TestMasterChildArgv(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"default_process_limit = 7"},
		"127.0.0.1:{port:a} inet n - n - 1 testd -o max_idle=50s single\n"+
			"testd unix - n y - 0 testd single\n"+
			"other unix - - n - - testd single\n")
	dialTestd(t, inst, "a")
	for _, name := range []string{"testd", "other"} {
		c, err := net.DialTimeout("unix", filepath.Join(inst.QueueDir, "private", name), harness.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		bufio.NewReader(c).ReadString('\n')
	}
	want := [][]string{
		{"testd", "-l", "-n", inst.Addr(t, "a"), "-t", "inet", "-u", "-o", "max_idle=50s", "single"},
		{"testd", "-z", "-t", "unix", "-c", "single"},
		{"testd", "-n", "other", "-t", "unix", "-u", "single"},
	}
	for _, w := range want {
		found := false
		for _, p := range inst.Children("testd") {
			found = found || strings.Join(p.Args, " ") == strings.Join(w, " ")
		}
		if !found {
			t.Errorf("no child with argv %q; children: %v", w, inst.Children("testd"))
		}
	}
}

// TestMasterServiceDisable: master_service_disable turns off services
// by type or name/type.
func TestMasterServiceDisable(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"master_service_disable = !127.0.0.1:{port:keep}/inet, inet"},
		"127.0.0.1:{port:off} inet n - n - 1 testd single\n"+
			"127.0.0.1:{port:keep} inet n - n - 1 testd single\n"+
			"echo unix n - n - 1 testd single\n")
	if c, err := net.Dial("tcp", inst.Addr(t, "off")); err == nil {
		c.Close()
		t.Error("disabled inet service listens")
	}
	dialTestd(t, inst, "keep").quit()
	if _, err := os.Stat(filepath.Join(inst.QueueDir, "public", "echo")); err != nil {
		t.Errorf("unix service: %v", err)
	}
}

// TestMasterIPv6: a service on [::1]:port is served like any other.
func TestMasterIPv6(t *testing.T) {
	t.Parallel()
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback")
	} else {
		l.Close()
	}
	inst := harness.Start(t, []string{"inet_protocols = all"}, "[::1]:{port:v6} inet n - n - 1 testd single\n")
	c, err := net.DialTimeout("tcp", "[::1]:"+strconv.Itoa(inst.Ports["v6"]), harness.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(harness.Timeout))
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	cl.greet()
	if got := cl.ask("v6"); got != "v6" {
		t.Errorf("echo %q", got)
	}
	cl.quit()
}
