package tests

// Process-level fault injection (issue #7), each scenario run against
// Postern and, when it is installed and the test runs as root, against
// the real Postfix 3.7 with the same main.cf and master.cf, so that the
// replies, the queue state and the kinds of log lines can be compared:
//
//   - TestReliabilityCorruptQueueFiles: queue files in deferred/ are
//     truncated or overwritten with garbage and garbage is dropped into
//     incoming/; a flush moves them to corrupt/ with a warning, the
//     queue manager keeps running (same pid) and the other mail goes out.
//   - TestReliabilityLookupFailure: a missing, unreadable or damaged
//     lookup table, or an LDAP server that is down, gets the client a
//     4xx or leaves the mail deferred: never a 5xx, never lost.
//   - TestReliabilityBadNextHop: a next hop that never completes the
//     TCP handshake, never greets, hangs after MAIL or after the end of
//     data, resets the connection or talks garbage: the mail is deferred
//     after the smtp_*_timeout settings, and delivered once the next
//     hop behaves.
//   - TestReliabilityAliasMapsMissing: local delivery with a missing
//     alias_maps table defers the mail.
//   - TestReliabilityCrashLoop: a service whose command fails at once,
//     under a load of connections: the master throttles it, forks a
//     bounded number of times, and stays responsive.
//
// Timeouts are set small in main.cf; nothing asserts on timing.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// faultMTA is one MTA under fault injection.
type faultMTA struct {
	name      string
	queueDir  string
	confDir   string
	addr      func(service string) string
	postqueue func(args ...string) string
	postfix   func(args ...string) (string, error)
	log       func() string
}

// faultMTAs starts Postern and, when possible, the real Postfix, each
// with main.cf lines from mainCF (called once per MTA, so that each
// gets peers of its own) and master.cf (with {port:NAME} references).
func faultMTAs(t *testing.T, mainCF func(name string) []string, masterCF string) []*faultMTA {
	mtas := []*faultMTA{startFaultPostern(t, mainCF("postern"), masterCF)}
	if pf := startFaultPostfix(t, mainCF("postfix"), masterCF); pf != nil {
		mtas = append(mtas, pf)
	}
	return mtas
}

func startFaultPostern(t *testing.T, mainCF []string, masterCF string) *faultMTA {
	inst := harness.New(t, mainCF, masterCF)
	inst.Start(t)
	for name := range inst.Ports {
		inst.WaitListen(t, name)
	}
	return &faultMTA{name: "postern", queueDir: inst.QueueDir, confDir: inst.ConfigDir,
		addr: func(s string) string { return inst.Addr(t, s) },
		postqueue: func(args ...string) string {
			out, _ := exec.Command(filepath.Join(inst.BinDir, "postqueue"), append([]string{"-c", inst.ConfigDir}, args...)...).CombinedOutput()
			return string(out)
		},
		postfix: inst.Postfix,
		log:     inst.Log}
}

// startFaultPostfix starts the real Postfix, or returns nil when it
// cannot run here.
func startFaultPostfix(t *testing.T, mainCF []string, masterCF string) *faultMTA {
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil || os.Geteuid() != 0 {
		return nil
	}
	ports := map[string]int{}
	master := regexp.MustCompile(`\{port:([a-z0-9]+)\}`).ReplaceAllStringFunc(masterCF, func(ref string) string {
		name := ref[6 : len(ref)-1]
		if ports[name] == 0 {
			ports[name] = harness.FreePort(t)
		}
		return strconv.Itoa(ports[name])
	})
	pf := newRealPostfix(t, append(mainCF, "inet_interfaces = 127.0.0.1"), master)
	pf.start(t)
	for _, p := range ports {
		if !dialable("127.0.0.1:" + strconv.Itoa(p)) {
			t.Fatalf("postfix: nothing on port %d:\n%s", p, pf.log())
		}
	}
	return &faultMTA{name: "postfix", queueDir: filepath.Join(pf.dir, "queue"), confDir: pf.conf,
		addr: func(s string) string { return "127.0.0.1:" + strconv.Itoa(ports[s]) },
		postqueue: func(args ...string) string {
			out, _ := exec.Command("/usr/sbin/postqueue", append([]string{"-c", pf.conf}, args...)...).CombinedOutput()
			return string(out)
		},
		postfix: pf.run,
		log:     pf.log}
}

