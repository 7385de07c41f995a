package tests

// pipe(8) under the stock master.cf plus test transports: each flag
// that changes what the command gets (B D F O R X h q u > .), eol=,
// null_sender=, size=, directory=, the argv macros, exit statuses, and
// user=: the command runs as a user made for the test.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// stockPipeScript records its identity, directory, arguments and input
// in the file named by its first argument.
const stockPipeScript = `#!/bin/sh
out=$1; shift
{
  echo "id=$(id -u):$(id -g) cwd=$(pwd)"
  for a in "$@"; do printf 'arg=[%s]\n' "$a"; done
  echo "--"
  cat
} > "$out.tmp" && mv "$out.tmp" "$out"
`

// stockPipeExit exits with its first argument after printing the second.
const stockPipeExit = `#!/bin/sh
cat >/dev/null
echo "$2"
exit $1
`

type stockPipe struct {
	*stockSetup
	out, script string
	pu          stockUser
}

func newStockPipe(t *testing.T) *stockPipe {
	requireStockRoot(t)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("pipe-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_")))
	os.RemoveAll(dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(out, "wd"), 0o777)
	for _, d := range []string{dir, out, filepath.Join(out, "wd")} {
		os.Chmod(d, 0o777)
	}
	script, exit := filepath.Join(dir, "record"), filepath.Join(dir, "exit")
	stockWriteFile(t, script, stockPipeScript, 0o755)
	stockWriteFile(t, exit, stockPipeExit, 0o755)
	pu := stockAddUser(t, "p")
	svc := func(name, attrs string) string {
		return fmt.Sprintf("%s unix - n n - - pipe\n  %s user=%s argv=%s %s/%s", name, attrs, pu.name, script, out, name)
	}
	all := "${sender} ${recipient} ${original_recipient} ${nexthop} ${user} ${extension} ${mailbox} ${domain} " +
		"${size} ${client_address} ${client_helo} ${queue_id} $$literal"
	master := strings.Join([]string{
		"", svc("pnone", "") + " " + all, svc("pF", "flags=F"), svc("pR", "flags=R"), svc("pD", "flags=D"),
		svc("pX", "flags=X"), svc("pB", "flags=B"), svc("pO", "flags=O"), svc("ph", "flags=h") + " ${nexthop} ${recipient} ${domain}",
		svc("pq", "flags=q") + " ${sender} ${recipient}", svc("pu", "flags=u") + " ${recipient} ${user}",
		svc("pgt", "flags=>"), svc("pdot", "flags=."), svc("peol", `flags=R eol=\r\n`),
		svc("pnull", "flags=F null_sender=bounce-owner") + " ${sender}", svc("psize", "size=10"),
		svc("pdir", "directory="+out+"/wd"),
		fmt.Sprintf("p67 unix - n n - - pipe\n  user=%s argv=%s 67 oops", pu.name, exit),
		fmt.Sprintf("p75 unix - n n - - pipe\n  user=%s argv=%s 75 later", pu.name, exit),
	}, "\n") + "\n"
	transport := filepath.Join(dir, "transport")
	var routes []string
	for _, n := range []string{"pnone", "pF", "pR", "pD", "pX", "pB", "pO", "pq", "pu", "pgt", "pdot", "peol", "pnull", "psize", "pdir", "p67", "p75"} {
		routes = append(routes, strings.ToLower(n)+".test "+n+":")
	}
	routes = append(routes, "ph.test ph:Next.HOP.test")
	stockWriteFile(t, transport, strings.Join(routes, "\n")+"\n", 0o644)
	s := &stockPipe{out: out, script: script, pu: pu}
	s.stockSetup = prepareStockSetup(t, master, "transport_maps = hash:"+transport, "recipient_delimiter = +",
		"pD_destination_recipient_limit = 1", "pO_destination_recipient_limit = 1", "minimal_backoff_time = 1h", "queue_run_delay = 1h")
	stockPostmap(t, s.inst, "postmap", "hash:"+transport)
	s.inst.Start(t)
	return s
}

// result waits for a transport's output file.
func (s *stockPipe) result(t *testing.T, name string) string {
	t.Helper()
	var data []byte
	harness.Eventually(t, "output of "+name, func() bool {
		var err error
		data, err = os.ReadFile(filepath.Join(s.out, name))
		return err == nil
	})
	return string(data)
}

