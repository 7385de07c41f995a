package tests

// The message size against the real Postfix 3.7 as the oracle: the same
// messages (short, empty, 127/128-byte, 2047/2048/2049/5000-byte body
// lines, 2048/3000/4096-byte header lines, 8-bit text, a first line
// starting with white space, and a sendmail message whose last line has
// no LF) go through a null client of each to a capture server that
// offers SIZE; qmgr's size= and the SIZE= of MAIL FROM must be the same
// for every message, once the bytes of the queue ID (in Received:) are
// taken out.

import (
	"bufio"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// sizeCapture is an ESMTP server offering SIZE and 8BITMIME that keeps
// the MAIL FROM line and the content of every message.
type sizeCapture struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []capturedMsg
}

type capturedMsg struct{ mail, data string }

func startSizeCapture(t *testing.T) *sizeCapture {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &sizeCapture{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn)
		}
	}()
	return c
}

func (c *sizeCapture) port() string { return strconv.Itoa(c.ln.Addr().(*net.TCPAddr).Port) }

func (c *sizeCapture) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	say := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
	say("220 capture ESMTP")
	var mail string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		switch up := strings.ToUpper(cmd); {
		case strings.HasPrefix(up, "EHLO"):
			say("250-capture\r\n250-SIZE 10240000\r\n250 8BITMIME")
		case strings.HasPrefix(up, "MAIL"):
			mail = cmd
			say("250 2.1.0 Ok")
		case up == "DATA":
			say("354 End data with <CR><LF>.<CR><LF>")
			var data strings.Builder
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, capturedMsg{mail, data.String()})
			c.mu.Unlock()
			say("250 2.0.0 Ok: queued")
		case up == "QUIT":
			say("221 2.0.0 Bye")
			return
		default:
			say("250 2.0.0 Ok")
		}
	}
}

func (c *sizeCapture) wait(t *testing.T, n int) []capturedMsg {
	t.Helper()
	var out []capturedMsg
	harness.Eventually(t, fmt.Sprintf("%d messages captured", n), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		out = append([]capturedMsg(nil), c.msgs...)
		return len(out) >= n
	})
	return out
}

