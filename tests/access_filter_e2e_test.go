package tests

// access(5) FILTER and REDIRECT through a whole instance: smtpd records
// the action in the queue file (from the sender restrictions and from
// the end-of-data restrictions), qmgr acts on it. The null client of
// e2e_relay_test.go relays to one smtp-sink; the filter is another. The
// same scenario runs through the real Postfix, and the log lines of each
// message and what each sink received must be the same.

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// accessFilterTables are the access tables of the scenario; PORT is the
// filter's port.
var accessFilterTables = map[string]string{
	"access": "filter@example.org FILTER smtp:[127.0.0.1]:PORT\nredirect@example.org REDIRECT judge@example.com\n",
	"eod":    "eod@example.net FILTER smtp:[127.0.0.1]:PORT\n",
}

// accessFilterMainCF reads the tables from dir.
func accessFilterMainCF(dir string) []string {
	return []string{
		"smtpd_sender_restrictions = check_sender_access texthash:" + dir + "/access",
		"smtpd_end_of_data_restrictions = check_recipient_access texthash:" + dir + "/eod",
	}
}

// accessFilterMessages are the scenario's messages: FILTER from the
// sender restrictions, FILTER from the end-of-data restrictions, and
// REDIRECT of a message with two recipients.
var accessFilterMessages = [][]string{
	{"--from", "filter@example.org", "--to", "bob@example.net", "--data", "Subject: filtered\n\nfilter me\n"},
	{"--from", "alice@example.org", "--to", "eod@example.net", "--data", "Subject: at the end\n\nfilter me too\n"},
	{"--from", "redirect@example.org", "--to", "zed@b.example,bob@a.example", "--data", "Subject: redirected\n\nredirect me\n"},
}

// accessFilterResult is what one MTA did with the scenario: per message,
// its masked log lines (sorted) and the recipients each sink received.
type accessFilterResult struct {
	logs             [][]string
	filtered, relays []string
}