// masterPID reads pid/master.pid.
func (m *faultMTA) masterPID() int {
	b, _ := os.ReadFile(filepath.Join(m.queueDir, "pid", "master.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// children lists the pids of the master's children whose command name
// (argv[0]'s base name) is name.
func (m *faultMTA) children(name string) []int {
	master := m.masterPID()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
		if len(f) < 2 || f[0] == "Z" || f[1] != strconv.Itoa(master) {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if argv0, _, _ := strings.Cut(string(cmd), "\x00"); filepath.Base(argv0) == name {
			out = append(out, pid)
		}
	}
	return out
}

func (m *faultMTA) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out waiting for %s; queue:\n%s\nlog:\n%s", m.name, what, m.postqueue("-p"), e2eHead(m.log(), 8000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// queueFiles lists the files under queue q (hash subdirectories
// included), sorted.
func (m *faultMTA) queueFiles(q string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(m.queueDir, q), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// logKinds returns the lines of log matching re with queue IDs, pids,
// addresses and numbers masked, so that Postern's and Postfix's lines
// can be compared as kinds.
func logKinds(log string, re *regexp.Regexp) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if !re.MatchString(l) {
			continue
		}
		if i := strings.Index(l, "postfix/"); i >= 0 {
			l = l[i:]
		}
		l = regexp.MustCompile(`\[\d+\]`).ReplaceAllString(l, "[N]")
		l = regexp.MustCompile(`\b[0-9A-F]{10,12}\b`).ReplaceAllString(l, "QID")
		l = regexp.MustCompile(`\d+`).ReplaceAllString(l, "N")
		out = append(out, l)
	}
	return out
}

// faultBaseCF is a null client relaying everything to relayhost, with
// retries far away (only postqueue -f retries) and no local delivery.
func faultBaseCF(relay string) []string {
	return []string{"myhostname = mx.example.test", "mydomain = example.test", "mydestination =",
		"relayhost = " + relay, "local_transport = error:local delivery is disabled",
		"minimal_backoff_time = 300s", "maximal_backoff_time = 600s", "queue_run_delay = 300s",
		"smtpd_peername_lookup = no", "mynetworks = 127.0.0.0/8", "smtpd_error_sleep_time = 0s",
		"alias_maps =", "alias_database ="}
}

// faultMasterCF is the stock master.cf (local and virtual commented
// out) with smtpd on {port:smtp}.
func faultMasterCF(t *testing.T) string { return e2eMasterCF(t, "local", "virtual") }

// sentFrom counts the sink's messages from sender.
func sentFrom(s *recordSink, sender string) int {
	n := 0
	for _, m := range s.messages() {
		if m.From == sender {
			n++
		}
	}
	return n
}

// ---- 1. Corrupt and truncated queue files ----

var corruptLine = regexp.MustCompile(`warning: saving corrupt file "([0-9A-Za-z]+)" from queue "active" to queue "corrupt"`)

func TestReliabilityCorruptQueueFiles(t *testing.T) {
	sinks := map[string]*recordSink{}
	mtas := faultMTAs(t, func(name string) []string {
		sinks[name] = startRecordSink(t)
		sinks[name].setMode(sinkTempFail)
		return faultBaseCF("[127.0.0.1]:" + sinks[name].port())
	}, faultMasterCF(t))
	kinds := make([][]string, len(mtas))
	for i, m := range mtas {
		kinds[i] = runCorrupt(t, m, sinks[m.name])
	}
	for i, m := range mtas {
		t.Logf("%s: warnings about the damaged files:\n  %s", m.name, strings.Join(kinds[i], "\n  "))
	}
}

// runCorrupt damages three of five deferred messages and adds a
// garbage file to incoming, flushes, and checks the outcome; it
// returns qmgr's warnings as kinds.
func runCorrupt(t *testing.T, m *faultMTA, sink *recordSink) []string {
	const total = 5
	for i := 0; i < total; i++ {
		if r := diskSend(t, m.addr("smtp"), fmt.Sprintf("message %d", i), 1); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("%s: message %d: %q", m.name, i, r)
		}
	}
	m.wait(t, "five deferred messages", func() bool { return len(m.queueFiles("deferred")) == total })
	qmgr := m.children("qmgr")
	if len(qmgr) != 1 {
		t.Fatalf("%s: qmgr processes %v", m.name, qmgr)
	}
	files := m.queueFiles("deferred")
	damaged := damageQueueFiles(t, files[:3], filepath.Join(m.queueDir, "incoming", "ABCDEF0123"))
	sink.setMode(sinkAccept)
	m.postqueue("-f")
	m.wait(t, "the intact messages delivered and the damaged ones in corrupt", func() bool {
		return sentFrom(sink, "a@example.com") >= total-3 && len(m.queueFiles("corrupt")) >= len(damaged) &&
			strings.Contains(m.postqueue("-p"), "Mail queue is empty")
	})
	saved := map[string]bool{}
	for _, s := range corruptLine.FindAllStringSubmatch(m.log(), -1) {
		saved[s[1]] = true
	}
	for _, id := range damaged {
		if !saved[id] {
			t.Errorf("%s: no \"saving corrupt file\" warning for %s", m.name, id)
		}
		if _, err := os.Stat(filepath.Join(m.queueDir, "corrupt", id)); err != nil {
			t.Errorf("%s: %s is not in corrupt/: %v", m.name, id, err)
		}
	}
	if now := m.children("qmgr"); len(now) != 1 || now[0] != qmgr[0] {
		t.Errorf("%s: qmgr pid was %v, now %v: it restarted", m.name, qmgr, now)
	}
	got := sentFrom(sink, "a@example.com")
	if got != total-3 {
		t.Errorf("%s: %d messages delivered, want %d", m.name, got, total-3)
	}
	t.Logf("reliability (corrupt queue files, %s): %d messages accepted, %d damaged on purpose (+1 garbage file), %d delivered, %d in corrupt/, 0 lost",
		m.name, total, 3, got, len(m.queueFiles("corrupt")))
	return logKinds(m.log(), regexp.MustCompile(`/qmgr\[\d+\]: (warning|error|fatal|panic)`))
}

// damageQueueFiles truncates the first file to half its size, fills
// the second with garbage, cuts the third to 10 bytes, and writes a
// garbage file as a complete queue file (mode 0700, the owner of the
// others) at extra. It returns the queue IDs of all four.
func damageQueueFiles(t *testing.T, files []string, extra string) []string {
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(files[0], st.Size()/2); err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 2000)
	rand.Read(garbage)
	if err := os.WriteFile(files[1], garbage, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(files[2], 10); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(extra, garbage[:700], 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(extra, 0o700)
	sys := st.Sys().(*syscall.Stat_t)
	os.Chown(extra, int(sys.Uid), int(sys.Gid))
	ids := []string{filepath.Base(extra)}
	for _, f := range files {
		ids = append(ids, filepath.Base(f))
	}
	return ids
}

// ---- 2. Missing, unreadable or unreachable lookup tables ----

// lookupCases: main.cf lines per case; TABLES is a directory holding
// dir.db (a directory), bad.db (garbage) and ldap.cf (a server that is
// down); missing.db does not exist.
var lookupCases = []struct {
	name string
	cf   []string
}{
	{"virtual_alias_maps missing", []string{"virtual_alias_maps = hash:TABLES/missing"}},
	{"transport_maps missing", []string{"transport_maps = hash:TABLES/missing"}},
	{"canonical_maps missing", []string{"canonical_maps = hash:TABLES/missing"}},
	{"mynetworks missing", []string{"mynetworks = hash:TABLES/missing"}},
	{"canonical_maps missing in cleanup", []string{"canonical_maps = hash:TABLES/missing", "smtpd_reject_unlisted_recipient = no"}},
	{"virtual_alias_maps missing in cleanup", []string{"virtual_alias_maps = hash:TABLES/missing", "virtual_alias_domains =",
		"smtpd_reject_unlisted_recipient = no"}},
	{"check_recipient_access directory", []string{"smtpd_recipient_restrictions = check_recipient_access hash:TABLES/dir, permit_mynetworks, reject"}},
	{"check_recipient_access garbage", []string{"smtpd_recipient_restrictions = check_recipient_access hash:TABLES/bad, permit_mynetworks, reject"}},
	{"virtual_alias_maps ldap down", []string{"virtual_alias_maps = ldap:TABLES/ldap.cf"}},
	{"check_sender_access ldap down", []string{"smtpd_sender_restrictions = check_sender_access ldap:TABLES/ldap.cf"}},
	{"virtual_alias_maps ldap hangs", []string{"virtual_alias_maps = ldap:TABLES/ldaphang.cf"}},
}

func TestReliabilityLookupFailure(t *testing.T) {
	for _, c := range lookupCases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			t.Parallel() // own instances, temp dirs and ports
			sinks := map[string]*recordSink{}
			mtas := faultMTAs(t, func(name string) []string {
				sinks[name] = startRecordSink(t)
				dir := lookupTables(t)
				cf := faultBaseCF("[127.0.0.1]:" + sinks[name].port())
				for _, l := range c.cf {
					cf = mergeCF(cf, strings.ReplaceAll(l, "TABLES", dir))
				}
				return cf
			}, faultMasterCF(t))
			results := make([][]string, len(mtas))
			for i, m := range mtas {
				results[i] = runLookupCase(t, m, sinks[m.name])
				t.Logf("%s: %q\n  log: %s", m.name, results[i], strings.Join(logKinds(m.log(),
					regexp.MustCompile(`(warning|error|fatal|panic|status=)`)), "\n  log: "))
			}
			if len(results) == 2 {
				compareTranscripts(t, c.name, results[1], results[0])
			}
		})
	}
}

