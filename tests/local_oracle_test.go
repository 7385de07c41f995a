package tests

// The local(8) oracle test: the same messages delivered by a private
// instance of the real Postfix 3.7 and by Postern, to the same users,
// each with its own spool directory, alias table and output directory;
// the log lines of the local agent, the mailboxes and what commands get
// must be the same, apart from queue IDs, times, directories and the
// Received: headers that the two SMTP/pickup paths write differently.
// Needs root and /usr/sbin/postfix.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// localOracle is a private instance of the real Postfix.
type localOracle struct {
	dir, etc, log, spool, out, aliases string
	port                               int
}

const localOracleMaster = `127.0.0.1:%d inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
postlog unix-dgram n - n - 1 postlogd
`

func startLocalOracle(t *testing.T, aliases string, mainCF []string) *localOracle {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("no /usr/sbin/postfix")
	}
	dir, err := os.MkdirTemp("", "postern-local-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	rp := &localOracle{dir: dir, etc: filepath.Join(dir, "etc"), log: filepath.Join(dir, "maillog"),
		spool: filepath.Join(dir, "spool"), out: filepath.Join(dir, "out"), aliases: filepath.Join(dir, "aliases")}
	t.Cleanup(func() { rp.stop(t); os.RemoveAll(dir) })
	for _, d := range []string{"etc", "queue", "data"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run()
	loMakeSpool(rp.spool)
	os.MkdirAll(rp.out, 0o777)
	os.Chmod(rp.out, 0o777)
	os.MkdirAll(rp.etc, 0o755)
	rp.port = harness.FreePort(t)
	main := append([]string{"compatibility_level = 3.6", "queue_directory = " + dir + "/queue",
		"data_directory = " + dir + "/data", "maillog_file = " + rp.log, "maillog_file_prefixes = " + dir,
		"inet_interfaces = 127.0.0.1", "inet_protocols = ipv4", "smtpd_peername_lookup = no",
		"mail_spool_directory = " + rp.spool, "alias_maps = hash:" + rp.aliases,
		"alias_database = hash:" + rp.aliases}, mainCF...)
	loWriteFile(t, filepath.Join(rp.etc, "main.cf"), strings.Join(main, "\n")+"\n")
	loWriteFile(t, filepath.Join(rp.etc, "master.cf"), fmt.Sprintf(localOracleMaster, rp.port))
	loWriteFile(t, rp.aliases, strings.ReplaceAll(aliases, "OUT", rp.out))
	if out, err := exec.Command("/usr/sbin/postalias", "-c", rp.etc, rp.aliases).CombinedOutput(); err != nil {
		t.Fatalf("postalias: %v\n%s", err, out)
	}
	if out, err := exec.Command("/usr/sbin/postfix", "-c", rp.etc, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	harness.Eventually(t, "the real smtpd", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(rp.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return rp
}

func (rp *localOracle) stop(t *testing.T) {
	cmd := exec.Command("/usr/sbin/postfix", "-c", rp.etc, "stop")
	done := make(chan struct{})
	go func() { cmd.Run(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("postfix stop did not finish")
	}
}

// send delivers a message over SMTP to the real Postfix.
func (rp *localOracle) send(t *testing.T, from, to, content string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(rp.port), harness.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(harness.Timeout))
	r := bufio.NewReader(c)
	step := func(line, code string) {
		t.Helper()
		if line != "" {
			fmt.Fprintf(c, "%s\r\n", line)
		}
		for {
			reply, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(reply, code) {
				t.Fatalf("real smtpd: %q %v, want %s", reply, err, code)
			}
			if len(reply) > 3 && reply[3] == ' ' {
				return
			}
		}
	}
	step("", "220")
	step("EHLO client.example.test", "250")
	step("MAIL FROM:<"+from+">", "250")
	step("RCPT TO:<"+to+">", "250")
	step("DATA", "354")
	step(strings.ReplaceAll(strings.TrimSuffix(content, "\n"), "\n", "\r\n")+"\r\n.", "250")
	step("QUIT", "221")
}

func loWriteFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loMakeSpool makes a spool directory like Debian's /var/mail.
func loMakeSpool(dir string) {
	os.MkdirAll(dir, 0o755)
	os.Chmod(dir, 0o775|os.ModeSetgid)
	if g, err := user.LookupGroup("mail"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		os.Chown(dir, 0, gid)
	}
}

var (
	loLogPrefix = regexp.MustCompile(`^\S+ +\d+ [\d:]+ \S+ postfix/(local|error)\[\d+\]: (.*)$`)
	loQueueID   = regexp.MustCompile(`\b[0-9A-F]{10,12}\b`)
	loDelays    = regexp.MustCompile(`delay=[0-9.]+, delays=[0-9./]+`)
	loBoundary  = regexp.MustCompile(`QID\.\d+/`)
)

// loAgentLines returns the normalized local and error agent log lines.
func loAgentLines(log, dir string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		m := loLogPrefix.FindStringSubmatch(l)
		// The bounce daemon logs notices in Postfix; Postern's local
		// sends a notice for an owner- alias itself.
		if m == nil || strings.Contains(m[2], "warning:") || strings.Contains(m[2], " notification: ") {
			continue
		}
		s := loQueueID.ReplaceAllString(strings.ReplaceAll(m[2], dir, "DIR"), "QID")
		s = loDelays.ReplaceAllString(s, "delay=D")
		out = append(out, m[1]+": "+s)
	}
	return out
}

// loNormalizeMbox keeps what the local agents write: the From_ line
// without its date, the headers without Received:, Message-Id: and
// Date: (they come from the two different submission paths, and
// cleanup adds Date: at another place in notices), queue IDs as QID,
// and the body. A notice's Arrival-Date: is each MTA's own arrival time
// of the message, sent to one and then the other: the second may tick
// between them.
func loNormalizeMbox(text, dir string) string {
	var b strings.Builder
	skipping := false
	text = loQueueID.ReplaceAllString(strings.ReplaceAll(text, dir, "DIR"), "QID")
	text = loBoundary.ReplaceAllString(text, "QID.T/")
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "Date: ") || strings.HasPrefix(l, "Message-Id: "):
			continue
		case strings.HasPrefix(l, "Arrival-Date: "):
			l = "Arrival-Date: T"
		case strings.HasPrefix(l, "From ") && strings.Contains(l, "  "):
			l = l[:strings.Index(l, "  ")]
		case strings.HasPrefix(l, "Received:"):
			skipping = true
			continue
		case skipping && (strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " ")):
			continue
		}
		skipping = false
		b.WriteString(l + "\n")
	}
	return b.String()
}