// writeAccessTables writes the tables for a filter on port to a new
// directory that every user can read, and returns it.
func writeAccessTables(t *testing.T, port string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "postern-access-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	for name, text := range accessFilterTables {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(text, "PORT", port)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestE2EAccessFilterAndRedirect(t *testing.T) {
	t.Parallel()
	relay, filter := startE2ESink(t, 0), startE2ESink(t, 0)
	tables := writeAccessTables(t, filter.port())
	inst := harness.New(t, append(e2eNullClient(relay.port()), accessFilterMainCF(tables)...), e2eMasterCF(t, "local", "virtual"))
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	var ids []string
	for _, m := range accessFilterMessages {
		id := e2eQueuedAs(t, e2eSwaks(t, inst, m...))
		inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed$`)
		ids = append(ids, id)
	}
	sent := `, relay=127\.0\.0\.1\[127\.0\.0\.1\]:%s, .*status=sent `
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+ids[0]+`: to=<bob@example\.net>`+strings.Replace(sent, "%s", filter.port(), 1))
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+ids[1]+`: to=<eod@example\.net>`+strings.Replace(sent, "%s", filter.port(), 1))
	// REDIRECT: one delivery, to the redirect address, logged with the
	// first recipient (by domain) as orig_to; the DSN original
	// recipient stays.
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+ids[2]+`: to=<judge@example\.com>, orig_to=<bob@a\.example>`+
		strings.Replace(sent, "%s", relay.port(), 1))
	if got := sinkRecipients(t, filter); !slices.Equal(got, []string{"<bob@example.net> ORCPT=rfc822;bob@example.net", "<eod@example.net> ORCPT=rfc822;eod@example.net"}) {
		t.Errorf("the filter got %q", got)
	}
	if got := sinkRecipients(t, relay); !slices.Equal(got, []string{"<judge@example.com> ORCPT=rfc822;bob@a.example"}) {
		t.Errorf("the relay got %q", got)
	}
	e2eQueueEmpty(t, inst)
}

// TestE2EAccessFilterMatchesPostfix runs the scenario through the real
// Postfix and Postern and compares.
func TestE2EAccessFilterMatchesPostfix(t *testing.T) {
	t.Parallel()
	var got [2]accessFilterResult
	for i, name := range []string{"postfix", "postern"} {
		relay, filter := startE2ESink(t, 0), startE2ESink(t, 0)
		mainCF := append(e2eNullClient(relay.port()), accessFilterMainCF(writeAccessTables(t, filter.port()))...)
		var send func(m []string) string
		var log func() string
		if name == "postfix" {
			pf := startE2EPostfix(t, mainCF, e2eMasterCF(t, "local", "virtual"))
			send = func(m []string) string { return e2eQueuedAs(t, e2eSwaksTo(t, pf.smtpPort, m...)) }
			log = pf.log
		} else {
			inst := harness.New(t, mainCF, e2eMasterCF(t, "local", "virtual"))
			inst.Start(t)
			inst.WaitListen(t, "smtp")
			send = func(m []string) string { return e2eQueuedAs(t, e2eSwaks(t, inst, m...)) }
			log = inst.Log
		}
		for _, m := range accessFilterMessages {
			id := send(m)
			harness.Eventually(t, name+" removes "+id, func() bool { return strings.Contains(log(), id+": removed") })
			lines := e2eTransaction(log(), id)
			for j := range lines {
				// XXX: cleanup runs inside smtpd (docs/compatibility.md).
				lines[j] = strings.Replace(lines[j], "postfix/cleanup[PID]", "postfix/smtpd[PID]", 1)
				lines[j] = strings.ReplaceAll(lines[j], filter.port(), "FILTERPORT")
				lines[j] = regexp.MustCompile(`size=\d+`).ReplaceAllString(lines[j], "size=N")
			}
			slices.Sort(lines)
			got[i].logs = append(got[i].logs, lines)
		}
		got[i].filtered, got[i].relays = sinkRecipients(t, filter), sinkRecipients(t, relay)
	}
	for j := range accessFilterMessages {
		if a, b := strings.Join(got[0].logs[j], "\n"), strings.Join(got[1].logs[j], "\n"); a != b {
			t.Errorf("message %d: log lines differ\nPostfix:\n%s\nPostern:\n%s", j, a, b)
		}
	}
	if !slices.Equal(got[0].filtered, got[1].filtered) || !slices.Equal(got[0].relays, got[1].relays) {
		t.Errorf("sinks differ: Postfix filter %q relay %q, Postern filter %q relay %q",
			got[0].filtered, got[0].relays, got[1].filtered, got[1].relays)
	}
}

// sinkRecipients returns the RCPT arguments of every message at a sink,
// sorted.
func sinkRecipients(t *testing.T, s *e2eSink) []string {
	t.Helper()
	var out []string
	for _, m := range s.messages(t) {
		for _, l := range regexp.MustCompile(`(?m)^X-Rcpt-Args: (.*)$`).FindAllStringSubmatch(m, -1) {
			out = append(out, l[1])
		}
	}
	slices.Sort(out)
	return out
}

// The after-queue content filter of FILTER_README: content_filter in
// main.cf sends every message to the filter; here the "filter" is the
// re-injection smtpd itself (master.cf -o content_filter= turns the
// filter off for it), which queues the message again, and the second
// copy goes to the relayhost.
func TestE2EContentFilterParameter(t *testing.T) {
	t.Parallel()
	relay := startE2ESink(t, 0)
	master := e2eMasterCF(t, "local", "virtual") +
		"127.0.0.1:{port:reinject} inet n - n - - smtpd -o content_filter=\n"
	inst := harness.New(t, append(e2eNullClient(relay.port()), "content_filter = smtp:[127.0.0.1]:{port:reinject}"), master)
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	id := e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "alice@example.org", "--to", "bob@example.net",
		"--data", "Subject: through the filter\n\nfiltered once\n"))
	port := strconv.Itoa(inst.Ports["reinject"])
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+id+`: to=<bob@example\.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:`+port+
		`, .*status=sent \(250 2\.0\.0 Ok: queued as \w+\)$`)
	m := regexp.MustCompile(id + `: to=<bob@example\.net>, .*queued as (\w+)\)`).FindStringSubmatch(inst.Log())
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+m[1]+`: to=<bob@example\.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:`+
		relay.port()+`, .*status=sent `)
	if got := sinkRecipients(t, relay); len(got) != 1 || !strings.HasPrefix(got[0], "<bob@example.net>") {
		t.Errorf("the relay got %q", got)
	}
	e2eQueueEmpty(t, inst)
}