// lookupTables makes the tables' directory.
func lookupTables(t *testing.T) string {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Mkdir(filepath.Join(dir, "dir.db"), 0o755)
	garbage := make([]byte, 4096)
	rand.Read(garbage)
	os.WriteFile(filepath.Join(dir, "bad.db"), garbage, 0o644)
	const ldapCF = "server_host = ldap://127.0.0.1:%d\nsearch_base = dc=example,dc=test\nquery_filter = (mail=%%s)\nresult_attribute = mail\ntimeout = 2\n"
	down := harness.FreePort(t) // nothing listens there
	os.WriteFile(filepath.Join(dir, "ldap.cf"), []byte(fmt.Sprintf(ldapCF, down)), 0o644)
	os.WriteFile(filepath.Join(dir, "ldaphang.cf"), []byte(fmt.Sprintf(ldapCF, hangingListener(t))), 0o644)
	return dir
}

// hangingListener accepts TCP connections and never answers; it
// returns its port.
func hangingListener(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetDeadline(time.Now().Add(time.Minute))
				io.Copy(io.Discard, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

// runLookupCase sends one message and returns the replies and what
// became of the mail: never a 5xx, never a bounce, never lost.
func runLookupCase(t *testing.T, m *faultMTA, sink *recordSink) []string {
	c := dialSMTP(t, m.addr("smtp"))
	defer c.cmd("QUIT")
	out := []string{"connect -> " + c.reply()}
	out = append(out, c.script("EHLO client.example", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.net>")...)
	if !strings.Contains(out[len(out)-1], " -> 250 ") {
		return lookupCheck(t, m, out)
	}
	if r := c.cmd("DATA"); !strings.HasPrefix(r, "354") {
		return lookupCheck(t, m, append(out, "DATA -> "+r))
	}
	r := c.cmd("Subject: lookup\r\n\r\nhello\r\n.")
	out = append(out, "end of data -> "+queueIDRE2.ReplaceAllString(r, "queued as QID"))
	if strings.HasPrefix(r, "250 ") {
		m.wait(t, "the message delivered or deferred", func() bool {
			return sentFrom(sink, "a@example.com") > 0 || regexp.MustCompile(`status=(deferred|bounced)`).MatchString(m.log())
		})
		switch {
		case sentFrom(sink, "a@example.com") > 0:
			out = append(out, "mail: sent")
		case strings.Contains(m.log(), "status=bounced"):
			out = append(out, "mail: bounced")
		default:
			out = append(out, "mail: deferred")
			if q := m.postqueue("-p"); !strings.Contains(q, "a@example.com") {
				t.Errorf("%s: the deferred message is not in the queue:\n%s", m.name, q)
			}
		}
	}
	return lookupCheck(t, m, out)
}

var queueIDRE2 = regexp.MustCompile(`queued as [0-9A-Za-z]+`)

// lookupCheck fails the test on a 5xx reply or a bounce.
func lookupCheck(t *testing.T, m *faultMTA, out []string) []string {
	for _, l := range out {
		if strings.Contains(l, " -> 5") || l == "mail: bounced" {
			t.Errorf("%s: a lookup failure must not be permanent: %s", m.name, l)
		}
	}
	return out
}

// ---- 3. A next hop that hangs, resets or talks garbage ----

// badHopModes: what each next hop does until it is told to behave.
var badHopModes = []string{"blackhole", "nogreet", "hangmail", "hangdot", "reset", "garbage", "garbagemail"}

// badHop is a next hop that misbehaves in one way until good is set;
// then it is a recording sink.
type badHop struct {
	mode    string
	ln      net.Listener
	fillers []net.Conn // blackhole: the connections that fill the accept queue
	sink    *recordSink
	mu      sync.Mutex
	good    bool
	wg      sync.WaitGroup
}

func startBadHop(t *testing.T, mode string) *badHop {
	h := &badHop{mode: mode, sink: &recordSink{}}
	if mode == "blackhole" {
		h.ln, h.fillers = blackholeListener(t)
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		h.ln = ln
		h.serve()
	}
	t.Cleanup(func() {
		h.ln.Close()
		for _, c := range h.fillers {
			c.Close()
		}
		h.wg.Wait()
	})
	return h
}

// serve accepts connections until the listener is closed.
func (h *badHop) serve() {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := h.ln.Accept()
			if err != nil {
				return
			}
			h.wg.Add(1)
			go func() { defer h.wg.Done(); h.session(c) }()
		}
	}()
}

// blackholeListener listens with a backlog of 0 and accepts nothing
// until told to behave; connections made here fill the accept queue,
// so that the kernel drops the SYNs of the next ones and a client's
// connect runs into its timeout.
func blackholeListener(t *testing.T) (net.Listener, []net.Conn) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "blackhole")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var fillers []net.Conn
	for i := 0; i < 4; i++ {
		if c, err := net.DialTimeout("tcp", ln.Addr().String(), 300*time.Millisecond); err == nil {
			fillers = append(fillers, c)
		}
	}
	return ln, fillers
}