// TestLocalOracle compares Postern's local(8) with the real one.
func TestLocalOracle(t *testing.T) {
	requireLocalRoot(t)
	ls := newLocalSetup(t)
	a := mkUser(t, ls.dir, "oa")
	b := mkUser(t, ls.dir, "ob")
	writeUserFile(t, b, ".forward", a.name+"\n")
	aliases := "postmaster: root\nroot: " + a.name + "\n" +
		"cmdtest: \"|/bin/sh -c 'env | sort > OUT/cmd.env; cat > OUT/cmd.msg'\"\n" +
		"filetest: OUT/file.mbox\nlisttest: :include:OUT/list.txt\n" +
		"failcmd: \"|/bin/sh -c 'echo no such list; exit 1'\"\nowner-failcmd: " + a.name + "\n"
	common := []string{"myhostname = mx.example.test", "mydestination = mx.example.test",
		"recipient_delimiter = +", "biff = no", "local_recipient_maps =", "default_transport = discard",
		"minimal_backoff_time = 300s"}
	rp := startLocalOracle(t, aliases, common)
	for _, dir := range []string{rp.out, ls.out} {
		os.WriteFile(filepath.Join(dir, "list.txt"), []byte(a.name+"\n"), 0o644)
	}
	ls.inst.WriteMasterCF(t, localMaster+"discard unix - - n - - discard\n")
	ls.writeAliases(t, strings.ReplaceAll(aliases, "OUT", ls.out))
	ls.start(t, common...)

	dom := "@mx.example.test"
	cases := []struct {
		name, rcpt, headers string
		lines               int // local/error log lines the message causes
	}{
		{"mailbox", a.name + dom, "", 1},
		{"alias", "root" + dom, "", 1},
		{"command", "cmdtest" + dom, "", 1},
		{"file", "filetest" + dom, "", 1},
		{"include", "listtest" + dom, "", 2},
		{"forward", b.name + dom, "", 2},
		{"extension", a.name + "+news" + dom, "", 1},
		{"unknown", "nosuchuser" + dom, "", 1},
		{"loop", a.name + dom, "Delivered-To: " + a.name + dom + "\n", 1},
		{"owner notice", "failcmd" + dom, "", 2},
	}
	total := 0
	for i, c := range cases {
		content := fmt.Sprintf("%sFrom: Alice <alice@example.org>\nTo: %s\nSubject: case %d %s\n"+
			"Message-Id: <case%d@example.org>\nDate: Thu, 21 Nov 2024 12:00:00 +0000\n\nFrom the %s case.\nbody\n",
			c.headers, c.rcpt, i, c.name, i, c.name)
		rp.send(t, "alice@example.org", c.rcpt, content)
		ls.send(t, "alice@example.org", []string{c.rcpt}, content)
		total += c.lines
		var want, got []string
		harness.Eventually(t, "the "+c.name+" deliveries", func() bool {
			want = loAgentLines(loRead(rp.log), rp.dir)
			got = loAgentLines(ls.inst.Log(), ls.dir)
			return len(want) >= total && len(got) >= total
		})
		loCompareLines(t, c.name, want[total-c.lines:total], got[total-c.lines:total])
	}
	loCompareOutputs(t, rp, ls, a)
}

