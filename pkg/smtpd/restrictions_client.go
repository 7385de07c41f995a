package smtpd

// Client restrictions: reject_unknown_client_hostname (old name
// reject_unknown_client), reject_unknown_reverse_client_hostname and
// reject_plaintext_session. The name and its status come from the
// lookups at connect time (peer.go).

func (s *session) rejectUnknownClient(_ []string, _ checkCtx) (int, int) {
	if s.client.nameStat == nameOK {
		return checkDunno, 0
	}
	code := 450
	if s.client.nameStat >= namePerm {
		code = s.rp().unknownClientCode
	}
	// RFC 7372: Email Authentication Status Codes.
	return s.checkReject(errPolicy, code, "4.7.25", "Client host rejected: cannot find your hostname, [%s]",
		s.client.addr), 0
}

func (s *session) rejectUnknownReverseClient(_ []string, _ checkCtx) (int, int) {
	if s.client.revStat == nameOK {
		return checkDunno, 0
	}
	code := 450
	if s.client.revStat == namePerm {
		code = s.rp().unknownClientCode
	}
	return s.checkReject(errPolicy, code, "4.7.1", "Client host rejected: cannot find your reverse hostname, [%s]",
		s.client.addr), 0
}

// rejectPlaintext is reject_plaintext_session: the session must use TLS.
func (s *session) rejectPlaintext(_ []string, _ checkCtx) (int, int) {
	if s.tls != nil {
		return checkDunno, 0
	}
	return s.checkReject(errPolicy, s.rp().plaintextCode, "4.7.1", "Session encryption is required"), 0
}
