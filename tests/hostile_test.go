package tests

// The attack-replay suite: every script in tests/testdata/hostile is an
// SMTP session of an attack or of broken input (SMTP smuggling, STARTTLS
// command injection, AUTH abuse, shell metacharacters, malformed and
// oversize addresses, overlong lines, NUL bytes, floods, pipelining
// abuse, too many recipients, slow clients) with the replies expected
// line by line, and how many messages the next hop must receive. Each
// script is played against a Postern null client (the stock master.cf,
// relaying to a recording sink) and, where Postfix defines the
// behaviour, against a private real Postfix 3.7 with the same main.cf
// and the same smtpd services: both must give the expected replies and
// relay the expected messages, and a script's "never:" addresses must
// never reach the next hop. After the run, Postern's log must show no
// crash (no panic, fatal error or abnormal child exit).
//
// POSTERN_HOSTILE_RECORD=postfix (or postern) rewrites the scripts'
// expectations from that MTA's replies instead of checking them
// (review the diff before committing). POSTERN_HOSTILE=regexp plays the
// scripts whose names match.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/sasl/dovecottest"
	"github.com/postern/postern/pkg/tlsconf/tlstest"
	"github.com/postern/postern/tests/harness"
)

// hostileServices are the smtpd services of both MTAs: name and -o
// overrides. {tls} and {auth} are replaced with the TLS and Dovecot
// settings.
var hostileServices = []struct {
	name      string
	overrides []string
}{
	{"default", nil},
	{"reject", []string{"smtpd_forbid_bare_newline=reject"}},
	{"trusted", []string{"smtpd_forbid_bare_newline_exclusions=$mynetworks"}},
	{"limits", []string{"smtpd_recipient_limit=3", "smtpd_recipient_overshoot_limit=2",
		"smtpd_hard_error_limit=6", "smtpd_soft_error_limit=3", "smtpd_junk_command_limit=4",
		"message_size_limit=4000", "line_length_limit=1024"}},
	{"pipelining", []string{"smtpd_data_restrictions=reject_unauth_pipelining",
		"smtpd_client_restrictions=sleep 1, reject_unauth_pipelining"}},
	{"timeout", []string{"smtpd_timeout=1s"}},
	{"submission", []string{"{tls}", "smtpd_tls_auth_only=yes", "{auth}", "smtpd_sasl_auth_enable=yes"}},
}

// hostileMainCF is main.cf for both: a null client relaying to the sink
// for the relay domain example.com; clients are 127.0.0.2 (not in
// mynetworks) unless a script says otherwise.
func hostileMainCF(sinkPort string) []string {
	return []string{
		"myhostname = mx.example.test",
		"mydomain = example.test",
		"myorigin = $mydomain",
		"mydestination =",
		"mynetworks = 127.0.0.1/32",
		"relay_domains = example.com",
		"relayhost = [127.0.0.1]:" + sinkPort,
		"local_transport = error:local delivery is disabled",
		"smtpd_peername_lookup = no",
		"smtpd_error_sleep_time = 0s",
		"smtpd_forbid_bare_newline = normalize",
		"smtpd_forbid_bare_newline_exclusions =",
	}
}

// hostileMasterCF is the stock master.cf (local and virtual commented
// out) with one smtpd inet service per variant on {port:NAME}.
func hostileMasterCF(t *testing.T, tlsOpts, authOpts []string) string {
	var b strings.Builder
	for _, s := range hostileServices {
		fmt.Fprintf(&b, "127.0.0.1:{port:%s} inet n - n - - smtpd\n", s.name)
		for _, o := range s.overrides {
			switch o {
			case "{tls}":
				for _, x := range tlsOpts {
					fmt.Fprintf(&b, "  -o %s\n", masterOpt(x))
				}
			case "{auth}":
				for _, x := range authOpts {
					fmt.Fprintf(&b, "  -o %s\n", masterOpt(x))
				}
			default:
				fmt.Fprintf(&b, "  -o %s\n", masterOpt(o))
			}
		}
	}
	stock := regexp.MustCompile(`(?m)^smtp\s+inet\s.*\n`).ReplaceAllString(e2eMasterCF(t, "local", "virtual"), "")
	return b.String() + stock
}

// masterOpt writes name=value for "-o", in braces when it has spaces.
func masterOpt(o string) string {
	if strings.ContainsAny(o, " \t") {
		return "{ " + o + " }"
	}
	return o
}

// hostileMTA is one side of the comparison.
type hostileMTA struct {
	name   string
	sink   *recordSink
	addr   func(service string) string
	queued func() string // postqueue -p
	log    func() string
}

