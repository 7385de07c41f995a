package smtpd

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/testport"
)

// The comparison test: the same scripted sessions against a private
// instance of the real Postfix (the oracle) and against Postern's smtpd,
// comparing every reply and the smtpd log lines. It needs root and
// /usr/sbin/postfix; it is skipped otherwise.

// oracleBase is main.cf for both sides.
var oracleBase = map[string]string{
	"compatibility_level":                  "3.7",
	"myhostname":                           "mx.example.com",
	"mydomain":                             "example.com",
	"myorigin":                             "example.com",
	"mydestination":                        "example.com",
	"mynetworks":                           "192.0.2.0/24",
	"relay_domains":                        "relay.example",
	"inet_interfaces":                      "127.0.0.1",
	"inet_protocols":                       "ipv4",
	"smtpd_peername_lookup":                "no",
	"local_recipient_maps":                 "",
	"smtpd_reject_unlisted_recipient":      "no",
	"smtpd_error_sleep_time":               "0s",
	"smtpd_forbid_bare_newline":            "normalize",
	"smtpd_forbid_bare_newline_exclusions": "",
	"default_transport":                    "discard",
	"local_transport":                      "discard",
	"relay_transport":                      "discard",
	"alias_maps":                           "",
	"biff":                                 "no",
}

// oracleVariant is one smtpd service: master.cf -o overrides.
type oracleVariant struct {
	name      string
	overrides map[string]string
}

var oracleVariants = []oracleVariant{
	{"default", nil},
	{"bare-reject", map[string]string{"smtpd_forbid_bare_newline": "reject"}},
	{"limits", map[string]string{"smtpd_recipient_limit": "2", "message_size_limit": "2000",
		"smtpd_soft_error_limit": "2", "smtpd_hard_error_limit": "4",
		"smtpd_recipient_overshoot_limit": "2", "line_length_limit": "512"}},
	{"novrfy", map[string]string{"disable_vrfy_command": "yes", "smtpd_helo_required": "yes",
		"smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination"}},
	{"minfree", map[string]string{"queue_minfree": "1000000000000000"}},
	{"nodelay", map[string]string{"smtpd_delay_reject": "no",
		"smtpd_sender_restrictions":   "reject_unauth_pipelining, permit",
		"smtpd_discard_ehlo_keywords": "chunking, dsn"}},
	{"eod", map[string]string{"smtpd_end_of_data_restrictions": "reject"}},
	{"data", map[string]string{"smtpd_data_restrictions": "reject_unauth_pipelining, reject",
		"smtpd_restriction_classes": "myclass", "myclass": "permit_mynetworks, defer_unauth_destination",
		"smtpd_relay_restrictions": "myclass", "smtpd_etrn_restrictions": "unknown_thing"}},
	{"timeout", map[string]string{"smtpd_timeout": "1s"}},
	{"restrict", map[string]string{"smtpd_client_restrictions": "warn_if_reject, reject",
		"smtpd_recipient_restrictions": "defer_if_permit, permit_mynetworks, permit_auth_destination, reject",
		"smtpd_data_restrictions":      "reject"}},
}

// oracle is a running private Postfix.
type oracle struct {
	dir   string
	ports map[string]int
	logf  string
	seen  int // bytes of the maillog already consumed
}

func freePort(t *testing.T) int {
	t.Helper()
	return testport.Free(t)
}

func startOracle(t *testing.T) *oracle {
	if os.Geteuid() != 0 {
		t.Skip("the Postfix oracle needs root")
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("no /usr/sbin/postfix")
	}
	dir, err := os.MkdirTemp("", "postern-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{dir: dir, ports: map[string]int{}, logf: filepath.Join(dir, "maillog")}
	t.Cleanup(func() { o.stop(t); os.RemoveAll(dir) })
	for _, d := range []string{"etc", "queue", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o755)
	exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run()
	o.writeConfig(t)
	o.run(t, "start")
	for _, v := range oracleVariants {
		waitPort(t, o.ports[v.name])
	}
	return o
}

func (o *oracle) writeConfig(t *testing.T) {
	var main strings.Builder
	for k, v := range oracleBase {
		fmt.Fprintf(&main, "%s = %s\n", k, v)
	}
	fmt.Fprintf(&main, "queue_directory = %s/queue\ndata_directory = %s/data\n", o.dir, o.dir)
	fmt.Fprintf(&main, "maillog_file = %s\nmaillog_file_prefixes = %s\n", o.logf, o.dir)
	var master strings.Builder
	for _, v := range oracleVariants {
		o.ports[v.name] = freePort(t)
		fmt.Fprintf(&master, "127.0.0.1:%d inet n - n - - smtpd\n", o.ports[v.name])
		for k, val := range v.overrides {
			fmt.Fprintf(&master, "  -o {%s=%s}\n", k, val)
		}
	}
	master.WriteString(oracleServices)
	write(t, filepath.Join(o.dir, "etc/main.cf"), main.String())
	write(t, filepath.Join(o.dir, "etc/master.cf"), master.String())
}

const oracleServices = `cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
smtp unix - - n - - smtp
relay unix - - n - - smtp
lmtp unix - - n - - lmtp
showq unix n - n - - showq
postlog unix-dgram n - n - 1 postlogd
`

func write(t *testing.T, path, data string) {
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (o *oracle) run(t *testing.T, verb string) {
	cmd := exec.Command("/usr/sbin/postfix", "-c", filepath.Join(o.dir, "etc"), verb)
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(o.logf)
		t.Fatalf("postfix %s: %v\n%s\n%s", verb, err, out, log)
	}
}

func (o *oracle) stop(t *testing.T) {
	cmd := exec.Command("/usr/sbin/postfix", "-c", filepath.Join(o.dir, "etc"), "stop")
	done := make(chan struct{})
	go func() { cmd.Run(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("postfix stop did not finish")
	}
}

func waitPort(t *testing.T, port int) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("port %d never opened", port)
}

// smtpdLines returns the new postfix/smtpd log lines, without the
// syslog prefix, waiting (bounded) for the session's disconnect line.
func (o *oracle) smtpdLines(t *testing.T, connects int) []string {
	re := regexp.MustCompile(`^\S+ +\d+ [\d:]+ \S+ postfix/smtpd\[\d+\]: (.*)$`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		data, _ := os.ReadFile(o.logf)
		var out []string
		disc := 0
		for _, l := range strings.Split(string(data[o.seen:]), "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
				if strings.HasPrefix(m[1], "disconnect from") {
					disc++
				}
			}
		}
		if disc >= connects || time.Now().After(deadline) {
			o.seen = len(data)
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}
