package smtpd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/verify"
)

// reject_unverified_sender and reject_unverified_recipient compared
// with the real Postfix. Both smtpds ask the real Postfix's verify(8)
// daemon (Postern's through pkg/verify's client), so they see the same
// cache. The probes go through the real Postfix: relay.test to the
// discard transport (deliverable), err.test to the error transport
// (bounced), rty.test to the retry transport (deferred), and
// slow.relay.test to an LMTP server that never answers (the probe stays
// in progress). The cache is filled before the sessions run.

var verifyVariants = []oracleVariant{
	{"verify", map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient",
		"address_verify_poll_count": "1"}},
	{"verify-codes", map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient, permit",
		"unverified_recipient_reject_code": "550", "unverified_recipient_defer_code": "451",
		"address_verify_poll_count": "2", "address_verify_poll_delay": "1s"}},
	{"verify-reason", map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient",
		"unverified_recipient_reject_code": "554", "unverified_recipient_reject_reason": "Address lookup failed",
		"address_verify_poll_count": "1"}},
	{"verify-dip", map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient, reject",
		"address_verify_poll_count": "1"}},
	{"verify-defer", map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient, reject",
		"unverified_recipient_tempfail_action": "defer", "address_verify_poll_count": "1"}},
	{"verify-sender", map[string]string{"smtpd_sender_restrictions": "reject_unverified_sender",
		"unverified_sender_reject_code": "550", "address_verify_poll_count": "1"}},
	{"verify-warn", map[string]string{"smtpd_recipient_restrictions": "warn_if_reject reject_unverified_recipient",
		"unverified_recipient_reject_code": "550", "address_verify_poll_count": "1"}},
}

var verifyRcpts = []string{"u@relay.test", "u@err.test", "u@rty.test", "u@slow.relay.test"}

func verifyRcptScript(name, variant string) rscript {
	lines := []string{"EHLO c.test", "MAIL FROM:<a@b.test>"}
	for _, r := range verifyRcpts {
		lines = append(lines, "RCPT TO:<"+r+">")
	}
	return sess(name, variant, lines...)
}

var verifyScripts = []rscript{
	verifyRcptScript("verify recipients", "verify"),
	verifyRcptScript("verify codes", "verify-codes"),
	verifyRcptScript("verify reject reason", "verify-reason"),
	verifyRcptScript("verify defer_if_permit", "verify-dip"),
	verifyRcptScript("verify tempfail defer", "verify-defer"),
	verifyRcptScript("verify warn_if_reject", "verify-warn"),
	sess("verify senders", "verify-sender", "EHLO c.test", "MAIL FROM:<s@relay.test>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<s@err.test>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<s@rty.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<s@slow.relay.test>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<>", "RCPT TO:<user@example.com>"),
}

func TestCompareVerifyWithPostfix(t *testing.T) {
	requireOracle(t)
	client := func(env *restrictionEnv) *verify.Client {
		return &verify.Client{Path: filepath.Join(env.dir, "postfix", "queue", "private", "verify"), Timeout: 10 * time.Second}
	}
	env := newRestrictionEnv(t, verifyVariants, nil, func(env *restrictionEnv, d *Deps) { d.Verify = client(env) })
	startBlackhole(t, filepath.Join(env.dir, "postfix", "queue", "private", "blackhole"))
	c := client(env)
	defer c.Close()
	for _, local := range []string{"u", "s"} {
		for _, r := range verifyRcpts {
			fillVerifyCache(t, c, local+r[1:])
		}
	}
	for _, sc := range verifyScripts {
		t.Run(sc.name, func(t *testing.T) { env.compare(t, sc) })
	}
}

// fillVerifyCache asks the verify service about addr until its probe
// has finished; an address of slow.relay.test is asked once, which
// starts a probe that never finishes.
func fillVerifyCache(t *testing.T, c *verify.Client, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := c.Query(addr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != verify.RcptTodo {
			return
		}
		if strings.HasSuffix(addr, "@slow.relay.test") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the probe of %s did not finish", addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startBlackhole accepts connections on a UNIX socket and never answers.
func startBlackhole(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o777) // the LMTP client runs as the postfix user
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
}
