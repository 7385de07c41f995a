package tests

// The real Postfix as the oracle for the anvil tests: a private instance
// (postfix -c DIR start, daemons from /usr/lib/postfix/sbin) with the
// same smtpd services and limits as the Postern instance, on its own
// loopback ports. Needs root and /usr/sbin/postfix.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

type realPostfix struct {
	dir, logf string
	ports     map[string]int
}

// anvilService is one smtpd service of both instances, with its -o
// overrides.
type anvilService struct {
	name      string
	overrides []string
	maxproc   string // "" for "-"
}

// masterLines returns the master.cf entries of the services; port
// gives the text of the port column for a service name.
func masterLines(services []anvilService, port func(string) string) string {
	var b strings.Builder
	for _, s := range services {
		maxproc := s.maxproc
		if maxproc == "" {
			maxproc = "-"
		}
		fmt.Fprintf(&b, "127.0.0.1:%s inet n - n - %s smtpd\n", port(s.name), maxproc)
		for _, o := range s.overrides {
			fmt.Fprintf(&b, "  -o %s\n", o)
		}
	}
	return b.String()
}

// realServices are what Postfix's smtpd needs besides itself.
const realServices = `anvil unix - - n - 1 anvil
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
proxymap unix - - n - - proxymap
discard unix - - n - - discard
postlog unix-dgram n - n - 1 postlogd
`

func startRealPostfix(t *testing.T, mainCF []string, services []anvilService) *realPostfix {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the Postfix oracle needs root")
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("no /usr/sbin/postfix")
	}
	dir, err := os.MkdirTemp("", "postern-anvil-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	pf := &realPostfix{dir: dir, logf: filepath.Join(dir, "maillog"), ports: map[string]int{}}
	for _, d := range []string{"etc", "queue", "data"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(dir, "data"), uid, -1)
	}
	for _, s := range services {
		pf.ports[s.name] = harness.FreePort(t)
	}
	main := append([]string{"compatibility_level = 3.6", "queue_directory = " + dir + "/queue",
		"data_directory = " + dir + "/data", "maillog_file = " + pf.logf,
		"maillog_file_prefixes = " + dir, "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
		"myhostname = mx.example.test", "default_transport = discard", "local_transport = discard"}, mainCF...)
	anvilWrite(t, filepath.Join(dir, "etc/main.cf"), strings.Join(main, "\n")+"\n")
	master := masterLines(services, func(n string) string { return strconv.Itoa(pf.ports[n]) }) + realServices
	anvilWrite(t, filepath.Join(dir, "etc/master.cf"), master)
	t.Cleanup(func() {
		exec.Command("/usr/sbin/postfix", "-c", dir+"/etc", "stop").Run()
		os.RemoveAll(dir)
	})
	if out, err := exec.Command("/usr/sbin/postfix", "-c", dir+"/etc", "start").CombinedOutput(); err != nil {
		t.Skipf("cannot start the real Postfix: %v\n%s", err, out)
	}
	return pf
}

func (pf *realPostfix) addr(name string) string {
	return "127.0.0.1:" + strconv.Itoa(pf.ports[name])
}

func anvilWrite(t *testing.T, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitAccepting waits until addr takes connections and answers with a
// greeting (the probe is a session of its own: callers count it).
func waitAccepting(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			bufio.NewReader(c).ReadString('\n')
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", addr)
}

var smtpdLogRE = regexp.MustCompile(`postfix/smtpd\[\d+\]: (.*)$`)

// smtpdLog reads a maillog from byte offset from and returns the smtpd
// lines and the new offset, once it has at least n "disconnect from"
// lines (bounded wait).
func smtpdLog(t *testing.T, path string, from int64, n int) ([]string, int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if int64(len(data)) < from {
			from = 0
		}
		var out []string
		disc := 0
		for _, l := range strings.Split(string(data[from:]), "\n") {
			if m := smtpdLogRE.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
				if strings.HasPrefix(m[1], "disconnect from ") {
					disc++
				}
			}
		}
		if disc >= n || time.Now().After(deadline) {
			if disc < n {
				t.Errorf("%s: %d disconnect lines, want %d", path, disc, n)
			}
			return out, int64(len(data))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