func (h *badHop) port() int { return h.ln.Addr().(*net.TCPAddr).Port }

// behave makes the next hop a sink (a black hole starts accepting).
func (h *badHop) behave() {
	h.mu.Lock()
	h.good = true
	h.mu.Unlock()
	if h.mode == "blackhole" {
		for _, c := range h.fillers {
			c.Close()
		}
		h.fillers = nil
		h.serve()
	}
}

// session misbehaves; a hanging session ends when the client closes
// the connection (or after a minute).
func (h *badHop) session(c net.Conn) {
	h.mu.Lock()
	good := h.good
	h.mu.Unlock()
	if good {
		h.sink.session(c)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) }
	upTo := func(verb string) bool { // answer until verb arrives
		inData := false
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return false
			}
			v := strings.ToUpper(strings.TrimSpace(l))
			switch {
			case strings.HasPrefix(v, verb) && (!inData || v == "."):
				return true
			case inData && v != ".":
				// message content: no reply
			case strings.HasPrefix(v, "EHLO"):
				say("250-hop.test\r\n250 PIPELINING")
			case v == "DATA":
				inData = true
				say("354 go ahead")
			default:
				inData = false
				say("250 2.0.0 Ok")
			}
		}
	}
	switch h.mode {
	case "hangmail":
		say("220 hop.test ESMTP")
		upTo("MAIL")
	case "hangdot":
		say("220 hop.test ESMTP")
		upTo(".")
	case "reset":
		say("220 hop.test ESMTP")
		if upTo("RCPT") {
			c.(*net.TCPConn).SetLinger(0) // RST, not FIN
			return
		}
	case "garbage":
		say("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>nope</html>")
	case "garbagemail":
		say("220 hop.test ESMTP")
		if upTo("MAIL") {
			say("what?")
		}
	}
	io.Copy(io.Discard, r) // hang until the client gives up
}

