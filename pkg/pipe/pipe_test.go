package pipe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/mailbox"
)

func testIdent() Ident {
	users := map[string][2]int{"vmail": {5000, 5000}, "root": {0, 0}, "postfix": {100, 101}, "wheelie": {5001, 0}}
	groups := map[string]int{"mail": 8, "postdrop": 102, "postfix": 101}
	return Ident{OwnerName: "postfix", OwnerUID: 100, OwnerGID: 101, SgidName: "postdrop", SgidGID: 102,
		LookupUser: func(n string) (int, int, error) {
			if u, ok := users[n]; ok {
				return u[0], u[1], nil
			}
			return 0, 0, fmt.Errorf("no user")
		},
		LookupGrp: func(n string) (int, error) {
			if g, ok := groups[n]; ok {
				return g, nil
			}
			return 0, fmt.Errorf("no group")
		}}
}

func TestParseAttrs(t *testing.T) {
	a, err := ParseAttrs([]string{"flags=DRXhu.>", "user=vmail:mail", `eol=\r\n`, "size=1000",
		"directory=/tmp", "null_sender=", "argv=/usr/bin/maildrop", "-d", "${recipient}"}, testIdent())
	if err != nil {
		t.Fatal(err)
	}
	want := mailbox.CopyDelivered | mailbox.CopyReturnPath | optFinal | optFoldHost | optFoldUser | mailbox.CopyDot | mailbox.CopyQuote
	if a.Flags != want || a.UID != 5000 || a.GID != 8 || a.EOL != "\r\n" || a.SizeLimit != 1000 ||
		a.Dir != "/tmp" || a.NullSender != "" || strings.Join(a.Argv, " ") != "/usr/bin/maildrop -d ${recipient}" {
		t.Errorf("attrs %+v", a)
	}
	for args, msg := range map[string]string{
		"flags=Z user=vmail argv=x":      "unknown flag: Z (ignored)",
		"user=nobody1 argv=x":            "get_service_attr: unknown username: nobody1",
		"user=vmail:nogroup argv=x":      "get_service_attr: unknown group: nogroup",
		"user=vmail":                     "missing argv= command-line attribute",
		"argv=x":                         "missing user= command-line attribute",
		"user=root argv=x":               "user= command-line attribute specifies root privileges",
		"user=postfix argv=x":            "user= command-line attribute specifies mail system owner postfix",
		"user=wheelie argv=x":            "user= command-line attribute specifies privileged group id 0",
		"user=vmail:postfix argv=x":      "user= command-line attribute specifies mail system owner postfix group id 101",
		"user=vmail:postdrop argv=x":     "user= command-line attribute specifies mail system postdrop group id 102",
		"user=vmail size=1k argv=x":      "get_service_attr: bad size= value: 1k",
		"user=vmail frobnicate=1 argv=x": "unknown attribute name: frobnicate=1",
	} {
		if _, err := ParseAttrs(strings.Fields(args), testIdent()); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %q", args, err, msg)
		}
	}
	if got := unescape(`a\tb\101\\\q\`); got != "a\tbA\\q" {
		t.Errorf("unescape: %q", got)
	}
}

func TestExpand(t *testing.T) {
	x := &expander{vars: map[string]string{"sender": "s@example.org", "nexthop": "example.com", "size": "42"},
		delims: "+", noSplit: func(l string) bool { return strings.EqualFold(l, "postmaster") },
		rcpts: []rcptInfo{{address: "Joe+Ext@Example.COM", orig: "alias@Example.COM"},
			{address: "postmaster+x@example.com", orig: "postmaster+x@example.com"},
			{address: "J Doe@example.com", orig: "J Doe@example.com"}}}
	argv := []string{"cmd", "-f$sender", "$(nexthop)!rmail", "(${recipient})", "${user}", "$extension",
		"$mailbox@$domain", "$$size=$size"}
	got, err := x.expand(argv)
	if err != nil {
		t.Fatal(err)
	}
	want := "cmd|-fs@example.org|example.com!rmail|(Joe+Ext@Example.COM)|(postmaster+x@example.com)|" +
		"(J Doe@example.com)|Joe|postmaster|J Doe|Ext|x|" +
		"|Joe+Ext@Example.COM|postmaster+x@example.com|J Doe@example.com|$size=42"
	if strings.Join(got, "|") != want {
		t.Errorf("expand:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	x.flags = optFoldHost | optFoldUser | optQuoteLocal
	got, _ = x.expand([]string{"${recipient}", "${original_recipient}", "$user"})
	want = `joe+ext@example.com|postmaster+x@example.com|"j doe"@example.com|` +
		`alias@example.com|postmaster+x@example.com|"j doe"@example.com|joe|postmaster|j doe`
	if strings.Join(got, "|") != want {
		t.Errorf("expand with hqu:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	if _, err := x.expand([]string{"${bogus}"}); err == nil || !strings.Contains(err.Error(), `unknown macro name: "bogus"`) {
		t.Errorf("bogus macro: %v", err)
	}
	if _, err := x.expand([]string{"${recipient"}); err == nil || !strings.Contains(err.Error(), "truncated macro reference") {
		t.Errorf("truncated: %v", err)
	}
}

func TestCopyMessage(t *testing.T) {
	now := time.Date(2024, 11, 21, 18, 40, 0, 0, time.Local)
	env := envelope{sender: "a b@example.org", origRcpt: "orig@example.com", delivered: "rcpt@example.com",
		enableOrigRcpt: true, now: now}
	all := mailbox.CopyFrom | mailbox.CopyReturnPath | mailbox.CopyOrigRcpt | mailbox.CopyDelivered |
		mailbox.CopyQuote | mailbox.CopyDot | mailbox.CopyBlank
	var b bytes.Buffer
	content := "Subject: x\n\nFrom here\n.dot\nlast"
	if err := copyMessage(&b, prefix(all, env, "\r\n"), strings.NewReader(content), all, "\r\n"); err != nil {
		t.Fatal(err)
	}
	want := "From \"a b\"@example.org  Thu Nov 21 18:40:00 2024\r\nReturn-Path: <\"a b\"@example.org>\r\n" +
		"X-Original-To: orig@example.com\r\nDelivered-To: rcpt@example.com\r\n" +
		"Subject: x\r\n\r\n>From here\r\n..dot\r\nlast\r\n\r\n"
	if b.String() != want {
		t.Errorf("copy:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	copyMessage(&b, prefix(mailbox.CopyFrom|mailbox.CopyReturnPath, envelope{now: now}, "\n"), strings.NewReader("x\n"), 0, "\n")
	if b.String() != "From MAILER-DAEMON  Thu Nov 21 18:40:00 2024\nReturn-Path: <>\nx\n" {
		t.Errorf("null sender: %q", b.String())
	}
}

func script(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "cmd.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func runScript(t *testing.T, body string, timeout time.Duration) outcome {
	c := &command{argv: []string{script(t, body)}, timeout: timeout, program: "pipe",
		cred: mailbox.Cred{UID: os.Getuid(), GID: os.Getgid()}}
	return run(context.Background(), nil, c, func(w io.Writer) error {
		_, err := io.WriteString(w, "message\n")
		return err
	})
}

func TestRunOutcomes(t *testing.T) {
	for _, tc := range []struct {
		body, status, reason string
		ok                   bool
	}{
		{"cat >/dev/null; echo delivered fine", "", "", true},
		{"cat >/dev/null; exit 75", "4.3.0", "temporary failure", false},
		{"echo no such user; exit 67", "5.1.1", "user unknown. Command output: no such user ", false},
		{"echo 4.7.1 try later; exit 1", "4.7.1", "try later ", false},
		{"exit 3", "5.3.0", `Command died with status 3: "SCRIPT"`, false},
		{"kill -TERM $$", "4.3.0", `Command died with signal 15: "SCRIPT"`, false},
	} {
		out := runScript(t, tc.body, 10*time.Second)
		reason := strings.ReplaceAll(out.dsn.Reason, out.dsnScript(), "SCRIPT")
		if out.ok != tc.ok || out.dsn.Status != tc.status || !strings.HasPrefix(reason, tc.reason) {
			t.Errorf("%s: %+v", tc.body, out)
		}
	}
	out := runScript(t, "sleep 30", 200*time.Millisecond)
	if out.ok || out.dsn.Status != "5.3.0" || !strings.HasPrefix(out.dsn.Reason, "Command time limit exceeded: ") {
		t.Errorf("time limit: %+v", out)
	}
	c := &command{argv: []string{"/nonexistent/cmd"}, timeout: time.Second, program: "pipe"}
	out = run(context.Background(), nil, c, func(io.Writer) error { return nil })
	if out.dsn.Status != "4.3.0" || out.dsn.Reason != "temporary failure. Command output: pipe: fatal: pipe_command: execvp /nonexistent/cmd: No such file or directory " {
		t.Errorf("missing command: %+v", out)
	}
}

// dsnScript returns the script path quoted in a reason, for comparison.
func (o outcome) dsnScript() string {
	i := strings.Index(o.dsn.Reason, `"`)
	j := strings.LastIndex(o.dsn.Reason, `"`)
	if i < 0 || j <= i {
		return "\x00"
	}
	return o.dsn.Reason[i+1 : j]
}

func TestDeliveredTo(t *testing.T) {
	hdr := "Received: x\nDelivered-To: Rcpt@Example.com\nSubject: y\n\nDelivered-To: other@example.com\n"
	if loop, _ := deliveredTo(strings.NewReader(hdr), "rcpt@example.COM"); !loop {
		t.Error("loop not found")
	}
	if loop, _ := deliveredTo(strings.NewReader(hdr), "other@example.com"); loop {
		t.Error("body line taken as header")
	}
}
