package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Sender login checks: reject_authenticated_sender_login_mismatch,
// reject_unauthenticated_sender_login_mismatch,
// reject_known_sender_login_mismatch and reject_sender_login_mismatch
// (the first two, a built-in restriction class). smtpd_sender_login_maps
// maps a sender address (full address, user if the domain is local,
// @domain) to the login names that may use it. They need SASL.

func (s *session) noSASL(name string) bool {
	if !s.rp().saslEnable {
		s.srv.log.Warn("restriction `%s' ignored: no SASL support", name)
		return true
	}
	return false
}

func (s *session) rejectAuthLoginMismatch(_ []string, _ checkCtx) (int, int) {
	if s.noSASL("reject_authenticated_sender_login_mismatch") || !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.authLoginMismatch(s.tx.sender, false), 0
}

func (s *session) rejectUnauthLoginMismatch(_ []string, _ checkCtx) (int, int) {
	if s.noSASL("reject_unauthenticated_sender_login_mismatch") || !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.unauthLoginMismatch(s.tx.sender), 0
}

func (s *session) rejectKnownLoginMismatch(_ []string, _ checkCtx) (int, int) {
	if s.noSASL("reject_known_sender_login_mismatch") || !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	if s.saslUsername != "" {
		return s.authLoginMismatch(s.tx.sender, true), 0
	}
	return s.unauthLoginMismatch(s.tx.sender), 0
}

// senderOwners looks the sender up in smtpd_sender_login_maps; done
// is set with the status of a failure.
func (s *session) senderOwners(sender string) (owners string, found bool, status int, done bool) {
	r, err := s.srv.deps.Resolver.Resolve(s.tx.recipient, sender)
	if err != nil {
		return "", false, s.dictRetry(sender), true
	}
	m := s.srv.checks.senderLogins
	if m == nil || m.Len() == 0 {
		return "", false, checkDunno, false
	}
	res, ok, err := m.FindAddr(r.Recipient, s.addrParams(), dict.FindDefault)
	if err != nil {
		if s.srv.tableProblem(err) {
			return "", false, s.serverError(), true
		}
		return "", false, s.dictRetry(sender), true
	}
	return res.Value, ok, checkDunno, false
}

// authLoginMismatch: a logged-in client must own the sender address;
// allowUnknown lets unlisted senders pass.
func (s *session) authLoginMismatch(sender string, allowUnknown bool) int {
	if s.saslUsername == "" {
		return checkDunno
	}
	owners, found, st, done := s.senderOwners(sender)
	if done {
		return st
	}
	if !found && allowUnknown {
		return checkDunno
	}
	for _, name := range config.SplitList(owners) {
		if strings.EqualFold(name, s.saslUsername) {
			return checkDunno
		}
	}
	return s.checkReject(errPolicy, 553, "5.7.1", "<%s>: Sender address rejected: not owned by user %s",
		sender, s.saslUsername)
}

// unauthLoginMismatch: a sender address with an owner needs a login.
func (s *session) unauthLoginMismatch(sender string) int {
	if s.saslUsername != "" {
		return checkDunno
	}
	_, found, st, done := s.senderOwners(sender)
	if done {
		return st
	}
	if found {
		return s.checkReject(errPolicy, 553, "5.7.1", "<%s>: Sender address rejected: not logged in", sender)
	}
	return checkDunno
}