// badHopCF routes x@MODE.test to each next hop, with small timeouts.
func badHopCF(t *testing.T, hops map[string]*badHop) []string {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	var b strings.Builder
	for mode, h := range hops {
		fmt.Fprintf(&b, "%s.test smtp:[127.0.0.1]:%d\n", mode, h.port())
	}
	os.WriteFile(filepath.Join(dir, "transport"), []byte(b.String()), 0o644)
	return append(faultBaseCF("[127.0.0.1]:1"), "transport_maps = texthash:"+dir+"/transport",
		"smtp_connect_timeout = 2s", "smtp_helo_timeout = 2s", "smtp_mail_timeout = 2s",
		"smtp_rcpt_timeout = 2s", "smtp_data_init_timeout = 2s", "smtp_data_xfer_timeout = 2s",
		"smtp_data_done_timeout = 2s", "smtp_quit_timeout = 2s", "smtp_rset_timeout = 2s")
}

var deferredRE = regexp.MustCompile(`to=<x@([a-z]+)\.test>, relay=(\S+), .*status=deferred \((.*)\)$`)

func TestReliabilityBadNextHop(t *testing.T) {
	hops := map[string]map[string]*badHop{}
	mtas := faultMTAs(t, func(name string) []string {
		hops[name] = map[string]*badHop{}
		for _, mode := range badHopModes {
			hops[name][mode] = startBadHop(t, mode)
		}
		return badHopCF(t, hops[name])
	}, faultMasterCF(t))
	results := make([][]string, len(mtas))
	for i := len(mtas) - 1; i >= 0; i-- { // the oracle first
		results[i] = runBadHop(t, mtas[i], hops[mtas[i].name])
	}
	if len(results) == 2 {
		compareTranscripts(t, "status=deferred reasons", results[1], results[0])
	}
}

