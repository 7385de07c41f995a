package tests

// End to end through the null client of STANDARD_CONFIGURATION_README
// ("Postfix on a null client") and Red Hat's guide, word for word: swaks
// submits over SMTP, Postern relays everything to the relayhost, which
// is Postfix's smtp-sink dumping each message to a file.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// e2eNullClient is main.cf of the null client, relaying to the sink.
func e2eNullClient(sinkPort string) []string {
	return []string{
		"myhostname = client.example.com",
		"myorigin = $mydomain",
		"relayhost = [127.0.0.1]:" + sinkPort,
		"inet_interfaces = loopback-only",
		"mydestination =",
		"local_transport = error:local delivery is disabled",
	}
}

// startNullClient starts a null client in front of sink, with the stock
// master.cf minus the local delivery agent (as the README says) and
// virtual (a null client has no virtual domains).
func startNullClient(t *testing.T, sink *e2eSink, mainCF ...string) *harness.Instance {
	t.Helper()
	inst := harness.New(t, append(e2eNullClient(sink.port()), mainCF...), e2eMasterCF(t, "local", "virtual"))
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	return inst
}

func TestE2ENullClientRelay(t *testing.T) {
	t.Parallel()
	sink := startE2ESink(t, 0)
	inst := startNullClient(t, sink)
	// An unqualified sender and a message without From:, Date: and
	// Message-ID:: the null client qualifies the address with $myorigin
	// and adds the headers, since 127.0.0.1 matches
	// local_header_rewrite_clients (permit_inet_interfaces).
	tr := e2eSwaks(t, inst, "--ehlo", "workstation.example.com", "--from", "alice", "--to", "bob@example.net",
		"--data", "Subject: null client\nX-E2E-Id: relay-1\n\nhello through the null client\n")
	id := e2eQueuedAs(t, tr)

	msgs := sink.waitMessages(t, 1)
	msg := msgs[0]
	for _, want := range []string{
		"X-Mail-Args: <alice@example.com>",
		"X-Rcpt-Args: <bob@example.net>",
		"X-Helo-Args: client.example.com",
		"Subject: null client",
		"X-E2E-Id: relay-1",
		"hello through the null client",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the relayed message lacks %q:\n%s", want, msg)
		}
	}
	// smtp-sink prepends its own Received:; Postern's is the second.
	checkHeader(t, msg, "Received", `^from workstation\.example\.com \(localhost \[127\.0\.0\.1\]\) by client\.example\.com \(Postfix\) with ESMTP id `+id+` for <bob@example\.net>; \w{3}, [ 0-9]\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4} \(\w+\)$`)
	checkHeader(t, msg, "Message-Id", `^<\d{14}\.`+id+`@client\.example\.com>$`)
	checkHeader(t, msg, "Date", `^\w{3}, [ 0-9]\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4} \(\w+\)$`)
	checkHeader(t, msg, "From", `^alice@example\.com$`)

	inst.WaitLog(t, `postfix/smtpd\[\d+\]: `+id+`: client=localhost\[127\.0\.0\.1\]$`)
	// XXX: cleanup runs in smtpd's process, so Postern tags this line
	// postfix/smtpd where Postfix writes postfix/cleanup
	// (docs/compatibility.md).
	inst.WaitLog(t, `postfix/(cleanup|smtpd)\[\d+\]: `+id+`: message-id=<\d{14}\.`+id+`@client\.example\.com>$`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: from=<alice@example\.com>, size=\d+, nrcpt=1 \(queue active\)$`)
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+id+`: to=<bob@example\.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:`+sink.port()+
		`, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok\)$`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed$`)
	e2eQueueEmpty(t, inst)
}

// checkHeader fails the test unless some header name of msg matches re.
func checkHeader(t *testing.T, msg, name, re string) {
	t.Helper()
	got := e2eHeaders(msg, name)
	for _, h := range got {
		if regexp.MustCompile(re).MatchString(h) {
			return
		}
	}
	t.Errorf("%s: %q does not match %s\nmessage:\n%s", name, got, re, msg)
}
