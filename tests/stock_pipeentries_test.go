package tests

// The stock master.cf's own pipe entries, unchanged: mail routed to the
// uucp and mailman transports reaches pipe(8), which runs uux and
// postfix-to-mailman.py as the uucp and list users. Where those programs
// are not installed, the delivery is deferred with Postfix's words for a
// command that cannot be executed.

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

func TestStockPipeEntries(t *testing.T) {
	t.Parallel()
	requireStockRoot(t)
	if _, err := exec.LookPath("uux"); err == nil {
		t.Skip("uux is installed: the test would really send mail by UUCP")
	}
	const mailman = "/usr/lib/mailman/bin/postfix-to-mailman.py"
	if _, err := os.Stat(mailman); err == nil {
		t.Skip("mailman is installed")
	}
	for _, u := range []string{"uucp", "list"} {
		if _, err := user.Lookup(u); err != nil {
			t.Skipf("no %s user", u)
		}
	}
	s := prepareStockSetup(t, "", "minimal_backoff_time = 1h", "queue_run_delay = 1h")
	table := filepath.Join(s.inst.Dir, "transport")
	stockWriteFile(t, table, "uucp.test uucp:gateway\nlists.test mailman:\n", 0o644)
	stockPostmap(t, s.inst, "postmap", "hash:"+table)
	s.inst.WriteMainCF(t, []string{"mail_spool_directory = " + s.spool, "alias_maps =", "biff = no",
		"transport_maps = hash:" + table, "minimal_backoff_time = 1h", "queue_run_delay = 1h"})
	s.inst.Start(t)
	id := stockSMTP(t, s.inst, "sender@example.org", []string{"x@uucp.test", "y@lists.test"}, "Subject: x\n\ny\n")
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+id+`: to=<x@uucp\.test>, relay=uucp, .*dsn=4\.3\.0, status=deferred `+
		`\(temporary failure\. Command output: pipe: fatal: pipe_command: execvp uux: No such file or directory \)`)
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+id+`: to=<y@lists\.test>, relay=mailman, .*dsn=4\.3\.0, status=deferred `+
		`\(temporary failure\. Command output: pipe: fatal: pipe_command: execvp `+stockQuote(mailman)+`: No such file or directory \)`)
	s.inst.Stop(t)
	if bad := stockBadLogLines(s.inst.Log()); len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}
