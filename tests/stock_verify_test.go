package tests

// Address verification: a query for an unknown address answers "in
// progress" and posts a probe through cleanup (a message from the
// double-bounce sender, marked trace_flags=256 for qmgr and the delivery
// agents); the agent's update makes the next query answer from the
// cache, which survives a restart in $data_directory. verify and cleanup
// run chrooted as in the stock master.cf; no qmgr runs, so the probe
// stays in the incoming queue to be looked at.

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/verify"
	"github.com/postern/postern/tests/harness"
)

const verifyMaster = "cleanup unix n - y - 0 cleanup\n" +
	"verify unix - - y - 1 verify\n"

func TestVerifyProbe(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil, verifyMaster)
	vc := &verify.Client{Path: filepath.Join(inst.QueueDir, "private", "verify"), Timeout: harness.Timeout}
	defer vc.Close()
	const addr = "probe@example.net"
	r, err := vc.Query(addr)
	if err != nil || r.Status != verify.RcptTodo || r.Reason != "Address verification in progress" {
		t.Fatalf("first query: %+v %v", r, err)
	}
	layout := stockLayout(t, inst)
	var probes []queue.Entry
	harness.Eventually(t, "the probe in the incoming queue", func() bool {
		probes = nil
		layout.Scan(queue.Incoming, func(e queue.Entry) error { probes = append(probes, e); return nil })
		return len(probes) == 1
	})
	f, err := queue.Open(probes[0].Path, false)
	if err != nil {
		t.Fatal(err)
	}
	if f.Sender != "double-bounce@mx.example.test" || len(f.Recipients) != 1 || f.Recipients[0].Address != addr ||
		f.Attr(verify.AttrTraceFlags) != "256" || f.Attr(queue.AttrOrigin) != "verify" {
		t.Errorf("probe: sender %q recipients %+v attrs %v", f.Sender, f.Recipients, f.Attrs)
	}
	f.Close()
	inst.WaitLog(t, `postfix/cleanup\[\d+\]: `+probes[0].ID+`: message-id=`)
	// Asked again while the probe is under way: no second probe.
	if r, err := vc.Query(addr); err != nil || r.Status != verify.RcptTodo {
		t.Fatalf("second query: %+v %v", r, err)
	}
	// The delivery agent reports the outcome of the probe.
	why := "host mx.example.net[192.0.2.1] said: 550 5.1.1 <probe@example.net>: Recipient address rejected"
	if err := vc.Update(addr, verify.RcptBounce, why); err != nil {
		t.Fatal(err)
	}
	if r, err := vc.Query(addr); err != nil || r.Status != verify.RcptBounce || r.Reason != why {
		t.Fatalf("after update: %+v %v", r, err)
	}
	n := 0
	layout.Scan(queue.Incoming, func(queue.Entry) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d queued probes, want 1", n)
	}
	vc.Close()

	// The cache is kept in $data_directory across a restart.
	inst.Stop(t)
	data, err := os.ReadFile(filepath.Join(inst.DataDir, "verify_cache.db"))
	if err != nil || !strings.HasPrefix(string(data), "#postern-verify-cache 1\n") || !strings.Contains(string(data), addr+"\t2:0:") {
		t.Fatalf("cache file: %v\n%s", err, data)
	}
	if os.Geteuid() == 0 {
		if pf, err := user.Lookup("postfix"); err == nil {
			st, err := os.Stat(filepath.Join(inst.DataDir, "verify_cache.db"))
			if err != nil || strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Uid)) != pf.Uid {
				t.Errorf("cache file not owned by postfix (%s): %v", pf.Uid, err)
			}
		}
	}
	inst.Start(t)
	if r, err := vc.Query(addr); err != nil || r.Status != verify.RcptBounce || r.Reason != why {
		t.Errorf("after restart: %+v %v", r, err)
	}
	vc.Close()
	inst.Stop(t)
	if bad := stockBadLogLines(inst.Log()); len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}