func (s *stockPipe) sent(t *testing.T, transport, rcpt string) {
	t.Helper()
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: [0-9A-F]+: to=<`+stockQuote(rcpt)+`>, (orig_to=<[^>]*>, )?relay=`+transport+
		`, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(delivered via `+transport+` service\)`)
}

func TestStockPipe(t *testing.T) {
	t.Parallel()
	s := newStockPipe(t)
	from := s.user.name + "@mx.example.test"
	body := "Subject: pipe test\n\nFrom the start\n.dot line\nlast line\n"
	rcpts := []string{"Joe+Ext@pnone.test", "a@pf.test", "b@pr.test", "c@pd.test", "Joe@PH.Test",
		`"J Doe"@pq.test`, "Joe.Upper@PU.test", "g@pgt.test", "d@pdot.test", "e@peol.test", "big@psize.test",
		"w@pdir.test", "x@p67.test", "y@p75.test", "bl@pb.test", "o@po.test"}
	id := stockSMTP(t, s.inst, from, rcpts, body)
	sent := map[string]string{"pnone": "Joe+Ext@pnone.test", "pF": "a@pf.test", "pR": "b@pr.test", "pD": "c@pd.test",
		"ph": "Joe@PH.Test", "pq": `"J Doe"@pq.test`, "pu": "Joe.Upper@PU.test", "pgt": "g@pgt.test",
		"pdot": "d@pdot.test", "peol": "e@peol.test", "pdir": "w@pdir.test", "pB": "bl@pb.test", "pO": "o@po.test"}
	for tr, rc := range sent {
		if tr == "pq" {
			rc = "J Doe@pq.test" // logged in internal form
		}
		s.sent(t, tr, rc)
	}
	ident := fmt.Sprintf("id=%d:%d cwd=%s\n", s.pu.uid, s.pu.gid, s.inst.QueueDir)
	msg := "Received: "
	check := func(name, want string) {
		t.Helper()
		if got := s.result(t, name); !strings.HasPrefix(got, want) {
			t.Errorf("%s:\n%s\nwant prefix\n%s", name, got, want)
		}
	}
	size := regexp.MustCompile(`arg=\[(\d+)\]`).FindStringSubmatch(s.result(t, "pnone"))
	if size == nil {
		t.Fatalf("pnone: no size argument")
	}
	check("pnone", ident+"arg=["+from+"]\narg=[Joe+Ext@pnone.test]\narg=[Joe+Ext@pnone.test]\narg=[pnone.test]\n"+
		"arg=[Joe]\narg=[Ext]\narg=[Joe+Ext]\narg=[pnone.test]\narg=["+size[1]+"]\narg=[127.0.0.1]\n"+
		"arg=[client.example.test]\narg=["+id+"]\narg=[$literal]\n--\n"+msg)
	check("pF", ident+"--\nFrom "+from+"  ")
	check("pR", ident+"--\nReturn-Path: <"+from+">\n"+msg)
	check("pD", ident+"--\nDelivered-To: c@pd.test\n"+msg)
	check("pO", ident+"--\nX-Original-To: o@po.test\n"+msg)
	check("ph", ident+"arg=[next.hop.test]\narg=[Joe@ph.test]\narg=[ph.test]\n--\n"+msg)
	check("pq", ident+"arg=["+from+"]\narg=[\"J Doe\"@pq.test]\n--\n"+msg)
	check("pu", ident+"arg=[joe.upper@PU.test]\narg=[joe.upper]\n--\n"+msg)
	check("pdir", fmt.Sprintf("id=%d:%d cwd=%s/wd\n--\n", s.pu.uid, s.pu.gid, s.out))
	for name, want := range map[string]string{
		"pnone": "\n\nFrom the start\n.dot line\nlast line\n", "pgt": "\n\n>From the start\n.dot line\nlast line\n",
		"pdot": "\n\nFrom the start\n..dot line\nlast line\n", "pB": "\nlast line\n\n",
		"peol": "\r\n\r\nFrom the start\r\n.dot line\r\nlast line\r\n"} {
		if got := s.result(t, name); !strings.HasSuffix(got, want) {
			t.Errorf("%s body:\n%q\nwant suffix %q", name, got, want)
		}
	}
	if got := s.result(t, "peol"); !strings.Contains(got, "--\nReturn-Path: <"+from+">\r\nReceived: ") {
		t.Errorf("peol prefix line: %q", got)
	}
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+id+`: to=<big@psize\.test>, relay=psize, .*dsn=5\.2\.3, status=bounced \(message too large\)`)
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+id+`: to=<x@p67\.test>, relay=p67, .*dsn=5\.1\.1, status=bounced \(user unknown\. Command output: oops \)`)
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+id+`: to=<y@p75\.test>, relay=p75, .*dsn=4\.3\.0, status=deferred \(temporary failure\. Command output: later \)`)
	s.stockPipeMore(t, from)
}

// stockPipeMore: the null sender, the D flag's loop check, and the X
// flag in success notices.
func (s *stockPipe) stockPipeMore(t *testing.T, from string) {
	t.Helper()
	stockSMTP(t, s.inst, "", []string{"n@pnull.test"}, "Subject: null\n\nx\n")
	if got := s.result(t, "pnull"); !strings.Contains(got, "arg=[bounce-owner]\n--\nFrom bounce-owner  ") {
		t.Errorf("pnull: %q", got)
	}
	loop := stockSMTP(t, s.inst, from, []string{"c@pd.test"}, "Delivered-To: C@PD.test\nSubject: loop\n\nx\n")
	s.inst.WaitLog(t, `postfix/pipe\[\d+\]: `+loop+`: to=<c@pd\.test>, relay=pD, .*dsn=5\.4\.6, status=bounced \(mail forwarding loop for c@pd\.test\)`)
	stockSMTP(t, s.inst, from, []string{"r@pnone.test|NOTIFY=SUCCESS"}, "Subject: relayed\n\nx\n")
	stockSMTP(t, s.inst, from, []string{"f@px.test|NOTIFY=SUCCESS"}, "Subject: final\n\nx\n")
	mbox := filepath.Join(s.spool, s.user.name)
	var text string
	harness.Eventually(t, "two success notices in "+mbox, func() bool {
		data, _ := os.ReadFile(mbox)
		text = string(data)
		return strings.Contains(text, "Final-Recipient: rfc822; r@pnone.test\n") &&
			strings.Contains(text, "Final-Recipient: rfc822; f@px.test\n")
	})
	for rcpt, action := range map[string]string{"r@pnone.test": "relayed", "f@px.test": "delivered"} {
		re := regexp.MustCompile(`Final-Recipient: rfc822; ` + regexp.QuoteMeta(rcpt) + `\nOriginal-Recipient: [^\n]*\nAction: (\w+)`)
		if m := re.FindStringSubmatch(text); m == nil || m[1] != action {
			t.Errorf("success notice for %s: %v, want Action: %s\n%s", rcpt, m, action, text)
		}
	}
	s.inst.Stop(t)
	if bad := stockBadLogLines(s.inst.Log()); len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}
