package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/mailbox"
)

// TestParseAliasValues: alias values are read with pkg/addr as
// tok822_parse() reads them.
func TestParseAliasValues(t *testing.T) {
	for value, want := range map[string][]string{
		"a, b c":                            {"a", "b", "c"},
		`"|/usr/bin/procmail -a x", /var/x`: {"|/usr/bin/procmail -a x", "/var/x"},
		"|/usr/bin/foo -x":                  {"|/usr/bin/foo", "-x"},
		":include:/etc/lists/staff":         {":include:/etc/lists/staff"},
		"John Doe <john@example.com>":       {"john@example.com"},
		`"john doe"@example.com (comment)`:  {"john doe@example.com"},
		"~/mbox, \\root":                    {"~/mbox", "root"}, // as Postfix: the backslash quotes
		"":                                  nil,
	} {
		if got := addr.ParseList(value); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %q, want %q", value, got, want)
		}
	}
}

func TestSplitAddr(t *testing.T) {
	p := &params{rcptDelim: "+-", doubleBounce: "double-bounce", ownerRequest: true}
	for in, want := range map[string]string{
		"user+ext": "user|ext", "user-ext": "user|ext", "+ext": "", "user": "", "user+": "user|",
		"postmaster": "", "MAILER-DAEMON": "", "double-bounce": "", "owner-list": "", "list-request": "",
	} {
		user, ext, ok := splitAddr(in, p)
		got := ""
		if ok {
			got = user + "|" + ext
		}
		if got != want {
			t.Errorf("splitAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpliceExtension(t *testing.T) {
	if got := spliceExtension("bob@example.com", "+", "news"); got != "bob+news@example.com" {
		t.Errorf("got %s", got)
	}
	if got := spliceExtension("bob", "-", "x"); got != "bob-x" {
		t.Errorf("got %s", got)
	}
}

func TestExpand(t *testing.T) {
	a := &Agent{p: &params{rcptDelim: "+"}}
	s := &state{job: &job{a: a}}
	s.msg.rcpt.address = "Bob+Lists@example.com"
	s.splitRecipient()
	usr := userAttr{home: some("/home/bob"), shell: some("/bin/sh")}
	filter := "1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	out, st := s.expand("$home/.forward${recipient_delimiter}${extension}", &usr, filter)
	if out != "/home/bob/.forward+lists" || st&expandExtensionMatched == 0 || st&expandUndef != 0 {
		t.Errorf("with extension: %q %x", out, st)
	}
	s.msg.rcpt.address = "bob@example.com"
	s.splitRecipient()
	if _, st := s.expand("$home/.forward${recipient_delimiter}${extension}", &usr, filter); st&expandUndef == 0 {
		t.Errorf("no extension: status %x", st)
	}
	out, _ = s.expand("${extension?+$extension}:$user:$domain:$local:$shell", &usr, filter)
	if out != ":bob:example.com:bob:/bin/sh" {
		t.Errorf("conditional: %q", out)
	}
	s.msg.rcpt.address = "we$ird;user@example.com"
	s.splitRecipient()
	if out, _ := s.expand("/var/x/$user", &usr, filter); out != "/var/x/we_ird_user" {
		t.Errorf("filter: %q", out)
	}
}

func TestDeliveredTo(t *testing.T) {
	msg := "Received: from x\n\tby y\nDelivered-To: Bob@Example.com\nDelivered-To:  alice@example.com\n" +
		"Subject: s\n folded\n\nDelivered-To: body@example.com\n"
	got, err := deliveredTo(strings.NewReader(msg))
	if err != nil || len(got) != 2 || !got["bob@example.com"] || !got["alice@example.com"] {
		t.Errorf("got %v %v", got, err)
	}
}

func TestExitResult(t *testing.T) {
	args := &pipeArgs{command: "/usr/bin/deliver x"}
	for _, c := range []struct {
		code         int
		out          string
		status, text string
	}{
		{75, "", "4.3.0", "temporary failure"},
		{75, "disk busy ", "4.3.0", "temporary failure. Command output: disk busy "},
		{67, "no such user ", "5.1.1", "user unknown. Command output: no such user "},
		{1, "5.2.2 mailbox full ", "5.2.2", "mailbox full "},
		{1, "4.2.1 try later", "4.2.1", "try later"},
		{1, "", "5.3.0", `Command died with status 1: "/usr/bin/deliver x"`},
		{2, "oops ", "5.3.0", `Command died with status 2: "/usr/bin/deliver x". Command output: oops `},
	} {
		got := exitResult(args, c.code, c.out)
		if got.status != c.status || got.text != c.text {
			t.Errorf("exit %d %q: got %+v, want %s %s", c.code, c.out, got, c.status, c.text)
		}
	}
	if got := mailbox.Printable("a\tb\nc\x01d\xffé"); got != "a b c_d_é" {
		t.Errorf("printable: %q", got)
	}
}

func TestDirectArgv(t *testing.T) {
	if got := directArgv("/usr/bin/procmail -a $EXTENSION"); got != nil {
		t.Errorf("shell magic: %v", got)
	}
	if got := directArgv("/usr/bin/procmail  -t"); strings.Join(got, "|") != "/usr/bin/procmail|-t" {
		t.Errorf("direct: %v", got)
	}
	if got := directArgv("no-such-program-anywhere x"); got != nil {
		t.Errorf("unknown program must go to the shell: %v", got)
	}
}

// TestPipeCommand runs commands as the current user (no privilege
// switch) and checks Postfix's interpretation of what they do.
func TestPipeCommand(t *testing.T) {
	dir := t.TempDir()
	a := &Agent{runner: mailbox.NewRunner("local", nil), warn: func(string, ...any) {}}
	run := func(command string, limit time.Duration) pipeResult {
		args := &pipeArgs{command: command, cred: mailbox.Cred{UID: os.Getuid(), GID: os.Getgid()},
			env: exportedEnv(nil), prefix: "From x  Mon Jan  1 00:00:00 2024\n", timeout: limit, dir: dir}
		return a.pipeCommand(context.Background(), args, strings.NewReader("Subject: s\n\nbody\n"))
	}
	if r := run("cat > "+filepath.Join(dir, "out")+"; echo $PATH > "+filepath.Join(dir, "path"), 10*time.Second); r.status != "" {
		t.Fatalf("cat: %+v", r)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "out"))
	if string(data) != "From x  Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody\n" {
		t.Errorf("command input %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "path")); string(data) != "/usr/bin:/bin\n" {
		t.Errorf("PATH %q", data)
	}
	if r := run("echo busy; exit 75", 10*time.Second); r.status != "4.3.0" || r.text != "temporary failure. Command output: busy " {
		t.Errorf("exit 75: %+v", r)
	}
	if r := run("true", 10*time.Second); r.status != "" {
		t.Errorf("true without reading: %+v", r)
	}
	if r := run("kill -9 $$", 10*time.Second); r.status != "4.3.0" || r.text != `Command died with signal 9: "kill -9 $$"` {
		t.Errorf("signal: %+v", r)
	}
	r := run("echo started; exec sleep 30", 300*time.Millisecond)
	if r.status != "5.3.0" || r.text != `Command time limit exceeded: "echo started; exec sleep 30". Command output: started ` {
		t.Errorf("time limit: %+v", r)
	}
	r = run("/nonexistent/program", 10*time.Second)
	if r.status != "4.3.0" || r.text != "temporary failure. Command output: local: fatal: execvp /nonexistent/program: No such file or directory " {
		t.Errorf("missing program: %+v", r)
	}
}

func TestSpecOwner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aliases")
	os.WriteFile(path+".db", nil, 0o644)
	os.WriteFile(path, nil, 0o644)
	want := tableOwner{ownerTrusted, 0}
	if uid := os.Getuid(); uid != 0 {
		want = tableOwner{ownerUntrusted, uid}
	}
	for _, spec := range []string{"hash:" + path, "texthash:" + path, "unionmap:{hash:" + path + ", static:x}"} {
		if got := specOwner(spec); got != want {
			t.Errorf("%s: %+v, want %+v", spec, got, want)
		}
	}
	if os.Getuid() == 0 {
		os.Chown(path+".db", 1234, 1234)
		if got := specOwner("hash:" + path); got != (tableOwner{ownerUntrusted, 1234}) {
			t.Errorf("user-owned: %+v", got)
		}
		if got := specOwner("unionmap:{hash:" + path + ", texthash:" + path + "}"); got != (tableOwner{ownerUntrusted, 1234}) {
			t.Errorf("root and user: %+v", got)
		}
		os.Chown(path, 4321, 4321)
		if got := specOwner("unionmap:{hash:" + path + ", texthash:" + path + "}"); got.status != ownerUnknown {
			t.Errorf("two users: %+v", got)
		}
	}
	for spec, want := range map[string]int{"static:x": ownerTrusted, "inline:{a=b}": ownerTrusted,
		"hash:" + dir + "/missing": ownerUnknown, "environ:": ownerUnknown} {
		if got := specOwner(spec); got.status != want {
			t.Errorf("%s: %+v", spec, got)
		}
	}
}
