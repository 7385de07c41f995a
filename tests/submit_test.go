package tests

// Process-level tests of local mail submission under a real master:
// sendmail -> postdrop -> maildrop -> pickup -> cleanup -> incoming ->
// qmgr. No delivery agent is configured, so qmgr defers each message
// ("mail transport unavailable") and the tests read the queue file and
// the mailq listing. Tests that need the set-group-ID postdrop and
// unprivileged users run only as root; they create their users with
// useradd and remove them afterwards.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/tests/harness"
)

const submitMaster = "pickup unix n - n 60 1 pickup\n" +
	"cleanup unix n - n - 0 cleanup\n" +
	"qmgr unix n - n 300 1 qmgr\n" +
	"showq unix n - n - - showq\n"

// submitInstance starts an instance with the local submission services
// and builds the commands; mailq and newaliases are links to sendmail,
// as make build makes them.
func submitInstance(t *testing.T, mainCF ...string) (*harness.Instance, string) {
	t.Helper()
	inst := harness.Start(t, append([]string{"minimal_backoff_time = 300s"}, mainCF...), submitMaster)
	return inst, submitCommands(t)
}

func submitCommands(t *testing.T) string {
	t.Helper()
	bin := harness.Build(t, "sendmail", "postdrop", "postqueue", "postalias")
	for _, name := range []string{"mailq", "newaliases"} {
		if _, err := os.Lstat(filepath.Join(bin, name)); err != nil {
			if err := os.Symlink("sendmail", filepath.Join(bin, name)); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		}
	}
	return bin
}

// cmdResult is what a command did.
type cmdResult struct {
	stdout, stderr string
	code           int
}

