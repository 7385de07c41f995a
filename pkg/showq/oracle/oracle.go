// Package oracle starts private instances of the installed Postfix for
// tests that compare Postern's queue tools with the real ones, and builds
// Postern queues equivalent to a real queue listing.
package oracle

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// Postfix is a private instance of the installed Postfix, the oracle
// for the listing format.
type Postfix struct {
	Dir string
}

func Have(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the real Postfix oracle needs root")
	}
	for _, p := range []string{"/usr/sbin/postfix", "/usr/sbin/postqueue", "/usr/sbin/sendmail", "/usr/sbin/postsuper"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("real Postfix not installed: %v", err)
		}
	}
}

// Start starts "postfix -c DIR start" with a queue that keeps
// everything: smtp mail is deferred (defer_transports), some domains go
// to the error transport with temporary or permanent texts, and
// "Subject: hold" puts a message on hold. No listener is opened.
func Start(t testing.TB, extra ...string) *Postfix {
	t.Helper()
	Have(t)
	dir, err := os.MkdirTemp("", "postern-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	pf := &Postfix{Dir: dir}
	t.Cleanup(func() {
		exec.Command("/usr/sbin/postfix", "-c", dir, "stop").Run()
		os.RemoveAll(dir)
	})
	mainCF := []string{
		"compatibility_level = 3.6",
		"queue_directory = " + dir + "/queue",
		"data_directory = " + dir + "/data",
		"myhostname = mx.example.com",
		"mydomain = example.com",
		"mydestination = $myhostname",
		"inet_interfaces = loopback-only",
		"inet_protocols = ipv4",
		"maillog_file = " + dir + "/maillog",
		"maillog_file_prefixes = " + dir,
		"defer_transports = smtp",
		"transport_maps = texthash:" + dir + "/transport",
		"header_checks = regexp:" + dir + "/header_checks",
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.cf", strings.Join(append(mainCF, extra...), "\n")+"\n")
	write("transport", "temp.example retry:4.7.1 Service temporarily unavailable here\n"+
		"long.example retry:4.2.2 This is a deliberately long deferral reason that is wider than seventy-six columns\n")
	write("header_checks", "/^Subject: hold/ HOLD\n")
	master, err := os.ReadFile("/etc/postfix/master.cf")
	if err != nil {
		t.Skip(err)
	}
	var lines []string
	for _, l := range strings.Split(string(master), "\n") {
		if !strings.HasPrefix(l, "smtp      inet") && !strings.HasPrefix(l, "smtp inet") {
			lines = append(lines, l)
		}
	}
	write("master.cf", strings.Join(lines, "\n"))
	for _, d := range []string{"queue", "data"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(dir, "data"), uid, -1)
	}
	if out, err := exec.Command("/usr/sbin/postfix", "-c", dir, "start").CombinedOutput(); err != nil {
		b, _ := os.ReadFile(dir + "/maillog")
		t.Skipf("cannot start the real Postfix: %v\n%s\n%s", err, out, b)
	}
	return pf
}

// OwnLog lets postsuper, which runs as $mail_owner, append to the log
// file while the instance is stopped (logwriter fallback).
func (pf *Postfix) OwnLog() {
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(pf.Dir, "maillog"), uid, -1)
	}
}

func (pf *Postfix) Send(t testing.TB, sender, body string, rcpts ...string) {
	t.Helper()
	args := append([]string{"-C", pf.Dir, "-f", sender}, rcpts...)
	cmd := exec.Command("/usr/sbin/sendmail", args...)
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail: %v\n%s", err, out)
	}
}

func (pf *Postfix) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/sbin/"+name, append([]string{"-c", pf.Dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	return out.String()
}

// Msg is one postqueue -j object.
type Msg struct {
	Queue      string `json:"queue_name"`
	ID         string `json:"queue_id"`
	Arrival    int64  `json:"arrival_time"`
	Size       int64  `json:"message_size"`
	Expire     bool   `json:"forced_expire"`
	Sender     string `json:"sender"`
	Recipients []struct {
		Address string `json:"address"`
		Reason  string `json:"delay_reason"`
	} `json:"recipients"`
}

func ParseJSON(t testing.TB, text string) []Msg {
	t.Helper()
	var out []Msg
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var m Msg
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad postqueue -j line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// EquivalentQueue builds a Postern queue holding what a postqueue -j
// listing shows: same IDs, queues, arrival times, sizes, senders,
// recipients, delay reasons and forced-expiry marks.
func EquivalentQueue(t testing.TB, msgs []Msg, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	qdir := filepath.Join(dir, "queue")
	l, err := queue.NewLayoutFrom(qdir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	cf := append([]string{"queue_directory = " + qdir, "compatibility_level = 3.6"}, extra...)
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(strings.Join(cf, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		WriteEquivalent(t, l, m)
	}
	return dir
}

func WriteEquivalent(t testing.TB, l *queue.Layout, m Msg) {
	t.Helper()
	w, err := l.Create()
	if err != nil {
		t.Fatal(err)
	}
	sender := unquote(m.Sender)
	if sender == "MAILER-DAEMON" {
		sender = ""
	}
	w.SetSender(sender)
	var recs []queue.LogRecord
	for _, r := range m.Recipients {
		w.AddRecipient(queue.Recipient{Address: r.Address})
		if r.Reason != "" {
			recs = append(recs, queue.LogRecord{Recipient: r.Address, Status: "4.0.0", Action: "delayed", Reason: r.Reason})
		}
	}
	w.Write(bytes.Repeat([]byte("x"), int(m.Size)))
	w.SetMessageSize(m.Size)
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	src := l.Path(queue.Incoming, w.ID())
	// Set the arrival time in the header (docs/queue-format.md: offset
	// 16, Unix microseconds, big-endian).
	f, err := os.OpenFile(src, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(m.Arrival*1e6))
	f.WriteAt(b[:], 16)
	f.Close()
	dst := l.Path(m.Queue, m.ID)
	os.MkdirAll(filepath.Dir(dst), 0o700)
	if err := os.Rename(src, dst); err != nil {
		t.Fatal(err)
	}
	if m.Expire {
		os.Chmod(dst, 0o700|queue.ModeExpire)
	}
	if len(recs) > 0 {
		if err := l.AppendLog(queue.Defer, m.ID, recs...); err != nil {
			t.Fatal(err)
		}
	}
}

// unquote turns a listed address back into internal form:
// "odd user"@example.org becomes odd user@example.org.
func unquote(addr string) string {
	if !strings.HasPrefix(addr, "\"") {
		return addr
	}
	end := strings.LastIndex(addr, "\"@")
	if end < 0 {
		return addr
	}
	return strings.ReplaceAll(addr[1:end], "\\", "") + addr[end+1:]
}

// WaitQueue waits until the real queue holds n messages, none active.
func (pf *Postfix) WaitQueue(t testing.TB, n int) []Msg {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs := ParseJSON(t, pf.Run(t, "postqueue", "-j"))
		settled := len(msgs) == n
		for _, m := range msgs {
			if m.Queue == "active" || m.Queue == "incoming" || m.Queue == "maildrop" {
				settled = false
			}
		}
		if settled {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("real queue did not settle: %+v", msgs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