// sizeCases are the SMTP messages, LF line ends (net/smtp sends CRLF);
// each names itself in an X-Size-Case: line.
func sizeCases() map[string]string {
	a := func(n int) string { return strings.Repeat("a", n) }
	msg := func(name string, lines ...string) string {
		return "X-Size-Case: " + name + "\n" + strings.Join(lines, "\n") + "\n"
	}
	cases := map[string]string{
		// A first line with white space: smtpd ends the headers before it.
		"white": " leading white space\nX-Size-Case: white\n\nbody\n",
	}
	for name, lines := range map[string][]string{
		"short":       {"Subject: short", "", "hello"},
		"empty":       {"Subject: empty lines", "", "", "", "", "x", ""},
		"127-128":     {"Subject: 127 and 128", "", a(127), a(128)},
		"body-2047":   {"Subject: body 2047", "", a(2047)},
		"body-2048":   {"Subject: body 2048", "", a(2048)},
		"body-2049":   {"Subject: body 2049", "", a(2049)},
		"body-long":   {"Subject: body 4096, 5000, 6144", "", a(4096), a(5000), a(6144)},
		"header-2048": {"Subject: header 2048", "X-Long: " + a(2040), "", "body"},
		"header-long": {"Subject: header 3000 and 4096", "X-Long: " + a(2992), "X-Longer: " + a(4086), "", "body"},
		"8bit":        {"Subject: 8bit", "", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac", a(126) + "\xc3\xa9"},
	} {
		cases[name] = msg(name, lines...)
	}
	return cases
}

var (
	sizeCaseRE = regexp.MustCompile(`(?m)^X-Size-Case: (\S+)\r?$`)
	// sizeIDRE finds the queue ID in the null client's Received: header.
	sizeIDRE = regexp.MustCompile(`\(Postfix[^)]*\)\s+(?:with \w+ )?id ([0-9A-Za-z]+)`)
)

// sizeResult is what one message got: qmgr's size= and the SIZE= of
// the relayed MAIL FROM, both without the queue ID's bytes.
type sizeResult struct{ logged, announced int }

// sizeResults matches captured messages to their queue IDs (the null
// client's Received: header) and the size= qmgr logged for them.
func sizeResults(t *testing.T, msgs []capturedMsg, log string) map[string]sizeResult {
	t.Helper()
	out := map[string]sizeResult{}
	for _, m := range msgs {
		var name string
		if c := sizeCaseRE.FindStringSubmatch(m.data); c != nil {
			name = c[1]
		}
		id := sizeIDRE.FindStringSubmatch(m.data)
		sz := regexp.MustCompile(` SIZE=(\d+)`).FindStringSubmatch(m.mail)
		if name == "" || id == nil || sz == nil {
			t.Fatalf("captured message without case, queue ID or SIZE=: %q\n%s", m.mail, m.data)
		}
		logged := regexp.MustCompile(id[1] + `: from=<[^>]*>, size=(\d+), `).FindStringSubmatch(log)
		if logged == nil {
			t.Fatalf("%s: no qmgr size= for %s in\n%s", name, id[1], log)
		}
		own := strings.Count(m.data, id[1]) * len(id[1])
		l, _ := strconv.Atoi(logged[1])
		a, _ := strconv.Atoi(sz[1])
		out[name] = sizeResult{l - own, a - own}
	}
	return out
}

// sendSizeCases sends every case over SMTP to port.
func sendSizeCases(t *testing.T, port string) {
	t.Helper()
	for name, text := range sizeCases() {
		c, err := smtp.Dial("127.0.0.1:" + port)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Hello("workstation.example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("alice@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("bob@example.net"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, text)
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.Quit()
	}
}

// sizeSendmailText is the sendmail message: its last line has no LF.
const sizeSendmailText = "X-Size-Case: sendmail-no-eol\nSubject: no LF\n\nlast line"

func TestE2EMessageSizeMatchesPostfix(t *testing.T) {
	t.Parallel()
	n := len(sizeCases()) + 1
	var got [2]map[string]sizeResult
	for i, name := range []string{"postfix", "postern"} {
		capture := startSizeCapture(t)
		var log func() string
		if name == "postfix" {
			pf := startE2EPostfix(t, e2eNullClient(capture.port()), e2eMasterCF(t, "local", "virtual"))
			sendSizeCases(t, strconv.Itoa(pf.smtpPort))
			sizeSendmail(t, "/usr/sbin/sendmail", []string{"-C", pf.conf})
			log = pf.log
		} else {
			inst := harness.New(t, e2eNullClient(capture.port()), e2eMasterCF(t, "local", "virtual"))
			inst.Start(t)
			inst.WaitListen(t, "smtp")
			_, port, _ := net.SplitHostPort(inst.Addr(t, "smtp"))
			sendSizeCases(t, port)
			bin := harness.Build(t, "sendmail", "postdrop")
			sizeSendmail(t, filepath.Join(bin, "sendmail"), nil, "MAIL_CONFIG="+inst.ConfigDir)
			log = inst.Log
		}
		msgs := capture.wait(t, n)
		var res map[string]sizeResult
		harness.Eventually(t, name+" logs every size=", func() bool {
			l := log()
			for _, m := range msgs {
				id := sizeIDRE.FindStringSubmatch(m.data)
				if id == nil || !strings.Contains(l, id[1]+": from=<") {
					return false
				}
			}
			res = sizeResults(t, msgs, l)
			return true
		})
		got[i] = res
	}
	for name := range sizeCases() {
		if got[0][name] != got[1][name] {
			t.Errorf("%s: Postfix size=%d SIZE=%d, Postern size=%d SIZE=%d (without the queue ID's bytes)",
				name, got[0][name].logged, got[0][name].announced, got[1][name].logged, got[1][name].announced)
		}
	}
	if s := "sendmail-no-eol"; got[0][s] != got[1][s] {
		t.Errorf("%s: Postfix %+v, Postern %+v", s, got[0][s], got[1][s])
	}
}

// sizeSendmail submits sizeSendmailText with a sendmail command.
func sizeSendmail(t *testing.T, path string, args []string, env ...string) {
	t.Helper()
	cmd := exec.Command(path, append(args, "-f", "alice@example.com", "bob@example.net")...)
	cmd.Stdin = strings.NewReader(sizeSendmailText)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, out)
	}
}
