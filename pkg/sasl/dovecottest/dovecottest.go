// Package dovecottest starts a private Dovecot that provides
// authentication only, for tests: a passwd-file user database in a
// temporary directory, "auth_mechanisms = plain login", an auth-client
// UNIX socket and a loopback TCP listener, no mail protocols, no SSL.
// The system's Dovecot is never touched: everything, base_dir included,
// lives in the test's directory, and the process is stopped when the
// test ends. Tests that use it are skipped without dovecot or root.
package dovecottest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/internal/testport"
)

// Server is a running private Dovecot.
type Server struct {
	Dir    string
	Conf   string
	Socket string // auth-client UNIX socket
	Port   int    // auth-client TCP port on 127.0.0.1
	cmd    *exec.Cmd
	done   chan struct{}
}

// Start runs Dovecot with users (name → password).
func Start(t testing.TB, users map[string]string) *Server {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		t.Skip("dovecot not installed (apt-get install dovecot-core)")
	}
	if os.Geteuid() != 0 {
		t.Skip("a private dovecot needs root")
	}
	s := &Server{Dir: t.TempDir(), Port: freePort(t)}
	// Dovecot's auth process runs as the dovecot user: it must reach
	// the password file.
	os.Chmod(filepath.Dir(s.Dir), 0o755)
	os.Chmod(s.Dir, 0o755)
	s.Conf, s.Socket = filepath.Join(s.Dir, "dovecot.conf"), filepath.Join(s.Dir, "auth")
	for _, d := range []string{"run", "state"} {
		os.Mkdir(filepath.Join(s.Dir, d), 0o755)
	}
	write(t, filepath.Join(s.Dir, "passwd"), passwd(users), 0o644)
	write(t, s.Conf, fmt.Sprintf(confTemplate, s.Dir, s.Dir, s.Dir, s.Dir, s.Socket, s.Port), 0o644)
	s.start(t, bin)
	t.Cleanup(s.Stop)
	return s
}

func passwd(users map[string]string) string {
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, u := range names {
		fmt.Fprintf(&b, "%s:{PLAIN}%s::::::\n", u, users[u])
	}
	return b.String()
}

const confTemplate = `base_dir = %s/run
state_dir = %s/state
log_path = %s/dovecot.log
protocols =
ssl = no
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = %s/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener %s {
    mode = 0666
  }
  inet_listener {
    address = 127.0.0.1
    port = %d
  }
}
service anvil {
  chroot =
  # Dovecot's auth penalty (2, 4, 8, 15 s before each request after a
  # failure from the same rip=) is not what the tests look at; without
  # the anvil-auth-penalty socket the auth process disables it.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`

func (s *Server) start(t testing.TB, bin string) {
	t.Helper()
	out, err := os.Create(filepath.Join(s.Dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "-c", s.Conf, "-F")
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	if err := s.wait(); err != nil {
		s.Stop()
		b, _ := os.ReadFile(out.Name())
		l, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
		t.Fatalf("dovecot did not start: %v\n%s\n%s", err, b, l)
	}
}

// wait waits (bounded) until both listeners accept connections.
func (s *Server) wait() error {
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range [][2]string{{"unix", s.Socket}, {"tcp", "127.0.0.1:" + strconv.Itoa(s.Port)}} {
		for {
			c, err := net.DialTimeout(a[0], a[1], time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.done:
				return fmt.Errorf("dovecot exited")
			default:
			}
			if time.Now().After(deadline) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// Stop stops Dovecot and waits (bounded) for it and its children.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// Log returns Dovecot's log.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	return string(b)
}

func freePort(t testing.TB) int {
	t.Helper()
	return testport.Free(t)
}

func write(t testing.TB, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}
