package tests

// Debian's stock master.cf, unchanged but for the smtp port, run with
// Postern's programs (chrooted where it says so, as root): mail goes in
// by SMTP and out by local(8); every other service of the file is used
// once through its own protocol (showq, flush, verify, proxymap,
// proxywrite, tlsmgr, scache, anvil, rewrite, bounce); then the log must
// have no error, fatal or panic line and no throttled service.

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/flush"
	"github.com/postern/postern/pkg/scache"
	"github.com/postern/postern/pkg/verify"
	"github.com/postern/postern/tests/harness"
)

// stockSetup is a stock instance with a local user, a spool directory
// and an alias table.
type stockSetup struct {
	inst  *harness.Instance
	user  stockUser
	spool string
}

func newStockSetup(t *testing.T, extraMaster string, mainCF ...string) *stockSetup {
	t.Helper()
	s := prepareStockSetup(t, extraMaster, mainCF...)
	s.inst.Start(t)
	return s
}

// prepareStockSetup is newStockSetup without the start.
func prepareStockSetup(t *testing.T, extraMaster string, mainCF ...string) *stockSetup {
	t.Helper()
	requireStockRoot(t)
	inst := harness.New(t, nil, stockMasterCF(t, extraMaster))
	s := &stockSetup{inst: inst, user: stockAddUser(t, "l"), spool: filepath.Join(inst.Dir, "spool")}
	os.MkdirAll(s.spool, 0o1777)
	os.Chmod(s.spool, 0o1777)
	aliases := filepath.Join(inst.Dir, "aliases")
	stockWriteFile(t, aliases, "postmaster: "+s.user.name+"\n", 0o644)
	stockPostmap(t, inst, "postalias", aliases)
	inst.WriteMainCF(t, append([]string{
		"mail_spool_directory = " + s.spool,
		"alias_maps = hash:" + aliases,
		"alias_database = hash:" + aliases,
		"biff = no",
	}, mainCF...))
	return s
}

func TestStockMasterCF(t *testing.T) {
	t.Parallel()
	s := newStockSetup(t, "")
	inst := s.inst
	rcpt := s.user.name + "@mx.example.test"
	id := stockSMTP(t, inst, "sender@example.org", []string{rcpt}, "Subject: stock\n\nhello\n")
	inst.WaitLog(t, `postfix/local\[\d+\]: `+id+`: to=<`+stockQuote(rcpt)+`>, relay=local, .*status=sent \(delivered to mailbox\)`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed`)
	mbox, err := os.ReadFile(filepath.Join(s.spool, s.user.name))
	if err != nil || !strings.Contains(string(mbox), "Subject: stock") {
		t.Fatalf("mailbox: %v\n%s", err, mbox)
	}
	stockUseServices(t, inst)
	if out, err := inst.Postfix("stop"); err != nil {
		t.Fatalf("postfix stop: %v\n%s", err, out)
	}
	inst.Stop(t)
	if os.Getenv("STOCK_LOG") != "" {
		t.Log(inst.Log())
	}
	if bad := stockBadLogLines(inst.Log()); len(bad) > 0 {
		t.Errorf("log has %d bad lines:\n%s\nfull log:\n%s", len(bad), strings.Join(bad, "\n"), inst.Log())
	}
}

// stockUseServices talks to each service of the stock master.cf that
// mail did not touch.
func stockUseServices(t *testing.T, inst *harness.Instance) {
	t.Helper()
	bin := harness.Build(t, "postqueue")
	if out, err := exec.Command(filepath.Join(bin, "postqueue"), "-c", inst.ConfigDir, "-p").CombinedOutput(); err != nil ||
		string(out) != "Mail queue is empty\n" {
		t.Errorf("postqueue -p (showq): %v %q", err, out)
	}
	pub := func(name string) string { return filepath.Join(inst.QueueDir, "public", name) }
	priv := func(name string) string { return filepath.Join(inst.QueueDir, "private", name) }
	fc := &flush.Client{Path: pub("flush"), Timeout: harness.Timeout}
	if st, err := fc.SendFile("ABCDEF12345"); st != flush.StatOK || err != nil {
		t.Errorf("flush send_file: %d %v", st, err)
	}
	if st, err := fc.Purge(); st != flush.StatOK || err != nil {
		t.Errorf("flush purge: %d %v", st, err)
	}
	vc := &verify.Client{Path: priv("verify"), Timeout: harness.Timeout}
	if err := vc.Update("known@example.org", verify.RcptOK, "delivered"); err != nil {
		t.Errorf("verify update: %v", err)
	}
	if r, err := vc.Query("known@example.org"); err != nil || r.Status != verify.RcptOK {
		t.Errorf("verify query: %+v %v", r, err)
	}
	vc.Close()
	stockProxyLookup(t, priv("proxymap"), "proxymap")
	stockProxyLookup(t, priv("proxywrite"), "proxywrite")
	stockTLSMgrSeed(t, priv("tlsmgr"))
	sc := &scache.Client{Path: priv("scache"), Timeout: harness.Timeout}
	defer sc.Close()
	if _, _, err := sc.FindEndp("smtp:192.0.2.1:25"); err != scache.ErrNotFound {
		t.Errorf("scache find_endp: %v", err)
	}
	inst.WaitLog(t, `postfix/verify\[\d+\]: cache btree:`+stockQuote(inst.DataDir)+`/verify_cache full cleanup: retained=0 dropped=0 entries`)
}

// stockProxyLookup asks a proxymap service for a key of a table that is
// not approved: the answer is "denied", with Postfix's warning.
func stockProxyLookup(t *testing.T, path, service string) {
	t.Helper()
	c, err := attr.Dial("unix", path, attr.Null, harness.Timeout)
	if err != nil {
		t.Errorf("%s: %v", service, err)
		return
	}
	defer c.Close()
	if err := c.ExpectProtocol("proxymap_protocol"); err != nil {
		t.Errorf("%s: %v", service, err)
		return
	}
	reply, err := c.Call(attr.List{{Name: "request", Value: "lookup"}, {Name: "table", Value: "static:x"},
		{Name: "flags", Value: "0"}, {Name: "key", Value: "k"}})
	if v, _ := reply.Get("status"); err != nil || v != "4" {
		t.Errorf("%s lookup: %v %v", service, reply, err)
	}
}

func stockTLSMgrSeed(t *testing.T, path string) {
	t.Helper()
	c, err := attr.Dial("unix", path, attr.Null, harness.Timeout)
	if err != nil {
		t.Errorf("tlsmgr: %v", err)
		return
	}
	defer c.Close()
	if err := c.ExpectProtocol("tlsmgr_protocol"); err != nil {
		t.Errorf("tlsmgr: %v", err)
		return
	}
	reply, err := c.Call(attr.List{{Name: "request", Value: "seed"}, {Name: "size", Value: "16"}})
	if v, _ := reply.Get("status"); err != nil || v != "0" {
		t.Errorf("tlsmgr seed: %v %v", reply, err)
	}
}

func init() { _ = net.Dial }
func init() { _ = time.Second }