// runBadHop sends one message to each next hop, collects the deferral
// reasons (ports masked), then lets the hops behave and checks that
// each message is delivered exactly once.
func runBadHop(t *testing.T, m *faultMTA, hops map[string]*badHop) []string {
	for _, mode := range badHopModes {
		c := dialSMTP(t, m.addr("smtp"))
		c.reply()
		for _, cmd := range []string{"EHLO client.example", "MAIL FROM:<a@example.com>", "RCPT TO:<x@" + mode + ".test>", "DATA"} {
			c.cmd(cmd)
		}
		if r := c.cmd("Subject: " + mode + "\r\n\r\nhello\r\n."); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("%s: message to %s: %q", m.name, mode, r)
		}
		c.cmd("QUIT")
	}
	reasons := map[string]string{}
	m.wait(t, "every message deferred", func() bool {
		for _, l := range strings.Split(m.log(), "\n") {
			if s := deferredRE.FindStringSubmatch(l); s != nil {
				reasons[s[1]] = "relay=" + s[2] + " (" + s[3] + ")"
			}
		}
		return len(reasons) == len(badHopModes)
	})
	var out []string
	for _, mode := range badHopModes {
		r := reasons[mode]
		for _, h := range hops {
			r = strings.ReplaceAll(r, strconv.Itoa(h.port()), "PORT")
		}
		out = append(out, mode+": "+r)
	}
	for _, h := range hops {
		h.behave()
	}
	m.postqueue("-f")
	m.wait(t, "every message delivered", func() bool {
		for _, h := range hops {
			if h.sink.count() == 0 {
				return false
			}
		}
		return strings.Contains(m.postqueue("-p"), "Mail queue is empty")
	})
	delivered, dups := 0, 0
	for mode, h := range hops {
		if n := sentFrom(h.sink, "a@example.com"); n != 1 {
			t.Errorf("%s: %d deliveries to %s, want 1", m.name, n, mode)
			dups += n - 1
		}
		delivered += h.sink.count()
	}
	t.Logf("reliability (bad next hop, %s): %d messages accepted, %d deferred, %d delivered after the next hops behaved, %d duplicated, 0 lost\n  %s",
		m.name, len(badHopModes), len(reasons), delivered, dups, strings.Join(out, "\n  "))
	return out
}

// ---- 4. A service that crash-loops ----

// crashServices: a command that fails at once, and a daemon given an
// option it does not know; both under a load of connections.
const crashServices = "127.0.0.1:{port:false} inet n - n - 4 /bin/false\n" +
	"127.0.0.1:{port:badopt} inet n - n - 4 smtpd -Z\n"

