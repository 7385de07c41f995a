package master

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
)

func TestSplitHostPort(t *testing.T) {
	for in, want := range map[string][3]string{
		"25":                  {"", "25", ""},
		"smtp":                {"", "smtp", ""},
		"127.0.0.1:2525":      {"127.0.0.1", "2525", ""},
		"[::1]:2525":          {"::1", "2525", ""},
		"[ipv6:::1]:2525":     {"::1", "2525", ""},
		":25":                 {"", "25", ""},
		"localhost:smtp":      {"localhost", "smtp", ""},
		"[::1:25":             {"", "", `missing "]"`},
		"[::1]x25":            {"", "", `garbage after "]"`},
		"127.0.0.1:":          {"", "", "missing service information"},
		"127.0.0.1:25x":       {"", "", "garbage after numerical service"},
		"bad_host!:25":        {"", "", "valid hostname or network address required"},
		"[ipv6:not-an-ip]:25": {"", "", "malformed IPv6 address"},
	} {
		host, port, err := splitHostPort(in)
		got := [3]string{host, port, ""}
		if err != nil {
			got = [3]string{"", "", err.Error()}
		}
		if got != want {
			t.Errorf("splitHostPort(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServiceDisable(t *testing.T) {
	smtp := &config.Service{Name: "smtp", Type: "inet"}
	sub := &config.Service{Name: "submission", Type: "inet"}
	pickup := &config.Service{Name: "pickup", Type: "unix"}
	for _, c := range []struct {
		patterns string
		s        *config.Service
		want     bool
	}{
		{"", smtp, false},
		{"inet", smtp, true},
		{"inet", pickup, false},
		{"smtp/inet", smtp, true},
		{"smtp/inet", sub, false},
		{"smtp.inet", smtp, true},
		{"!smtp/inet, inet", smtp, false},
		{"!smtp/inet, inet", sub, true},
		{"SMTP/INET", smtp, true},
	} {
		if got := disabled(config.SplitList(c.patterns), c.s); got != c.want {
			t.Errorf("disabled(%q, %s) = %v", c.patterns, c.s.ID(), got)
		}
	}
}

func testEnv(t *testing.T, maincf string) *entryEnv {
	t.Helper()
	f, err := config.Parse("main.cf", []byte(maincf))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.New("/etc/postfix", f)
	return &entryEnv{cfg: cfg, interfaces: cfg.Get("inet_interfaces"), protocols: protocols{v4: true}}
}

func parseEntry(t *testing.T, line string) *config.Service {
	t.Helper()
	mf, err := config.ParseMaster("master.cf", []byte(line+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return mf.Services[0]
}

// TestChildArgv checks the argument vectors against Postfix's
// master_ent.c rules.
func TestChildArgv(t *testing.T) {
	env := testEnv(t, "daemon_directory = /usr/lib/postfix/sbin\ninet_interfaces = all\n")
	for line, want := range map[string]string{
		"smtp inet n - y - - smtpd":                        "smtpd -n smtp -t inet -u -c -o stress=",
		"127.0.0.1:2525 inet n - n - 10 smtpd -o x=y":      "smtpd -n 127.0.0.1:2525 -t inet -u -o x=y",
		"pickup unix n - y 60 1 pickup":                    "pickup -l -t unix -u -c",
		"cleanup unix n - y - 0 cleanup":                   "cleanup -z -t unix -u -c",
		"local unix - n n - - local":                       "local -t unix",
		"postlog unix-dgram n - n - 1 postlogd":            "postlogd -l -n postlog -t unix-dgram -u",
		"relay unix - - y - - smtp -o syslog_name=x/relay": "smtp -n relay -t unix -u -c -o syslog_name=x/relay",
	} {
		s, err := newService(env, parseEntry(t, line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		got := strings.Join(s.argv, " ")
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", line, got, want)
		}
	}
}

func TestServiceNames(t *testing.T) {
	env := testEnv(t, "inet_interfaces = loopback-only\n")
	for line, want := range map[string]string{
		"smtp inet n - n - - smtpd":             "25",
		"127.0.0.1:smtp inet n - n - - smtpd":   "[127.0.0.1]:25",
		"pickup unix n - n 60 1 pickup":         "public/pickup",
		"anvil unix - - n - 1 anvil":            "private/anvil",
		"postlog unix-dgram n - n - 1 postlogd": "public/postlog",
		"qmgr fifo n - n 300 1 qmgr":            "public/qmgr",
	} {
		s, err := newService(env, parseEntry(t, line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if s.name != want {
			t.Errorf("%s: name %s, want %s", line, s.name, want)
		}
	}
	s, _ := newService(env, parseEntry(t, "smtp inet n - n - 5 smtpd"))
	if !s.localOnly || s.stress != -1 || len(s.addrs) == 0 || !s.addrs[0].IsLoopback() {
		t.Errorf("loopback-only: addrs %v localOnly %v stress %d", s.addrs, s.localOnly, s.stress)
	}
	if _, err := newService(env, parseEntry(t, "[::1:25 inet n - n - - smtpd")); err == nil ||
		!strings.HasSuffix(err.Error(), `missing "]" in "[::1:25"`) {
		t.Errorf("bad name: %v", err)
	}
}

func TestWakeupColumn(t *testing.T) {
	env := testEnv(t, "")
	s, _ := newService(env, parseEntry(t, "flush unix n - n 1000? 0 flush"))
	if s.wakeup != 1000 || !s.condWake {
		t.Errorf("wakeup %d cond %v", s.wakeup, s.condWake)
	}
	s, _ = newService(env, parseEntry(t, "qmgr unix n - n 300 1 qmgr"))
	if s.wakeup != 300 || s.condWake {
		t.Errorf("wakeup %d cond %v", s.wakeup, s.condWake)
	}
}

func TestInterfaceAddrs(t *testing.T) {
	p := protocols{v4: true}
	all, err := interfaceAddrs("all", p)
	if err != nil || len(all) != 1 || !all[0].Equal(net.IPv4zero) {
		t.Errorf("all: %v %v", all, err)
	}
	lo, err := interfaceAddrs("loopback-only", p)
	if err != nil || len(lo) == 0 || !allLoopback(lo) {
		t.Errorf("loopback-only: %v %v", lo, err)
	}
	list, err := interfaceAddrs("localhost, [127.0.0.1], 127.0.0.1", p)
	if err != nil || len(list) != 1 || !list[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("list: %v %v", list, err)
	}
	if _, err := interfaceAddrs("192.0.2.77", p); err == nil ||
		err.Error() != "parameter inet_interfaces: no local interface found for 192.0.2.77" {
		t.Errorf("foreign address: %v", err)
	}
	if _, err := interfaceAddrs("no-such-host.invalid", p); err == nil ||
		err.Error() != "config variable inet_interfaces: host not found: no-such-host.invalid" {
		t.Errorf("unknown host: %v", err)
	}
}

func TestLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.lock")
	f, err := openLock(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := os.ReadFile(path)
	if len(data) != 33 || strings.TrimSpace(string(data)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock content %q", data)
	}
	if _, err := openLock(path, nil); err == nil ||
		!strings.HasSuffix(err.Error(), "unable to set exclusive lock: Resource temporarily unavailable") {
		t.Errorf("second lock: %v", err)
	}
}

func TestInterfaceAddrsIPv6(t *testing.T) {
	if !familySupported(unix.AF_INET6) {
		t.Skip("no IPv6")
	}
	p := protocols{v4: true, v6: true}
	all, err := interfaceAddrs("all", p)
	if err != nil || len(all) != 2 || !all[1].Equal(net.IPv6unspecified) {
		t.Errorf("all: %v %v", all, err)
	}
	list, err := interfaceAddrs("[::1], ::1, 127.0.0.1", p)
	if err != nil || len(list) != 2 {
		t.Skipf("no ::1 here: %v %v", list, err)
	}
	if !list[0].Equal(net.IPv6loopback) || !list[1].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("list: %v", list)
	}
	env := testEnv(t, "")
	env.protocols = p
	s, err := newService(env, parseEntry(t, "[::1]:2525 inet n - n - 5 smtpd"))
	if err != nil || s.name != "[::1]:2525" || len(s.addrs) != 1 || !s.localOnly {
		t.Errorf("[::1]:2525: %+v %v", s, err)
	}
	env.interfaces = "loopback-only"
	s, err = newService(env, parseEntry(t, "smtp inet n - n - 5 smtpd"))
	if err != nil || len(s.addrs) != 2 || !strings.Contains(strings.Join(s.argv, " "), "-s 2") {
		t.Errorf("loopback-only v4+v6: %v %v %v", s.addrs, s.argv, err)
	}
}
