package postqueue

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// realPostfix is a private instance of the installed Postfix, the oracle
// for the listing format.
type realPostfix struct {
	dir string
}

func haveRealPostfix(t *testing.T) {
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

// startRealPostfix starts "postfix -c DIR start" with a queue that keeps
// everything: smtp mail is deferred (defer_transports), some domains go
// to the error transport with temporary or permanent texts, and
// "Subject: hold" puts a message on hold. No listener is opened.
func startRealPostfix(t *testing.T, extra ...string) *realPostfix {
	t.Helper()
	haveRealPostfix(t)
	dir, err := os.MkdirTemp("", "postern-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	pf := &realPostfix{dir: dir}
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
		b, _ := os.ReadFile(dir + "/maillog"); t.Skipf("cannot start the real Postfix: %v\n%s\n%s", err, out, b)
	}
	return pf
}

// ownLog lets postsuper, which runs as $mail_owner, append to the log
// file while the instance is stopped (logwriter fallback).
func (pf *realPostfix) ownLog() {
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(pf.dir, "maillog"), uid, -1)
	}
}

func (pf *realPostfix) send(t *testing.T, sender, body string, rcpts ...string) {
	t.Helper()
	args := append([]string{"-C", pf.dir, "-f", sender}, rcpts...)
	cmd := exec.Command("/usr/sbin/sendmail", args...)
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail: %v\n%s", err, out)
	}
}

func (pf *realPostfix) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/sbin/"+name, append([]string{"-c", pf.dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	return out.String()
}

// jsonMsg is one postqueue -j object.
type jsonMsg struct {
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

func parseJSON(t *testing.T, text string) []jsonMsg {
	t.Helper()
	var out []jsonMsg
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var m jsonMsg
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad postqueue -j line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// equivalentQueue builds a Postern queue holding what a postqueue -j
// listing shows: same IDs, queues, arrival times, sizes, senders,
// recipients, delay reasons and forced-expiry marks.
func equivalentQueue(t *testing.T, msgs []jsonMsg, extra ...string) string {
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
		writeEquivalent(t, l, m)
	}
	return dir
}

func writeEquivalent(t *testing.T, l *queue.Layout, m jsonMsg) {
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

// ours runs this package's postqueue as root on dir.
func ours(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	st := Run(Env{Args: append([]string{"postqueue", "-c", dir}, args...), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), st
}

// blocks splits a postqueue -p listing into heading, message blocks
// (sorted: the order within a queue directory is the file system's) and
// summary.
func blocks(text string) (head string, msgs []string, tail string) {
	parts := strings.Split(text, "\n\n")
	if len(parts) == 1 {
		return text, nil, ""
	}
	first := parts[0]
	nl := strings.IndexByte(first, '\n')
	head, msgs = first[:nl+1], append([]string{first[nl+1:]}, parts[1:len(parts)-1]...)
	tail = parts[len(parts)-1]
	slices.Sort(msgs)
	return head, msgs, tail
}

func compareListings(t *testing.T, what, real, got string) {
	t.Helper()
	rh, rm, rt := blocks(real)
	gh, gm, gt := blocks(got)
	if rh != gh || rt != gt || !slices.Equal(rm, gm) {
		t.Errorf("%s differs from the real postqueue.\nreal:\n%s\nours:\n%s", what, real, got)
	}
}

func compareJSON(t *testing.T, real, got string) {
	t.Helper()
	rl := strings.Split(strings.TrimSpace(real), "\n")
	gl := strings.Split(strings.TrimSpace(got), "\n")
	slices.Sort(rl)
	slices.Sort(gl)
	if !slices.Equal(rl, gl) {
		t.Errorf("postqueue -j differs.\nreal:\n%s\nours:\n%s", real, got)
	}
}

// waitQueue waits until the real queue holds n messages, none active.
func (pf *realPostfix) waitQueue(t *testing.T, n int) []jsonMsg {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs := parseJSON(t, pf.run(t, "postqueue", "-j"))
		settled := len(msgs) == n
		for _, m := range msgs {
			if m.Queue == "active" || m.Queue == "incoming" {
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

func TestListingMatchesRealPostfix(t *testing.T) {
	pf := startRealPostfix(t)
	// An empty queue first.
	real := pf.run(t, "postqueue", "-p")
	got, _, _ := ours(t, equivalentQueue(t, nil), "-p")
	if real != "Mail queue is empty\n" || got != real {
		t.Errorf("empty queue: real %q, ours %q", real, got)
	}
	pf.send(t, "alice@example.org", "Subject: one\n\nhello\n", "bob@example.net")
	pf.send(t, "carol@example.org", "Subject: two\n\n"+strings.Repeat("long body line\n", 200),
		"dave@example.net", "erin@example.com", "frank@example.net")
	pf.send(t, "", "Subject: null sender\n\nx\n", "gina@example.net")
	pf.send(t, "henry@example.org", "Subject: mixed\n\nx\n", "ivy@temp.example", "jack@example.net", "kim@long.example")
	pf.send(t, "liz@example.org", "Subject: hold me\n\nx\n", "mo@example.net", "ned@example.net")
	pf.send(t, "\"odd user\"@example.org", "Subject: quoted\n\nx\n", "pat@example.net")
	msgs := pf.waitQueue(t, 6)
	// Freeze the queue, then mark states by hand: one message forced to
	// expire, one moved to the active queue.
	pf.run(t, "postfix", "stop")
	pf.ownLog()
	var deferred []jsonMsg
	for _, m := range msgs {
		if m.Queue == "deferred" {
			deferred = append(deferred, m)
		}
	}
	slices.SortFunc(deferred, func(a, b jsonMsg) int { return strings.Compare(a.ID, b.ID) })
	pf.run(t, "postsuper", "-e", deferred[0].ID)
	qdir := filepath.Join(pf.dir, "queue")
	moveActive := deferred[1].ID
	if err := os.Rename(filepath.Join(qdir, "deferred", moveActive[:1], moveActive), filepath.Join(qdir, "active", moveActive)); err != nil {
		t.Fatal(err)
	}
	real = pf.run(t, "postqueue", "-p")
	realJ := pf.run(t, "postqueue", "-j")
	msgs = parseJSON(t, realJ)
	dir := equivalentQueue(t, msgs)
	got, stderr, st := ours(t, dir, "-p")
	if st != 0 || !strings.Contains(stderr, "postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix showq service: No such file or directory)") {
		t.Errorf("status %d, stderr %q", st, stderr)
	}
	compareListings(t, "postqueue -p", real, got)
	for _, want := range []string{"*", "!", "#", "MAILER-DAEMON", "(deferred transport)", "\n(This is", "Kbytes in 6 Requests."} {
		if !strings.Contains(real, want) {
			t.Errorf("scenario does not exercise %q:\n%s", want, real)
		}
	}
	gotJ, _, _ := ours(t, dir, "-j")
	compareJSON(t, realJ, gotJ)
	// Long queue ID format: the listing format follows the parameter.
	pf.run(t, "postconf", "-e", "enable_long_queue_ids = yes")
	realLong := pf.run(t, "postqueue", "-p")
	gotLong, _, _ := ours(t, equivalentQueue(t, msgs, "enable_long_queue_ids = yes"), "-p")
	compareListings(t, "postqueue -p with enable_long_queue_ids", realLong, gotLong)
}
