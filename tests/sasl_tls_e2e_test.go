package tests

// SASL and TLS under the real master: the stock master.cf with its
// submission (587, STARTTLS required) and submissions (465, wrapper
// mode) entries enabled word for word, smtpd_sasl_type = dovecot with
// smtpd_sasl_path = private/auth (relative to the queue directory, as
// the daemons run there) answered by a private Dovecot, and a relayhost
// (smtp-sink) behind. swaks is the client.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/sasl/dovecottest"
	"github.com/postern/postern/pkg/tlsconf/tlstest"
	"github.com/postern/postern/tests/harness"
)

// submissionMasterCF enables the commented-out submission and
// submissions entries of etc/master.cf on test ports.
func submissionMasterCF(t *testing.T) string {
	t.Helper()
	text := e2eMasterCF(t, "local", "virtual")
	for _, name := range []string{"submissions", "submission"} {
		entry := regexp.MustCompile(`(?m)^#` + name + `(\s+inet\s.*)\n((?:#  -o .*\n)*)`)
		text = entry.ReplaceAllStringFunc(text, func(block string) string {
			block = strings.ReplaceAll(block, "\n#  -o", "\n  -o")
			return "127.0.0.1:{port:" + name + "}" + strings.TrimPrefix(block[1:], name)
		})
	}
	return text
}

// startSubmissionServer starts the instance; Dovecot's socket is linked
// into $queue_directory/private/auth.
func startSubmissionServer(t *testing.T) (*harness.Instance, *e2eSink) {
	t.Helper()
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Skip("swaks not installed")
	}
	dc := dovecottest.Start(t, map[string]string{"alice": "wonderland"})
	sink := startE2ESink(t, 0)
	leaf := tlstest.NewCA(t).Issue(t, 2048, "mx.example.test")
	inst := harness.New(t, []string{
		"relayhost = [127.0.0.1]:" + sink.port(), "mydestination =", "mynetworks = 192.0.2.0/24",
		"local_transport = error:local delivery is disabled",
		"smtpd_tls_cert_file = " + leaf.CertFile, "smtpd_tls_key_file = " + leaf.KeyFile,
		"smtpd_tls_security_level = may", "smtpd_tls_loglevel = 1",
		"smtpd_sasl_type = dovecot", "smtpd_sasl_path = private/auth",
	}, submissionMasterCF(t))
	inst.Start(t)
	private := filepath.Join(inst.QueueDir, "private")
	os.MkdirAll(private, 0o700)
	if err := os.Symlink(dc.Socket, filepath.Join(private, "auth")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"smtp", "submission", "submissions"} {
		inst.WaitListen(t, s)
	}
	return inst, sink
}

// swaksTo runs swaks against a service; failures are returned, not fatal.
func swaksTo(t *testing.T, inst *harness.Instance, service string, args ...string) (string, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(inst.Addr(t, service))
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	all := append([]string{"--server", host, "--port", port, "--timeout", "30", "--helo", "client.example",
		"--from", "alice@example.test", "--to", "bob@remote.example"}, args...)
	out, err := exec.CommandContext(ctx, "swaks", all...).CombinedOutput()
	return string(out), err
}

func TestE2ESubmissionServices(t *testing.T) {
	t.Parallel()
	inst, sink := startSubmissionServer(t)
	auth := []string{"--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "wonderland"}

	// submissions: TLS from the first byte, then AUTH, then relay.
	out, err := swaksTo(t, inst, "submissions", append([]string{"--tlsc"}, auth...)...)
	if err != nil {
		t.Fatalf("submissions: %v\n%s\n%s", err, out, inst.Log())
	}
	inst.WaitLog(t, `postfix/submissions/smtpd\[\d+\]: Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher`)
	inst.WaitLog(t, `postfix/submissions/smtpd\[\d+\]: [0-9A-F]+: client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice`)
	sink.waitMessages(t, 1)

	// submission: no AUTH offered and no mail before STARTTLS; then
	// AUTH and relay.
	out, err = swaksTo(t, inst, "submission")
	if err == nil || !strings.Contains(out, "530 5.7.0 Must issue a STARTTLS command first") ||
		strings.Contains(out, "250-AUTH") {
		t.Errorf("submission without TLS: %v\n%s", err, out)
	}
	out, err = swaksTo(t, inst, "submission", append([]string{"--tls"}, auth...)...)
	if err != nil {
		t.Fatalf("submission with STARTTLS: %v\n%s\n%s", err, out, inst.Log())
	}
	sink.waitMessages(t, 2)

	// smtp: no AUTH (smtpd_sasl_auth_enable = no in main.cf), no relay.
	out, err = swaksTo(t, inst, "smtp", "--tls")
	if err == nil || !strings.Contains(out, "454 4.7.1 <bob@remote.example>: Relay access denied") {
		t.Errorf("smtp relay: %v\n%s", err, out)
	}
	// submissions with a wrong password.
	out, err = swaksTo(t, inst, "submissions", "--tlsc", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "queen")
	if err == nil || !strings.Contains(out, "535 5.7.8 Error: authentication failed: (reason unavailable)") {
		t.Errorf("wrong password: %v\n%s", err, out)
	}
	inst.WaitLog(t, `postfix/submissions/smtpd\[\d+\]: warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed: \(reason unavailable\), sasl_username=alice`)
}