func TestHostileReplays(t *testing.T) {
	t.Parallel()
	cases, err := loadHostileCases(filepath.Join("testdata", "hostile"))
	if err != nil {
		t.Fatal(err)
	}
	if only := os.Getenv("POSTERN_HOSTILE"); only != "" {
		re := regexp.MustCompile(only)
		var keep []*hostileCase
		for _, c := range cases {
			if re.MatchString(c.name) {
				keep = append(keep, c)
			}
		}
		cases = keep
	}
	record := os.Getenv("POSTERN_HOSTILE_RECORD")
	peers := hostilePeers(t)
	var mtas []*hostileMTA
	if record != "postfix" {
		mtas = append(mtas, startHostilePostern(t, peers))
	}
	if record != "postern" {
		if pf := startHostilePostfix(t, peers); pf != nil {
			mtas = append(mtas, pf)
		}
	}
	var mu sync.Mutex
	played := map[string]int{}
	for _, c := range cases {
		// Both MTAs play the script at the same time; each has its own
		// sink and plays the scripts one after the other.
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for _, m := range mtas {
				if skip := c.skip(m, peers); skip != "" {
					t.Logf("%s: not played: %s", m.name, skip)
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if record != "" {
						recordCase(t, c, m)
						return
					}
					playCase(t, c, m)
					mu.Lock()
					played[m.name]++
					mu.Unlock()
				}()
			}
			wg.Wait()
		})
	}
	t.Logf("hostile: %d scripts; played against postern %d, against postfix %d",
		len(cases), played["postern"], played["postfix"])
	for _, m := range mtas {
		if m.name == "postern" {
			checkNoCrash(t, m.log())
		}
	}
}

// hostilePeers holds what the submission service needs: a certificate
// and a private Dovecot (nil when it cannot run).
type hostilePeersT struct {
	tls  []string
	auth []string
	dc   *dovecottest.Server
}

func hostilePeers(t *testing.T) *hostilePeersT {
	leaf := tlstest.NewCA(t).Issue(t, 2048, "mx.example.test")
	p := &hostilePeersT{tls: []string{"smtpd_tls_security_level=may",
		"smtpd_tls_cert_file=" + leaf.CertFile, "smtpd_tls_key_file=" + leaf.KeyFile}}
	if _, err := exec.LookPath("dovecot"); err == nil && os.Geteuid() == 0 {
		p.dc = dovecottest.Start(t, map[string]string{"alice": "wonderland"})
		p.auth = []string{"smtpd_sasl_type=dovecot", "smtpd_sasl_path=inet:127.0.0.1:" + strconv.Itoa(p.dc.Port)}
	} else {
		p.auth = []string{"smtpd_sasl_type=dovecot", "smtpd_sasl_path=private/no-dovecot"}
	}
	return p
}

// skip says why a case is not played against m, or "".
func (c *hostileCase) skip(m *hostileMTA, peers *hostilePeersT) string {
	for _, n := range c.needs {
		if n == "dovecot" && peers.dc == nil {
			return "needs dovecot (and root)"
		}
	}
	if m.name == "postfix" && c.postfix != "same" {
		return "postfix: " + c.postfix
	}
	return ""
}

func startHostilePostern(t *testing.T, peers *hostilePeersT) *hostileMTA {
	sink := startRecordSink(t)
	inst := harness.New(t, hostileMainCF(sink.port()), hostileMasterCF(t, peers.tls, peers.auth))
	inst.Start(t)
	for _, s := range hostileServices {
		inst.WaitListen(t, s.name)
	}
	return &hostileMTA{name: "postern", sink: sink,
		addr:   func(s string) string { return inst.Addr(t, s) },
		queued: func() string { return e2ePostqueue(t, inst, "-p") },
		log:    inst.Log}
}

// startHostilePostfix starts the real Postfix with the same files, or
// returns nil when it cannot run here.
func startHostilePostfix(t *testing.T, peers *hostilePeersT) *hostileMTA {
	if os.Geteuid() != 0 {
		t.Log("postfix: not compared (the Postfix oracle needs root)")
		return nil
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Log("postfix: not compared (no /usr/sbin/postfix)")
		return nil
	}
	sink := startRecordSink(t)
	ports := map[string]int{}
	master := regexp.MustCompile(`\{port:([a-z]+)\}`).ReplaceAllStringFunc(hostileMasterCF(t, peers.tls, peers.auth),
		func(ref string) string {
			name := ref[6 : len(ref)-1]
			if ports[name] == 0 {
				ports[name] = harness.FreePort(t)
			}
			return strconv.Itoa(ports[name])
		})
	pf := startRealPostfixWith(t, append(hostileMainCF(sink.port()), "inet_interfaces = 127.0.0.1"), master)
	for _, p := range ports {
		if !dialable("127.0.0.1:" + strconv.Itoa(p)) {
			t.Fatalf("postfix: nothing on port %d; log:\n%s", p, pf.log())
		}
	}
	return &hostileMTA{name: "postfix", sink: sink,
		addr: func(s string) string { return "127.0.0.1:" + strconv.Itoa(ports[s]) },
		queued: func() string {
			out, _ := exec.Command("/usr/sbin/postqueue", "-c", pf.conf, "-p").CombinedOutput()
			return string(out)
		},
		log: pf.log}
}

