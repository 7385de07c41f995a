package smtpd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/flush"
)

// check_policy_service compared with the real Postfix: both smtpds ask
// one policy server started by the test (restrictions_policy_test.go),
// which records every request. Replies and smtpd log lines must be
// equal, and so must the requests, attribute by attribute, except what
// differs between two servers and two runs: client and server ports,
// the queue ID and the instance (only its sequence number is
// compared).

var policyVariants = []oracleVariant{
	{"policy", map[string]string{"smtpd_recipient_restrictions": "check_policy_service POLICY, permit"}},
	{"policy-stages", map[string]string{"smtpd_delay_reject": "no",
		"smtpd_client_restrictions":           "check_policy_service POLICY",
		"smtpd_helo_restrictions":             "check_policy_service POLICY",
		"smtpd_sender_restrictions":           "check_policy_service POLICY",
		"smtpd_data_restrictions":             "check_policy_service POLICY",
		"smtpd_end_of_data_restrictions":      "check_policy_service POLICY",
		"smtpd_etrn_restrictions":             "check_policy_service POLICY",
		"smtpd_policy_service_policy_context": "stages"}},
	{"policy-dead", map[string]string{
		"smtpd_sender_restrictions":    "check_policy_service { DEAD, try_limit=1, default_action=DUNNO }",
		"smtpd_recipient_restrictions": "check_policy_service DEAD, permit"}},
	{"policy-default", map[string]string{
		"smtpd_recipient_restrictions":        "check_policy_service POLICY, permit",
		"smtpd_policy_service_default_action": "DEFER_IF_PERMIT policy trouble"}},
}

func policyRcpts(rcpts ...string) []string {
	lines := []string{"EHLO c.test", "MAIL FROM:<a@b.test> SIZE=100"}
	for _, r := range rcpts {
		lines = append(lines, "RCPT TO:<"+r+">")
	}
	return lines
}

var policyScripts = []rscript{
	sess("policy actions", "policy", policyRcpts("ok@relay.test", "reject@relay.test", "code@relay.test",
		"defer@relay.test", "dunno@relay.test", "restr@other.test", "warn@relay.test", "hold@relay.test",
		"filter@relay.test", "missing@relay.test", "utf8bad@relay.test")...),
	sess("policy prepend and data", "policy", append(policyRcpts("prepend@relay.test", "dunno@relay.test"),
		"DATA", "Subject: x\r\n\r\nbody\r\n.")...),
	sess("policy every stage", "policy-stages", "EHLO c.test", "ETRN relay.test", "MAIL FROM:<a@b.test> SIZE=100",
		"RCPT TO:<u@relay.test>", "RCPT TO:<v@relay.test>", "DATA", "Subject: x\r\n\r\nbody line\r\n.",
		"MAIL FROM:<reject@b.test>", "RSET", "HELO c.test", "MAIL FROM:<>", "RCPT TO:<u@relay.test>", "DATA",
		"x\r\n."),
	sess("policy server down", "policy-dead", "EHLO c.test", "MAIL FROM:<a@b.test>", "RCPT TO:<u@relay.test>"),
	sess("policy default action", "policy-default", policyRcpts("missing@relay.test", "close@relay.test")...),
}

func TestComparePolicyWithPostfix(t *testing.T) {
	requireOracle(t)
	ps := startPolicyServer(t, "tcp", "127.0.0.1:0")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	env := newRestrictionEnv(t, policyVariants, map[string]string{"POLICY": ps.endpoint(), "DEAD": "inet:" + deadAddr},
		func(_ *restrictionEnv, d *Deps) { d.Flush = flushOK{} })
	for _, sc := range policyScripts {
		t.Run(sc.name, func(t *testing.T) {
			before := len(ps.requests())
			env.compare(t, sc)
			comparePolicyRequests(t, ps.requests()[before:], env.ports[sc.variant])
		})
	}
}

// comparePolicyRequests splits the requests of one script into
// Postfix's (to oraclePort) and Postern's, and compares them.
func comparePolicyRequests(t *testing.T, reqs [][][2]string, oraclePort int) {
	var pf, pn [][][2]string
	for _, r := range reqs {
		if get(r, "server_port") == strconv.Itoa(oraclePort) {
			pf = append(pf, r)
		} else {
			pn = append(pn, r)
		}
	}
	if len(pf) != len(pn) {
		t.Errorf("%d requests from Postfix, %d from Postern", len(pf), len(pn))
	}
	for i := 0; i < min(len(pf), len(pn)); i++ {
		a, b := maskPolicyRequest(pf[i]), maskPolicyRequest(pn[i])
		if a != b {
			t.Errorf("request %d differs:\n postfix: %s\n postern: %s", i, a, b)
		}
	}
}

func maskPolicyRequest(r [][2]string) string {
	var out []string
	for _, a := range r {
		v := a[1]
		switch a[0] {
		case "client_port", "server_port":
			v = "PORT"
		case "queue_id":
			if v != "" {
				v = "QID"
			}
		case "instance":
			if i := strings.LastIndexByte(v, '.'); i >= 0 {
				v = "INSTANCE" + v[i:]
			}
		}
		out = append(out, fmt.Sprintf("%s=%s", a[0], v))
	}
	return strings.Join(out, " ")
}

// flushOK is a fast flush service that queues every site, as the real
// Postfix's flush(8) answers for a site in fast_flush_domains.
type flushOK struct{}

func (flushOK) SendSite(string) (int, error) { return flush.StatOK, nil }