func TestReliabilityCrashLoop(t *testing.T) {
	sinks := map[string]*recordSink{}
	mtas := faultMTAs(t, func(name string) []string {
		sinks[name] = startRecordSink(t)
		return append(faultBaseCF("[127.0.0.1]:"+sinks[name].port()), "service_throttle_time = 1s")
	}, crashServices+faultMasterCF(t))
	kinds := make([][]string, len(mtas))
	for i, m := range mtas {
		kinds[i] = runCrashLoop(t, m, sinks[m.name])
	}
	if len(kinds) == 2 {
		compareTranscripts(t, "master's lines about the failing services", crashKnownDiffs(kinds[1]), kinds[0])
	}
}

// crashKnownDiffs rewrites Postfix's lines where Postern is known to
// differ (docs/compatibility.md). XXX: Postern's master sees an exec
// failure itself (no forked child to log "fatal:" and exit 1).
func crashKnownDiffs(kinds []string) []string {
	var out []string
	for _, k := range kinds {
		switch {
		case strings.Contains(k, "fatal: master_spawn: exec"):
			k = strings.Replace(k, "fatal:", "warning:", 1)
		case strings.Contains(k, "process DIR/false pid"):
			continue
		}
		out = append(out, k)
	}
	return uniqueKinds(out)
}