// playCase plays c against m and checks the replies, then what reached
// the next hop once the queue is empty.
func playCase(t *testing.T, c *hostileCase, m *hostileMTA) {
	before := m.sink.count()
	start := time.Now()
	tr := c.play(m.addr(c.service), false)
	if d := time.Since(start); d > 3*time.Second {
		t.Logf("%s: %s took %v", m.name, c.name, d.Round(time.Millisecond))
	}
	for _, e := range tr.errs {
		t.Errorf("%s: %s: %s", m.name, c.path, e)
	}
	if len(tr.errs) > 0 {
		t.Logf("%s replies:\n%s", m.name, strings.Join(tr.got, "\n"))
		t.Logf("%s log, last lines:\n%s", m.name, lastLines(m.log(), 40))
		t.Logf("%s: listeners on %s:\n%s", m.name, m.addr(c.service), listeners(m.addr(c.service)))
	}
	waitQueueEmpty(t, m)
	msgs := m.sink.messages()[before:]
	if c.messages >= 0 && len(msgs) != c.messages {
		t.Errorf("%s: %s: %d messages relayed, want %d", m.name, c.name, len(msgs), c.messages)
	}
	for _, msg := range msgs {
		for _, a := range append([]string{msg.From}, msg.Rcpts...) {
			for _, bad := range c.never {
				if strings.EqualFold(a, bad) {
					t.Errorf("%s: %s: a message for <%s> reached the next hop: from <%s> to %v", m.name, c.name, bad, msg.From, msg.Rcpts)
				}
			}
		}
	}
}

// listeners lists the processes listening on addr (ss -ltnp): two
// processes with SO_REUSEPORT would share its connections.
func listeners(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("ss", "-Hltnp", "sport = :"+port).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("ss: %v: %s", err, out)
	}
	return string(out)
}

// lastLines returns the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitQueueEmpty waits (bounded) until m's queue is empty twice in a
// row: showq lists active/ before incoming/ (as Postfix's), so a listing
// taken while qmgr moves a new message from incoming/ to active/ misses
// it.
func waitQueueEmpty(t *testing.T, m *hostileMTA) {
	deadline := time.Now().Add(harness.Timeout)
	empty := 0
	for {
		out := m.queued()
		if strings.Contains(out, "Mail queue is empty") {
			if empty++; empty == 2 {
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		empty = 0
		if time.Now().After(deadline) {
			t.Errorf("%s: queue not empty:\n%s", m.name, out)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordCase rewrites c's expectations from m's replies.
func recordCase(t *testing.T, c *hostileCase, m *hostileMTA) {
	before := m.sink.count()
	tr := c.play(m.addr(c.service), true)
	waitQueueEmpty(t, m)
	text := c.recorded(tr)
	n := m.sink.count() - before
	text = regexp.MustCompile(`(?m)^messages: .*$`).ReplaceAllString(text, "messages: "+strconv.Itoa(n))
	if err := os.WriteFile(c.path, []byte(text), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("%s: recorded from %s (%d messages)", c.path, m.name, n)
}

// checkNoCrash fails on log lines of a crashed Postern process.
func checkNoCrash(t *testing.T, log string) {
	t.Helper()
	bad := regexp.MustCompile(`(?m)^.*(panic: |fatal: |fatal error: |goroutine \d+ \[|exit status [1-9]|killed by signal).*$`)
	for _, l := range bad.FindAllString(log, 20) {
		t.Errorf("crash in the log: %s", l)
	}
}

// dialable waits (bounded) until addr accepts connections.
func dialable(addr string) bool {
	deadline := time.Now().Add(harness.Timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// startRealPostfixWith starts a private real Postfix with main.cf lines
// (after the directory settings) and master.cf as given.
func startRealPostfixWith(t *testing.T, mainCF []string, masterCF string) *e2ePostfix {
	t.Helper()
	p := newRealPostfix(t, mainCF, masterCF)
	p.start(t)
	return p
}

// newRealPostfix prepares a private real Postfix without starting it:
// its directories, main.cf (the directory settings, then mainCF) and
// master.cf.
func newRealPostfix(t *testing.T, mainCF []string, masterCF string) *e2ePostfix {
	t.Helper()
	p := &e2ePostfix{dir: t.TempDir()}
	os.Chmod(filepath.Dir(p.dir), 0o755)
	os.Chmod(p.dir, 0o755)
	p.conf, p.logFile = filepath.Join(p.dir, "etc"), filepath.Join(p.dir, "maillog")
	for _, d := range []string{"etc", "queue", "data"} {
		os.MkdirAll(filepath.Join(p.dir, d), 0o755)
	}
	exec.Command("chown", "postfix", filepath.Join(p.dir, "data")).Run()
	base := []string{
		"compatibility_level = 3.6",
		"queue_directory = " + p.dir + "/queue",
		"data_directory = " + p.dir + "/data",
		"maillog_file = " + p.logFile,
		"maillog_file_prefixes = " + p.dir,
		"inet_protocols = ipv4",
	}
	e2eWrite(t, filepath.Join(p.conf, "main.cf"), strings.Join(append(base, mainCF...), "\n")+"\n")
	e2eWrite(t, filepath.Join(p.conf, "master.cf"), masterCF)
	return p
}

// start runs "postfix start"; the instance stops when the test ends.
func (p *e2ePostfix) start(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { p.run("stop") })
	if out, err := p.run("start"); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.log())
	}
}
