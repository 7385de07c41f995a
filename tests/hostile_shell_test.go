package tests

// Shell metacharacters in envelope addresses never reach a shell: the
// OpenSMTPD CVE-2020-7247 class ("MAIL FROM:<;sleep 66;>" ran as a
// command by its local delivery). Postern, as Postfix, refuses such a
// sender unquoted (tests/testdata/hostile/shell-sender-opensmtpd.txt);
// quoted, the same text is a valid local part, so here messages with
// such senders, recipients and address extensions are delivered through
// smtpd to a command alias (local(8), "|command", which Postfix runs
// with /bin/sh -c and the addresses in the environment) and to a pipe(8)
// transport (argv with ${sender}, ${recipient}, ${extension}, no
// shell). Every payload would create a file if a shell ran it; none may
// exist, and each delivery must show the payload as plain data.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// shellRecord records its arguments and the address variables of
// local(8) in a file of its own under the directory named by $1.
const shellRecord = `#!/bin/sh
out=$1; shift
{
  for a in "$@"; do printf 'arg=[%s]\n' "$a"; done
  printf 'SENDER=[%s]\nRECIPIENT=[%s]\nEXTENSION=[%s]\n' "$SENDER" "$RECIPIENT" "$EXTENSION"
  cat >/dev/null
} > "$out.$$.tmp" && mv "$out.$$.tmp" "$out.$$"
`

func TestHostileShellMetacharacters(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("local(8) and pipe(8) run as root and deliver as nobody: needs root")
	}
	inst := harness.New(t, nil, shellMasterCF)
	out := filepath.Join(inst.Dir, "out")
	os.MkdirAll(out, 0o777)
	os.Chmod(out, 0o777)
	script := filepath.Join(inst.Dir, "record")
	if err := os.WriteFile(script, []byte(shellRecord), 0o755); err != nil {
		t.Fatal(err)
	}
	aliases := filepath.Join(inst.Dir, "aliases")
	os.WriteFile(aliases, []byte("postmaster: root\ncmd: \"|"+script+" "+out+"/alias\"\n"), 0o644)
	if o, err := exec.Command(filepath.Join(harness.Build(t, "postalias"), "postalias"), "-c", inst.ConfigDir, aliases).CombinedOutput(); err != nil {
		t.Fatalf("postalias: %v\n%s", err, o)
	}
	inst.WriteMasterCF(t, strings.ReplaceAll(strings.ReplaceAll(shellMasterCF, "SCRIPT", script), "OUT", out))
	inst.WriteMainCF(t, []string{"mydestination = localhost", "alias_maps = hash:" + aliases,
		"alias_database = hash:" + aliases, "local_recipient_maps =", "recipient_delimiter = +",
		"transport_maps = inline:{pipe.example=shellpipe:}", "biff = no", "mynetworks = 127.0.0.0/8",
		"smtpd_forbid_bare_newline_exclusions ="})
	inst.Start(t)
	inst.WaitListen(t, "smtp")

	payload := func(tag string) string { return "touch " + out + "/pwned-" + tag }
	senders := []string{
		`";` + payload("s1") + `;"@example.org`,
		`"$(` + payload("s2") + `)"@example.org`,
		"\"`" + payload("s3") + "`\"@example.org",
		`"|` + payload("s4") + `"@example.org`,
	}
	c := dialSMTP(t, inst.Addr(t, "smtp"))
	if r := c.reply(); !strings.HasPrefix(r, "220 ") {
		t.Fatalf("greeting %q; log:\n%s", r, inst.Log())
	}
	c.cmd("EHLO client.example")
	if r := c.cmd("MAIL FROM:<;" + payload("s0") + ";>"); !strings.HasPrefix(r, "501 5.1.7") {
		t.Errorf("unquoted shell command as sender: %q, want 501 5.1.7 as Postfix", r)
	}
	for i, s := range senders {
		rcpts := []string{
			fmt.Sprintf(`"cmd+$(%s)"@localhost`, payload(fmt.Sprintf("e%d", i))),
			fmt.Sprintf(`"$(%s);x"@pipe.example`, payload(fmt.Sprintf("r%d", i))),
		}
		if r := c.cmd("MAIL FROM:<" + s + ">"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("MAIL FROM:<%s>: %q", s, r)
		}
		for _, rc := range rcpts {
			if r := c.cmd("RCPT TO:<" + rc + ">"); !strings.HasPrefix(r, "250 ") {
				t.Fatalf("RCPT TO:<%s>: %q", rc, r)
			}
		}
		c.cmd("DATA")
		if r := c.cmd("Subject: shell " + fmt.Sprint(i) + "\r\n\r\n$(" + payload(fmt.Sprintf("b%d", i)) + ")\r\n."); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("end of data: %q", r)
		}
	}
	c.cmd("QUIT")
	inst.WaitLogCount(t, `status=sent \(delivered (to command|via shellpipe service)`, 2*len(senders))
	checkShellRecords(t, out, senders)
}

// checkShellRecords checks that no payload ran and that each delivery
// got the payload text as data.
func checkShellRecords(t *testing.T, out string, senders []string) {
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	var records []string
	for _, f := range files {
		if strings.Contains(filepath.Base(f), "pwned") {
			t.Errorf("a shell ran an address: %s exists", f)
			continue
		}
		b, _ := os.ReadFile(f)
		records = append(records, string(b))
	}
	if len(records) != 2*len(senders) {
		t.Fatalf("%d deliveries recorded, want %d", len(records), 2*len(senders))
	}
	for i := range senders {
		tag := fmt.Sprintf("pwned-s%d", i+1)
		n := 0
		for _, r := range records {
			if strings.Contains(r, tag) {
				n++
			}
		}
		if n != 2 {
			t.Errorf("sender payload %s seen as data in %d deliveries, want 2:\n%s", tag, n, strings.Join(records, "\n"))
		}
	}
	t.Logf("one of them:\n%s", records[0])
	t.Logf("shell metacharacters: %d deliveries to a command alias and a pipe transport, no payload ran", len(records))
}

const shellMasterCF = `127.0.0.1:{port:smtp} inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
local unix - n n - - local
error unix - - n - - error
anvil unix - - n - 1 anvil
shellpipe unix - n n - - pipe
  user=nobody argv=SCRIPT OUT/pipe ${sender} ${recipient} ${extension} ${user}
`
