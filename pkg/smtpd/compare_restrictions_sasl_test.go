package smtpd

import (
	"testing"

	"github.com/postern/postern/pkg/sasl/dovecottest"
)

// The sender login checks and check_sasl_access compared with the real
// Postfix: both authenticate through the same private Dovecot.

var loginVariants = []oracleVariant{
	{"login", saslSettings(map[string]string{"smtpd_sender_login_maps": "texthash:DIR/logins",
		"smtpd_sender_restrictions": "reject_sender_login_mismatch"})},
	{"login-empty", saslSettings(map[string]string{
		"smtpd_sender_restrictions": "reject_authenticated_sender_login_mismatch"})},
	{"login-known", saslSettings(map[string]string{"smtpd_sender_login_maps": "texthash:DIR/logins",
		"smtpd_sender_restrictions": "reject_known_sender_login_mismatch"})},
	{"sasl-access", saslSettings(map[string]string{
		"smtpd_client_restrictions": "check_sasl_access texthash:DIR/saslaccess"})},
	{"login-nosasl", map[string]string{"smtpd_sender_restrictions": "reject_sender_login_mismatch, check_sasl_access texthash:DIR/saslaccess"}},
}

func saslSettings(m map[string]string) map[string]string {
	m["smtpd_sasl_auth_enable"], m["smtpd_sasl_type"], m["smtpd_sasl_path"] = "yes", "dovecot", "SASLSOCK"
	return m
}

func init() {
	restrictionTables["logins"] = "alice@example.com alice\nshared@example.com bob, alice\nbob@example.com bob\n"
	restrictionTables["saslaccess"] = "bob REJECT no bob here\nalice WARN alice is here\n"
}

// authAlice logs in as alice.
var authAlice = "AUTH PLAIN " + authB64("\x00alice\x00wonderland")

var loginScripts = []rscript{
	sess("login as owner", "login", "EHLO c.test", authAlice, "MAIL FROM:<alice@example.com>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<shared@example.com>", "RCPT TO:<user@example.com>", "RSET",
		"MAIL FROM:<bob@example.com>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<unlisted@example.com>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<>", "RCPT TO:<user@example.com>"),
	sess("login not logged in", "login", "EHLO c.test", "MAIL FROM:<alice@example.com>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<unlisted@example.com>", "RCPT TO:<user@example.com>"),
	sess("login empty map", "login-empty", "EHLO c.test", authAlice, "MAIL FROM:<alice@example.com>",
		"RCPT TO:<user@example.com>"),
	sess("login known", "login-known", "EHLO c.test", authAlice, "MAIL FROM:<unlisted@example.com>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<bob@example.com>", "RCPT TO:<user@example.com>"),
	sess("check_sasl_access", "sasl-access", "EHLO c.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>",
		"RSET", authAlice, "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>"),
	sess("login without SASL", "login-nosasl", "EHLO c.test", "MAIL FROM:<alice@example.com>",
		"RCPT TO:<user@example.com>"),
}

func TestCompareLoginChecksWithPostfix(t *testing.T) {
	requireOracle(t)
	dc := dovecottest.Start(t, authUsers)
	env := newRestrictionEnv(t, loginVariants, map[string]string{"SASLSOCK": dc.Socket})
	for _, sc := range loginScripts {
		t.Run(sc.name, func(t *testing.T) { env.compare(t, sc) })
	}
}
