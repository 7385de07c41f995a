package tests

// The null client against the real Postfix 3.7 as the oracle: the same
// main.cf, the same stock master.cf and the same swaks message go into a
// private instance of each; the message each relays to its own
// smtp-sink and the log lines of the transaction must be the same once
// queue IDs, times, process IDs and ports are masked.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// e2ePostfix is a private instance of the real Postfix.
type e2ePostfix struct {
	dir, conf, logFile string
	smtpPort           int
}

func startE2EPostfix(t *testing.T, mainCF []string, masterCF string) *e2ePostfix {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the Postfix oracle needs root")
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("no /usr/sbin/postfix")
	}
	port := harness.FreePort(t)
	p := newRealPostfix(t, mainCF, strings.ReplaceAll(masterCF, "{port:smtp}", fmt.Sprint(port)))
	p.smtpPort = port
	p.start(t)
	e2eWaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", p.smtpPort))
	return p
}

func (p *e2ePostfix) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/sbin/postfix", append([]string{"-c", p.conf}, args...)...).CombinedOutput()
	return string(out), err
}

func (p *e2ePostfix) log() string { b, _ := os.ReadFile(p.logFile); return string(b) }

// e2eSwaksTo runs swaks against 127.0.0.1:port.
func e2eSwaksTo(t *testing.T, port int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	all := append([]string{"--server", "127.0.0.1", "--port", fmt.Sprint(port), "--timeout", "30"}, args...)
	out, err := exec.CommandContext(ctx, "swaks", all...).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	return string(out)
}

// e2eMask replaces what differs between two runs of one MTA: the queue
// ID, time stamps, the sink's transaction ID, process IDs, ports and
// delays.
func e2eMask(s, id string) string {
	for _, r := range []struct{ re, with string }{
		{regexp.QuoteMeta(id), "QID"},
		{`\w{3}, [ 0-9]?\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4} \(\w+\)`, "DATE"},
		{`(?m)^\w{3} [ 0-9]\d \d\d:\d\d:\d\d \S+ `, ""},
		{`<\d{14}\.QID@`, "<STAMP.QID@"},
		{`id [0-9a-f]{8};`, "id SINKID;"},
		{`\[\d+\]:`, "[PID]:"},
		{`\]:\d+,`, "]:PORT,"},
		{`delay=[0-9.]+, delays=[0-9./]+`, "delay=D, delays=D"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return s
}

// e2eTransaction returns the masked log lines of message id.
func e2eTransaction(log, id string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, ": "+id+": ") {
			out = append(out, e2eMask(line, id))
		}
	}
	return out
}

// e2eSizeWithoutID takes the bytes of the queue ID out of the size= of
// log lines: the message holds its queue ID (Received:, Message-Id:),
// whose length depends on the queue file's inode number.
func e2eSizeWithoutID(lines []string, msg, id string) []string {
	n := strings.Count(msg, id) * len(id)
	re := regexp.MustCompile(`size=(\d+)`)
	for i, l := range lines {
		lines[i] = re.ReplaceAllStringFunc(l, func(m string) string {
			v, _ := strconv.Atoi(m[len("size="):])
			return fmt.Sprintf("size=%d-ID", v-n)
		})
	}
	return lines
}

func TestE2ENullClientMatchesPostfix(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Skip("swaks not installed")
	}
	msg := []string{"--ehlo", "workstation.example.com", "--from", "alice", "--to", "bob@example.net",
		"--data", "Subject: oracle\nX-E2E-Id: oracle-1\n\nthe same through both\n"}
	type result struct{ dump, log []string }
	var got [2]result
	for i, name := range []string{"postfix", "postern"} {
		sink := startE2ESink(t, 0)
		var id, log string
		if name == "postfix" {
			pf := startE2EPostfix(t, e2eNullClient(sink.port()), e2eMasterCF(t, "local", "virtual"))
			id = e2eQueuedAs(t, e2eSwaksTo(t, pf.smtpPort, msg...))
			sink.waitMessages(t, 1)
			harness.Eventually(t, "postfix removes "+id, func() bool { return strings.Contains(pf.log(), id+": removed") })
			log = pf.log()
		} else {
			inst := startNullClient(t, sink)
			id = e2eQueuedAs(t, e2eSwaks(t, inst, msg...))
			sink.waitMessages(t, 1)
			inst.WaitLog(t, id+`: removed$`)
			log = inst.Log()
		}
		raw := sink.messages(t)[0]
		dump := e2eMask(raw, id)
		got[i] = result{strings.Split(dump, "\n"), e2eSizeWithoutID(e2eTransaction(log, id), raw, id)}
	}
	if a, b := strings.Join(got[0].dump, "\n"), strings.Join(got[1].dump, "\n"); a != b {
		t.Errorf("relayed message differs\nPostfix:\n%s\nPostern:\n%s", a, b)
	}
	pf, pn := got[0].log, got[1].log
	for i := range pf {
		// XXX: cleanup runs inside smtpd (docs/compatibility.md).
		pf[i] = strings.Replace(pf[i], "postfix/cleanup[PID]", "postfix/smtpd[PID]", 1)
	}
	if strings.Join(pf, "\n") != strings.Join(pn, "\n") {
		t.Errorf("log lines differ\nPostfix:\n%s\nPostern:\n%s", strings.Join(pf, "\n"), strings.Join(pn, "\n"))
	}
}