// runAs runs a command with MAIL_CONFIG set, as cred's user when cred is
// not nil.
func runAs(t *testing.T, cred *syscall.Credential, env []string, stdin, path string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = env
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	err := cmd.Run()
	res := cmdResult{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func sendmailCmd(t *testing.T, inst *harness.Instance, bin, stdin string, args ...string) cmdResult {
	t.Helper()
	env := append(os.Environ(), "MAIL_CONFIG="+inst.ConfigDir)
	return runAs(t, nil, env, stdin, filepath.Join(bin, "sendmail"), args...)
}

// pickedUp waits for pickup's log line for sender and returns the new
// queue ID.
func pickedUp(t *testing.T, inst *harness.Instance, uid int, sender string) string {
	t.Helper()
	m := inst.WaitLog(t, fmt.Sprintf(`postfix/pickup\[\d+\]: ([0-9A-F]+): uid=%d from=<%s>$`, uid, regexp.QuoteMeta(sender)))
	return m[1]
}

// queued waits until qmgr has deferred message id and returns its file.
func queued(t *testing.T, inst *harness.Instance, id string) *queue.File {
	t.Helper()
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: from=<[^>]*>, size=\d+, nrcpt=\d+ \(queue active\)`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: to=<[^>]*>, .*status=deferred`)
	layout, err := queue.NewLayoutFrom(inst.QueueDir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	var f *queue.File
	harness.Eventually(t, id+" in the deferred queue", func() bool {
		f, err = queue.Open(layout.Path(queue.Deferred, id), false)
		return err == nil
	})
	t.Cleanup(func() { f.Close() })
	return f
}

func messageText(t *testing.T, f *queue.File) string {
	t.Helper()
	b, err := io.ReadAll(f.Content())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func recipients(f *queue.File) []string {
	var out []string
	for _, r := range f.Recipients {
		out = append(out, r.Address)
	}
	return out
}

// TestSendmailQueuesMessage: the Red Hat guide's first test,
// echo "This is a test message" | sendmail user@domain, reaches the
// queue manager; mailq and sendmail -bp list it.
func TestSendmailQueuesMessage(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	res := sendmailCmd(t, inst, bin, "This is a test message\n", "user@example.com")
	if res.code != 0 || res.stdout != "" || res.stderr != "" {
		t.Fatalf("sendmail: %+v", res)
	}
	me, _ := user.Current()
	id := pickedUp(t, inst, os.Getuid(), me.Username)
	f := queued(t, inst, id)
	if f.Sender != me.Username+"@mx.example.test" || strings.Join(recipients(f), ",") != "user@example.com" {
		t.Errorf("envelope: %q -> %q", f.Sender, recipients(f))
	}
	text := messageText(t, f)
	for _, want := range []string{
		fmt.Sprintf("Received: by mx.example.test (Postfix, from userid %d)\n\tid %s; ", os.Getuid(), id),
		"\nMessage-Id: <", "\nFrom: ", "\n\nThis is a test message\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
	env := append(os.Environ(), "MAIL_CONFIG="+inst.ConfigDir)
	mailq := runAs(t, nil, env, "", filepath.Join(bin, "mailq"))
	head := fmt.Sprintf("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n%-11s %7d ", id, f.MessageSize)
	if mailq.code != 0 || !strings.HasPrefix(mailq.stdout, head) ||
		!strings.Contains(mailq.stdout, " "+me.Username+"@mx.example.test\n") ||
		!strings.Contains(mailq.stdout, "(mail transport unavailable)\n                                         user@example.com\n") ||
		!strings.HasSuffix(mailq.stdout, "\n-- 0 Kbytes in 1 Request.\n") {
		t.Errorf("mailq: %+v", mailq)
	}
	if bp := sendmailCmd(t, inst, bin, "", "-bp"); bp.stdout != mailq.stdout || bp.code != 0 {
		t.Errorf("sendmail -bp differs from mailq: %+v", bp)
	}
	// sendmail -q is postqueue -f: qmgr tries the deferred message again.
	if q := sendmailCmd(t, inst, bin, "", "-q"); q.code != 0 || q.stderr != "" {
		t.Errorf("sendmail -q: %+v", q)
	}
	inst.WaitLogCount(t, `postfix/qmgr\[\d+\]: `+id+`: to=<user@example.com>, .*status=deferred`, 2)
}

// TestSendmailInterrupted: a sendmail killed in the middle of a message
// leaves nothing in the queue; postdrop removes its file and exits.
func TestSendmailInterrupted(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	if out, err := inst.Postfix("stop"); err != nil {
		t.Fatalf("postfix stop: %v\n%s", err, out)
	}
	cmd := exec.Command(filepath.Join(bin, "sendmail"), "to@example.com")
	cmd.Env = append(os.Environ(), "MAIL_CONFIG="+inst.ConfigDir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "Subject: cut\n\npartial")
	maildrop := filepath.Join(inst.QueueDir, "maildrop")
	harness.Eventually(t, "postdrop's file", func() bool {
		ents, _ := os.ReadDir(maildrop)
		return len(ents) > 0
	})
	cmd.Process.Kill()
	cmd.Wait()
	harness.Eventually(t, "an empty maildrop", func() bool {
		ents, _ := os.ReadDir(maildrop)
		return len(ents) == 0
	})
}

// TestSendmailExtractRecipients: -t takes the recipients from To:, Cc:
// and Bcc: (adding those on the command line), and the Bcc: header does
// not reach the queue; Resent- headers win when present.
func TestSendmailExtractRecipients(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	msg := "From: Me <me@example.org>\nTo: a@example.com, \"B b\" <b@example.com>\n" +
		"Cc: c@example.com\nBcc: d@example.com\nSubject: t\n\nbody\n.\nnot sent\n"
	if res := sendmailCmd(t, inst, bin, msg, "-t", "-f", "me@example.org", "x@example.net"); res.code != 0 || res.stderr != "" {
		t.Fatalf("sendmail -t: %+v", res)
	}
	f := queued(t, inst, pickedUp(t, inst, os.Getuid(), "me@example.org"))
	if got := strings.Join(recipients(f), ","); got != "x@example.net,a@example.com,b@example.com,c@example.com,d@example.com" {
		t.Errorf("recipients %s", got)
	}
	text := messageText(t, f)
	if !strings.Contains(text, "\nTo: a@example.com, \"B b\" <b@example.com>\nCc: c@example.com\n") ||
		!strings.HasSuffix(text, "\n\nbody\n") {
		t.Errorf("message:\n%s", text)
	}
	resent := "To: a1@example.com\nResent-To: r1@example.com\nCc: a2@example.com\nResent-Bcc: r2@example.com\n\nb\n"
	if res := sendmailCmd(t, inst, bin, resent, "-t", "-f", "resent@example.org"); res.code != 0 {
		t.Fatalf("sendmail -t: %+v", res)
	}
	f = queued(t, inst, pickedUp(t, inst, os.Getuid(), "resent@example.org"))
	if got := strings.Join(recipients(f), ","); got != "r1@example.com,r2@example.com" {
		t.Errorf("Resent- recipients %s", got)
	}
	none := sendmailCmd(t, inst, bin, "Subject: x\n\nb\n", "-t")
	if want := fmt.Sprintf("sendmail: fatal: %s(%d): No recipient addresses found in message header\n", currentUser(t), os.Getuid()); none.code != 75 || none.stderr != want {
		t.Errorf("-t without recipients: %+v", none)
	}
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// TestSendmailBccRemoved: the Bcc: header of a message sent with -t does
// not reach the queue (cleanup's message_drop_headers, as in Postfix).
func TestSendmailBccRemoved(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	msg := "To: a@example.com\nBcc: hidden@example.com\nSubject: t\n\nbody\n"
	if res := sendmailCmd(t, inst, bin, msg, "-t", "-f", "bcc@example.org"); res.code != 0 {
		t.Fatalf("sendmail -t: %+v", res)
	}
	f := queued(t, inst, pickedUp(t, inst, os.Getuid(), "bcc@example.org"))
	if got := strings.Join(recipients(f), ","); got != "a@example.com,hidden@example.com" {
		t.Errorf("recipients %s", got)
	}
	if text := messageText(t, f); strings.Contains(strings.ToLower(text), "\nbcc:") {
		t.Errorf("the Bcc: header was queued:\n%s", text)
	}
}

// TestSendmailSenderOptions: -f and -r set the envelope sender, -F the
// full name of the generated From: header.
func TestSendmailSenderOptions(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	if res := sendmailCmd(t, inst, bin, "Subject: f\n\nb\n", "-F", "Full Name", "-f", "Bounce Addr <bounce@example.org>", "to@example.com"); res.code != 0 || res.stderr != "" {
		t.Fatalf("sendmail -f -F: %+v", res)
	}
	f := queued(t, inst, pickedUp(t, inst, os.Getuid(), "bounce@example.org"))
	if f.Sender != "bounce@example.org" || !strings.Contains(messageText(t, f), "\nFrom: Full Name <bounce@example.org>\n") {
		t.Errorf("-f -F: sender %q, message:\n%s", f.Sender, messageText(t, f))
	}
	if res := sendmailCmd(t, inst, bin, "Subject: r\n\nb\n", "-r", "old@example.org", "to@example.com"); res.code != 0 {
		t.Fatalf("sendmail -r: %+v", res)
	}
	f = queued(t, inst, pickedUp(t, inst, os.Getuid(), "old@example.org"))
	if f.Sender != "old@example.org" {
		t.Errorf("-r: sender %q", f.Sender)
	}
	// -f "" is the null sender; the message still goes out from <>.
	if res := sendmailCmd(t, inst, bin, "Subject: n\n\nb\n", "-f", "", "-N", "never", "to@example.com"); res.code != 0 {
		t.Fatalf("sendmail -f '': %+v", res)
	}
	f = queued(t, inst, pickedUp(t, inst, os.Getuid(), ""))
	if f.Sender != "" || f.Recipients[0].Notify != queue.NotifyNever {
		t.Errorf("-f '' -N never: sender %q notify %d", f.Sender, f.Recipients[0].Notify)
	}
}

// TestSendmailMasterDown: with the mail system stopped, sendmail still
// succeeds quietly; the message waits in maildrop and pickup takes it
// when the system starts.
func TestSendmailMasterDown(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	if out, err := inst.Postfix("stop"); err != nil {
		t.Fatalf("postfix stop: %v\n%s", err, out)
	}
	res := sendmailCmd(t, inst, bin, "Subject: while down\n\nwaiting\n", "-f", "down@example.org", "user@example.com")
	if res.code != 0 || res.stdout != "" ||
		res.stderr != "" && res.stderr != "postdrop: warning: unable to look up public/pickup: No such file or directory\n" {
		t.Fatalf("sendmail with the master down: %+v", res)
	}
	drop, _ := os.ReadDir(filepath.Join(inst.QueueDir, "maildrop"))
	if len(drop) != 1 {
		t.Fatalf("maildrop holds %d files, want 1", len(drop))
	}
	if out, err := inst.Postfix("start"); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	queued(t, inst, pickedUp(t, inst, os.Getuid(), "down@example.org"))
	drop, _ = os.ReadDir(filepath.Join(inst.QueueDir, "maildrop"))
	if len(drop) != 0 {
		t.Errorf("maildrop still holds %d files", len(drop))
	}
}

// TestSendmailStandaloneSMTP: sendmail -bs speaks SMTP on stdin/stdout;
// the message goes through postdrop and pickup like any other. As
// Postfix's stand-alone smtpd, it applies no smtpd restrictions.
func TestSendmailStandaloneSMTP(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t, "smtpd_client_restrictions = reject", "smtpd_recipient_restrictions = reject")
	session := "EHLO client.example\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\n" +
		"DATA\r\nSubject: bs\r\n\r\nhello over stdio\r\n.\r\nQUIT\r\n"
	res := sendmailCmd(t, inst, bin, session, "-bs")
	m := regexp.MustCompile(`(?s)^220 mx.example.test ESMTP Postfix\r\n250-mx.example.test\r\n.*250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n` +
		`354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as ([0-9A-F]+)\r\n221 2.0.0 Bye\r\n$`).FindStringSubmatch(res.stdout)
	if res.code != 0 || m == nil {
		t.Fatalf("sendmail -bs: %+v", res)
	}
	id := pickedUp(t, inst, os.Getuid(), "alice@example.org")
	text := messageText(t, queued(t, inst, id))
	for _, want := range []string{
		fmt.Sprintf("Received: by mx.example.test (Postfix, from userid %d)\n\tid %s;", os.Getuid(), id),
		"\nReceived: from client.example (localhost [127.0.0.1])\n\tby mx.example.test (Postfix) with ESMTP id " + m[1] + "\n\tfor <bob@example.com>; ",
		"\nSubject: bs\n", "\n\nhello over stdio\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
}

// TestSendmailUsageErrors: Postfix's messages, and its exit status 75
// for every fatal error.
func TestSendmailUsageErrors(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, currentUser(t) + "(" + strconv.Itoa(os.Getuid()) + "): Recipient addresses must be specified on the command line or via the -t option"},
		{[]string{"-B", "foo", "x"}, "-B option needs 8BITMIME or 7BIT"},
		{[]string{"-t", "-bp"}, "-t can be used only in delivery mode"},
		{[]string{"-bp", "x"}, "display queue mode requires no recipient"},
		{[]string{"-qX"}, "-qX is not implemented"},
		{[]string{"-bx"}, "unsupported: -bx"},
	} {
		res := sendmailCmd(t, inst, bin, "Subject: x\n\n", tc.args...)
		if res.code != 75 || res.stderr != "sendmail: fatal: "+tc.want+"\n" {
			t.Errorf("sendmail %q: %+v", tc.args, res)
		}
	}
	res := sendmailCmd(t, inst, bin, "", "-Z")
	if want := "sendmail: invalid option -- 'Z'\nsendmail: invalid option -- 'Z'\nsendmail: fatal: usage: sendmail [options]\n"; res.code != 75 || res.stderr != want {
		t.Errorf("sendmail -Z: %+v", res)
	}
	inst.WaitLog(t, `postfix/sendmail\[\d+\]: fatal: -B option needs 8BITMIME or 7BIT`)
}

// TestNewaliases: newaliases and sendmail -bi build $alias_database.
func TestNewaliases(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	aliases := filepath.Join(dir, "aliases")
	os.WriteFile(aliases, []byte("postmaster: root\n"), 0o644)
	inst, bin := submitInstance(t, "alias_database = hash:"+aliases, "alias_maps = hash:"+aliases)
	env := append(os.Environ(), "MAIL_CONFIG="+inst.ConfigDir)
	if res := runAs(t, nil, env, "", filepath.Join(bin, "newaliases")); res.code != 0 || res.stderr != "" {
		t.Fatalf("newaliases: %+v", res)
	}
	if _, err := os.Stat(aliases + ".db"); err != nil {
		t.Fatalf("no aliases.db: %v", err)
	}
	os.WriteFile(aliases, []byte("postmaster: root\nabuse: root\n"), 0o644)
	if res := sendmailCmd(t, inst, bin, "", "-bi"); res.code != 0 {
		t.Fatalf("sendmail -bi: %+v", res)
	}
	q := runAs(t, nil, env, "", filepath.Join(bin, "postalias"), "-q", "abuse", "hash:"+aliases)
	if q.stdout != "root\n" {
		t.Errorf("postalias -q abuse after sendmail -bi: %+v", q)
	}
}
