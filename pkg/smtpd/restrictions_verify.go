package smtpd

import (
	"path/filepath"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/verify"
)

// reject_unverified_sender and reject_unverified_recipient
// (smtpd_check.c reject_unverified_address()): the address is looked up
// in the verify(8) service ($address_verify_service_name); while a
// probe is under way the query is repeated up to
// $address_verify_poll_count times in all, $address_verify_poll_delay
// apart. A deliverable address passes. An address being probed or
// undeliverable for now gets $unverified_*_defer_code, a bounced one
// $unverified_*_reject_code, with the verify service's reason or, for
// any 4xx or 5xx, $unverified_*_reject_reason when it is set:
//
//	4xx: "<a>: Recipient address rejected: unverified address: REASON"
//	     as DEFER_IF_PERMIT with $unverified_*_tempfail_action
//	5xx: "<a>: Recipient address rejected: undeliverable address: REASON"
//
// with status 4.1.1 for recipients and 4.1.7 for senders (the first digit
// follows the code). When the service fails: "verify service failure"
// and "450 <a>: ... address verification problem", as DEFER_IF_PERMIT.

// Verifier answers address verification queries; *verify.Client is one
// (QueryPoll is smtpd_check.c's polling loop).
type Verifier interface {
	QueryPoll(addr string, count int, delay time.Duration) (verify.Result, error)
}

// verifyParams are the parameters of one of the two restrictions.
type verifyParams struct {
	deferCode, rejectCode int    // unverified_*_defer_code, unverified_*_reject_code
	reason                string // unverified_*_reject_reason
	deferIfPermit         bool   // unverified_*_tempfail_action
	dsn                   string // 4.1.7 (sender) or 4.1.1 (recipient)
}

// verifySettings are what both restrictions read.
type verifySettings struct {
	pollCount         int           // address_verify_poll_count
	pollDelay         time.Duration // address_verify_poll_delay
	service           string        // address_verify_service_name
	sender, recipient verifyParams
}

func init() {
	Params = append(Params, "address_verify_poll_count", "address_verify_poll_delay",
		"address_verify_service_name",
		"unverified_sender_defer_code", "unverified_sender_reject_code", "unverified_sender_reject_reason",
		"unverified_sender_tempfail_action", "unverified_recipient_defer_code",
		"unverified_recipient_reject_code", "unverified_recipient_reject_reason",
		"unverified_recipient_tempfail_action")
}

// readVerifySettings reads the settings; a bad *_tempfail_action is a
// configuration error (smtpd_check_init()).
func readVerifySettings(cfg *config.Config) (*verifySettings, error) {
	r := &paramReader{cfg: cfg}
	v := &verifySettings{pollCount: r.num("address_verify_poll_count"),
		pollDelay: r.dur("address_verify_poll_delay"), service: r.str("address_verify_service_name")}
	for _, x := range []struct {
		dst       *verifyParams
		kind, dsn string
	}{{&v.sender, "sender", "4.1.7"}, {&v.recipient, "recipient", "4.1.1"}} {
		*x.dst = verifyParams{deferCode: r.num("unverified_" + x.kind + "_defer_code"),
			rejectCode:    r.num("unverified_" + x.kind + "_reject_code"),
			reason:        r.str("unverified_" + x.kind + "_reject_reason"),
			deferIfPermit: r.tempfailAction("unverified_" + x.kind + "_tempfail_action"), dsn: x.dsn}
	}
	return v, r.err
}

// setupVerify reads the settings and makes the default verify client:
// private/$address_verify_service_name relative to the working
// directory ($queue_directory or the jail).
func (s *Server) setupVerify(cfg *config.Config) error {
	v, err := readVerifySettings(cfg)
	if err != nil {
		return err
	}
	s.verify = v
	if s.deps.Verify != nil {
		return nil
	}
	timeout, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return err
	}
	s.deps.Verify = &verify.Client{Path: filepath.Join("private", v.service), Timeout: timeout}
	return nil
}

func (s *session) rejectUnverifiedSender(_ []string, _ checkCtx) (int, int) {
	if !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.rejectUnverified(s.tx.sender, nameSender, &s.srv.verify.sender), 0
}

func (s *session) rejectUnverifiedRecipient(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt || s.tx.recipient == "" {
		return checkDunno, 0
	}
	return s.rejectUnverified(s.tx.recipient, nameRecipient, &s.srv.verify.recipient), 0
}

// rejectUnverified is reject_unverified_address().
func (s *session) rejectUnverified(addr, class string, p *verifyParams) int {
	v := s.srv.verify
	if v == nil || s.srv.deps.Verify == nil {
		// Stand-alone mode has no services (and no restrictions).
		return s.serverError()
	}
	res, err := s.srv.deps.Verify.QueryPoll(addr, v.pollCount, v.pollDelay)
	if err != nil {
		// XXX: Postfix's verify client retries every second until the
		// service answers; Postern's gives up after one reconnection.
		s.srv.log.Warn("%v", err)
		s.srv.log.Warn("%s service failure", v.service)
		return s.tempfail(p.deferIfPermit, errPolicy, 450, p.dsn,
			"<%s>: %s rejected: address verification problem", addr, class)
	}
	code := 0
	switch res.Status {
	case verify.RcptTodo, verify.RcptDefer:
		code = p.deferCode
	case verify.RcptOK:
	case verify.RcptBounce:
		code = p.rejectCode
	default:
		s.srv.log.Warn("unknown address verification status %d", res.Status)
	}
	why := res.Reason
	if code >= 400 && p.reason != "" {
		why = p.reason
	}
	switch code / 100 {
	case 2:
		return checkDunno
	case 4:
		return s.tempfail(p.deferIfPermit, errPolicy, code, p.dsn,
			"<%s>: %s rejected: unverified address: %s", addr, class, truncate(why, 250))
	}
	if code == 0 {
		return checkDunno
	}
	return s.checkReject(errPolicy, code, p.dsn, "<%s>: %s rejected: undeliverable address: %s", addr, class, why)
}

// truncate is printf's "%.Ns".
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
