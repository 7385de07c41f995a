package tests

// Address verification end to end: verify(8) posts a probe, qmgr hands
// it to the delivery agent with DEL_REQ_FLAG_MTA_VRFY, the agent reports
// to verify instead of delivering (logged status=deliverable or
// undeliverable), qmgr removes the probe, and the next query answers
// from the cache.

import (
	"path/filepath"
	"testing"

	"github.com/postern/postern/pkg/verify"
	"github.com/postern/postern/tests/harness"
)

func TestVerifyProbeDelivered(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{
		"transport_maps = inline:{ok.test=discard:, { bad.test = error:5.1.1 no such user here }}"},
		"cleanup unix n - n - 0 cleanup\n"+
			"qmgr unix n - n 300 1 qmgr\n"+
			"verify unix - - n - 1 verify\n"+
			"error unix - - n - - error\n"+
			"discard unix - - n - - discard\n")
	vc := &verify.Client{Path: filepath.Join(inst.QueueDir, "private", "verify"), Timeout: harness.Timeout}
	defer vc.Close()
	for _, c := range []struct {
		addr, line string
		status     int
		reason     string
	}{
		{"u@ok.test", `postfix/discard\[\d+\]: ([0-9A-F]+): to=<u@ok\.test>, relay=none, .*dsn=2\.0\.0, status=deliverable \(ok\.test\)`,
			verify.RcptOK, "ok.test"},
		{"u@bad.test", `postfix/error\[\d+\]: ([0-9A-F]+): to=<u@bad\.test>, relay=none, .*dsn=5\.1\.1, status=undeliverable \(no such user here\)`,
			verify.RcptBounce, "no such user here"},
	} {
		if r, err := vc.Query(c.addr); err != nil || r.Status != verify.RcptTodo {
			t.Fatalf("%s: first query: %+v %v", c.addr, r, err)
		}
		m := inst.WaitLog(t, c.line)
		inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+m[1]+`: removed`)
		r, err := vc.Query(c.addr)
		if err != nil || r.Status != c.status || r.Reason != c.reason {
			t.Errorf("%s: after the probe: %+v %v", c.addr, r, err)
		}
	}
	inst.Stop(t)
	if bad := stockBadLogLines(inst.Log()); len(bad) > 0 {
		t.Errorf("log has bad lines:\n%v", bad)
	}
}
