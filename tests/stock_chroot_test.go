package tests

// Delivery agents that the stock master.cf runs chrooted (discard and
// retry here; error, smtp, relay and lmtp alike): each must open the
// queue file inside the jail and report as Postfix does. The message is
// posted to the cleanup service directly, as pickup does: smtpd refuses
// recipients whose transport is error: or retry: at RCPT time.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/tests/harness"
)

// stockPost queues a message through the cleanup service, as pickup
// does, and returns its queue ID.
func stockPost(t *testing.T, inst *harness.Instance, from string, to []string, content string) string {
	t.Helper()
	var cl *cleanup.Client
	harness.Eventually(t, "the cleanup service", func() bool {
		var err error
		cl, err = cleanup.Dial(filepath.Join(inst.QueueDir, "public", "cleanup"), harness.Timeout)
		return err == nil
	})
	defer cl.Close()
	m, err := cl.Begin(cleanup.Meta{Origin: "pickup", LocalUID: 0})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender(from, "", "")
	for _, rc := range to {
		m.AddRecipient(rc, "", "")
	}
	m.Write([]byte(content))
	id, err := m.Commit()
	if err != nil {
		t.Fatalf("queue message: %v", err)
	}
	return id
}

func TestStockChrootedAgents(t *testing.T) {
	t.Parallel()
	requireStockRoot(t)
	transport := "disc.test discard:\nerr.test error:5.1.1 no such user here\nrty.test retry:4.4.1 come back later\n"
	s := prepareStockSetup(t, "", "minimal_backoff_time = 1h", "queue_run_delay = 1h")
	table := filepath.Join(s.inst.Dir, "transport")
	stockWriteFile(t, table, transport, 0o644)
	stockPostmap(t, s.inst, "postmap", "hash:"+table)
	s.inst.WriteMainCF(t, []string{"mail_spool_directory = " + s.spool, "alias_maps =", "biff = no",
		"transport_maps = hash:" + table, "minimal_backoff_time = 1h", "queue_run_delay = 1h"})
	s.inst.Start(t)
	id := stockPost(t, s.inst, "sender@example.org", []string{"a@disc.test", "b@err.test", "c@rty.test"}, "Subject: x\n\ny\n")
	s.inst.WaitLog(t, `postfix/discard\[\d+\]: `+id+`: to=<a@disc\.test>, relay=none, .*dsn=2\.0\.0, status=sent \(disc\.test\)`)
	s.inst.WaitLog(t, `postfix/error\[\d+\]: `+id+`: to=<b@err\.test>, relay=none, .*dsn=5\.1\.1, status=bounced \(no such user here\)`)
	s.inst.WaitLog(t, `postfix/error\[\d+\]: `+id+`: to=<c@rty\.test>, relay=none, .*dsn=4\.4\.1, status=deferred \(come back later\)`)
	s.inst.Stop(t)
	if bad := stockBadLogLines(s.inst.Log()); len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}