// runCrashLoop loads the failing services for a few seconds while mail
// goes through smtpd and "postfix status" runs, then reloads; it
// returns the master's kinds of lines about the failing services.
func runCrashLoop(t *testing.T, m *faultMTA, sink *recordSink) []string {
	master := m.masterPID()
	const window = 5 * time.Second
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(svc string) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if c, err := net.DialTimeout("tcp", m.addr(svc), time.Second); err == nil {
					c.SetDeadline(time.Now().Add(500 * time.Millisecond))
					c.Read(make([]byte, 100))
					c.Close()
				} else {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}([]string{"false", "badopt"}[i%2])
	}
	start := time.Now()
	sent := 0
	for time.Since(start) < window {
		if r := diskSend(t, m.addr("smtp"), fmt.Sprintf("during the crash loop %d", sent), 1); !strings.HasPrefix(r, "250 ") {
			t.Errorf("%s: mail during the crash loop: %q", m.name, r)
		}
		sent++
		if out, err := m.postfix("status"); err != nil {
			t.Errorf("%s: postfix status during the crash loop: %v %s", m.name, err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if out, err := m.postfix("reload"); err != nil {
		t.Errorf("%s: postfix reload after the crash loop: %v %s", m.name, err, out)
	}
	m.wait(t, "the mail sent during the crash loop delivered", func() bool { return sentFrom(sink, "a@example.com") >= sent })
	if now := m.masterPID(); now != master {
		t.Errorf("%s: master pid %d, was %d", m.name, now, master)
	}
	log := m.log()
	forks := map[string]int{}
	for _, svc := range []string{"/bin/false", "smtpd"} {
		// A failed start is an exit status line, or for an exec failure
		// in Postern the master's own master_spawn line.
		forks[svc] = max(len(regexp.MustCompile(`master\[\d+\]: warning: process \S*`+regexp.QuoteMeta(svc)+` pid \d+ exit status 1`).FindAllString(log, -1)),
			len(regexp.MustCompile(`master\[\d+\]: (warning|fatal): master_spawn: exec \S*`+regexp.QuoteMeta(svc)+`:`).FindAllString(log, -1)))
		// Each failed start throttles the service for service_throttle_time
		// (1s); up to maxproc (4) children may be starting at once.
		bound := 4 * (int(elapsed/time.Second) + 3)
		if forks[svc] == 0 || forks[svc] > bound {
			t.Errorf("%s: %d failed starts of %s in %v, want 1 to %d", m.name, forks[svc], svc, elapsed.Round(time.Second), bound)
		}
		if !regexp.MustCompile(`master\[\d+\]: warning: \S*` + regexp.QuoteMeta(svc) + `: bad command startup -- throttling`).MatchString(log) {
			t.Errorf("%s: no throttling warning for %s", m.name, svc)
		}
	}
	t.Logf("reliability (crash loop, %s): %d messages accepted, %d delivered, 0 lost, during %v of load on two failing services: %d failed starts of /bin/false, %d of smtpd -Z (service_throttle_time 1s); master pid unchanged, status and reload worked",
		m.name, sent, sentFrom(sink, "a@example.com"), elapsed.Round(time.Second), forks["/bin/false"], forks["smtpd"])
	return uniqueKinds(logKinds(log, regexp.MustCompile(`(/bin/false|smtpd\[\d+\]: fatal|/smtpd: bad command|/smtpd pid \d+ exit)`)))
}

// uniqueKinds sorts and deduplicates.
func uniqueKinds(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range in {
		l = regexp.MustCompile(`/\S*/(smtpd|false)\b`).ReplaceAllString(l, "DIR/$1")
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// TestReliabilityAliasMapsMissing: local delivery with alias_maps naming
// a missing table: the mail that smtpd accepted stays deferred, with
// the reason Postfix gives, and nothing is bounced. local logs the
// table as an "error:" record and, at each delivery, Postfix's warnings.
func TestReliabilityAliasMapsMissing(t *testing.T) {
	mtas := faultMTAs(t, func(name string) []string {
		return mergeCF(faultBaseCF("[127.0.0.1]:1"), "mydestination = localhost", "local_transport = local",
			"alias_maps = hash:"+lookupTables(t)+"/missing", "local_recipient_maps =", "biff = no")
	}, e2eMasterCF(t, "virtual"))
	results := make([][]string, len(mtas))
	for i := len(mtas) - 1; i >= 0; i-- { // the oracle first
		m := mtas[i]
		if r := diskSend2(t, m.addr("smtp"), "root@localhost"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("%s: %q", m.name, r)
		}
		re := regexp.MustCompile(`to=<root@localhost>, relay=(\S+), .*dsn=([0-9.]+), status=(\w+) \((.*)\)$`)
		var got []string
		m.wait(t, "a delivery attempt", func() bool {
			for _, l := range strings.Split(m.log(), "\n") {
				if s := re.FindStringSubmatch(l); s != nil {
					got = s[1:]
					return true
				}
			}
			return false
		})
		if got[2] != "deferred" {
			t.Errorf("%s: status=%s (%s), want deferred", m.name, got[2], got[3])
		}
		if q := m.postqueue("-p"); !strings.Contains(q, "root@localhost") {
			t.Errorf("%s: the deferred message is not in the queue:\n%s", m.name, q)
		}
		kinds := logKinds(m.log(), regexp.MustCompile(`postfix/local\[\d+\]: (warning|error|fatal|panic)`))
		results[i] = append(got, kinds...)
		t.Logf("%s: relay=%s dsn=%s status=%s (%s)\n  log: %s", m.name, got[0], got[1], got[2], got[3],
			strings.Join(kinds, "\n  log: "))
	}
	if len(results) == 2 {
		compareTranscripts(t, "alias_maps missing", results[1], results[0])
	}
}

// mergeCF is base with the lines of extra, a parameter of extra
// replacing the same one of base (Postfix warns about a parameter set
// twice in main.cf).
func mergeCF(base []string, extra ...string) []string {
	name := func(l string) string { n, _, _ := strings.Cut(l, "="); return strings.TrimSpace(n) }
	set := map[string]bool{}
	for _, l := range extra {
		set[name(l)] = true
	}
	var out []string
	for _, l := range base {
		if !set[name(l)] {
			out = append(out, l)
		}
	}
	return append(out, extra...)
}

// diskSend2 sends one small message to rcpt and returns the reply to
// its end of data (or to the command that failed).
func diskSend2(t *testing.T, addr, rcpt string) string {
	c := dialSMTP(t, addr)
	defer c.cmd("QUIT")
	if r := c.reply(); !strings.HasPrefix(r, "220 ") {
		return r
	}
	c.cmd("EHLO client.example")
	for _, cmd := range []string{"MAIL FROM:<a@example.com>", "RCPT TO:<" + rcpt + ">"} {
		if r := c.cmd(cmd); !strings.HasPrefix(r, "250 ") {
			return r
		}
	}
	if r := c.cmd("DATA"); !strings.HasPrefix(r, "354 ") {
		return r
	}
	return c.cmd("Subject: s\r\n\r\nhello\r\n.")
}