func loCompareLines(t *testing.T, name string, want, got []string) {
	t.Helper()
	for i := range want {
		w, g := want[i], got[i]
		if w != g {
			t.Errorf("%s: log line %d\nreal:   %s\npostern: %s", name, i, w, g)
		}
	}
}

func loRead(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}

// loCompareOutputs compares the mailbox of a, the file mailbox and what
// the command received.
func loCompareOutputs(t *testing.T, rp *localOracle, ls *localSetup, a localUser) {
	t.Helper()
	pairs := []struct{ name, real, ours, rdir, odir string }{
		{"mailbox", filepath.Join(rp.spool, a.name), filepath.Join(ls.spool, a.name), rp.dir, ls.dir},
		{"file", filepath.Join(rp.out, "file.mbox"), filepath.Join(ls.out, "file.mbox"), rp.dir, ls.dir},
		{"command input", filepath.Join(rp.out, "cmd.msg"), filepath.Join(ls.out, "cmd.msg"), rp.dir, ls.dir},
	}
	for _, p := range pairs {
		want := loNormalizeMbox(loRead(p.real), p.rdir)
		got := loNormalizeMbox(loRead(p.ours), p.odir)
		if want != got || want == "" {
			t.Errorf("%s differs:\n--- real\n%s\n--- postern\n%s", p.name, want, got)
		}
	}
	names := []string{"DOMAIN", "EXTENSION", "HOME", "LOCAL", "LOGNAME", "ORIGINAL_RECIPIENT", "PATH",
		"RECIPIENT", "SENDER", "SHELL", "USER"}
	want, got := loPickEnv(loRead(filepath.Join(rp.out, "cmd.env")), names), loPickEnv(loRead(filepath.Join(ls.out, "cmd.env")), names)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("command environment:\n--- real\n%s\n--- postern\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

func loPickEnv(env string, names []string) []string {
	var out []string
	for _, l := range strings.Split(env, "\n") {
		name, _, _ := strings.Cut(l, "=")
		for _, n := range names {
			if name == n {
				out = append(out, l)
			}
		}
	}
	sort.Strings(out)
	return out
}
