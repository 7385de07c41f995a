package smtpd

import (
	"strconv"
	"strings"
	"time"
)

// restrictionFunc evaluates one restriction; args are the entries after
// it in the list. It returns a check result and how many args it used.
type restrictionFunc func(s *session, args []string, c checkCtx) (int, int)

// restrictions are the restrictions Postern implements. Names Postfix
// knows that are missing here fail with notImplemented.
var restrictions map[string]restrictionFunc

func init() {
	restrictions = map[string]restrictionFunc{
		"permit":                    (*session).permitAll,
		"reject":                    (*session).rejectAll,
		"defer":                     (*session).deferAll,
		"defer_if_permit":           (*session).deferIfPermitR,
		"defer_if_reject":           (*session).deferIfRejectR,
		"reject_unauth_pipelining":  (*session).rejectUnauthPipelining,
		"sleep":                     (*session).sleepR,
		"permit_mynetworks":         (*session).permitMynetworks,
		"permit_inet_interfaces":    (*session).permitInetInterfaces,
		"permit_sasl_authenticated": (*session).permitSASL,
		"permit_auth_destination":   (*session).permitAuthDestR,
		"reject_unauth_destination": (*session).rejectUnauthDest,
		"defer_unauth_destination":  (*session).deferUnauthDest,
		"check_relay_domains":       (*session).checkRelayDomains,

		"check_client_access":                  (*session).checkClientAccess,
		"check_reverse_client_hostname_access": (*session).checkRevClientAccess,
		"check_helo_access":                    (*session).checkHeloAccess,
		"check_sender_access":                  (*session).checkSenderAccess,
		"check_recipient_access":               (*session).checkRecipientAccess,
		"check_etrn_access":                    (*session).checkEtrnAccess,
		"check_sasl_access":                    (*session).checkSASLAccess,

		"reject_unknown_client_hostname":         (*session).rejectUnknownClient,
		"reject_unknown_client":                  (*session).rejectUnknownClient,
		"reject_unknown_reverse_client_hostname": (*session).rejectUnknownReverseClient,
		"reject_plaintext_session":               (*session).rejectPlaintext,

		"reject_invalid_helo_hostname":  (*session).rejectInvalidHelo,
		"reject_invalid_hostname":       (*session).rejectInvalidHelo,
		"reject_non_fqdn_helo_hostname": (*session).rejectNonFQDNHelo,
		"reject_non_fqdn_hostname":      (*session).rejectNonFQDNHelo,
		"reject_unknown_helo_hostname":  (*session).rejectUnknownHelo,
		"reject_unknown_hostname":       (*session).rejectUnknownHelo,
		"permit_naked_ip_address":       (*session).permitNakedIP,

		"reject_non_fqdn_sender":          (*session).rejectNonFQDNSender,
		"reject_non_fqdn_recipient":       (*session).rejectNonFQDNRecipient,
		"reject_unknown_sender_domain":    (*session).rejectUnknownSenderDomain,
		"reject_unknown_address":          (*session).rejectUnknownSenderDomain,
		"reject_unknown_recipient_domain": (*session).rejectUnknownRecipientDomain,
		"reject_multi_recipient_bounce":   (*session).rejectMultiRcptBounce,
		"reject_unlisted_recipient":       (*session).rejectUnlistedRecipient,
		"check_recipient_maps":            (*session).rejectUnlistedRecipient,
		"reject_unlisted_sender":          (*session).rejectUnlistedSender,
		"reject_unverified_sender":        (*session).rejectUnverifiedSender,
		"reject_unverified_recipient":     (*session).rejectUnverifiedRecipient,
		"check_policy_service":            (*session).checkPolicyService,

		"reject_authenticated_sender_login_mismatch":   (*session).rejectAuthLoginMismatch,
		"reject_unauthenticated_sender_login_mismatch": (*session).rejectUnauthLoginMismatch,
		"reject_known_sender_login_mismatch":           (*session).rejectKnownLoginMismatch,

		"reject_rbl_client":           (*session).rejectRBLClient,
		"reject_rbl":                  (*session).rejectRBLOld,
		"permit_dnswl_client":         (*session).permitDNSWLClient,
		"permit_rhswl_client":         (*session).permitRHSWLClient,
		"reject_rhsbl_client":         (*session).rejectRHSBLClient,
		"reject_rhsbl_reverse_client": (*session).rejectRHSBLReverseClient,
		"reject_rhsbl_helo":           (*session).rejectRHSBLHelo,
		"reject_rhsbl_sender":         (*session).rejectRHSBLSender,
		"reject_rhsbl_recipient":      (*session).rejectRHSBLRecipient,
		"reject_maps_rbl":             (*session).rejectMapsRBL,
		"permit_mx_backup":            (*session).permitMXBackup,
	}
	for name, fn := range serverRestrictions() {
		restrictions[name] = fn
	}
}

func (s *session) permitAll(args []string, c checkCtx) (int, int) {
	st := s.aclPermit("permit", c.replyClass, c.replyName)
	if st == checkOK && len(args) > 0 {
		s.srv.log.Warn("restriction `%s' after `%s' is ignored", args[0], "permit")
	}
	return st, 0
}

func (s *session) rejectAll(args []string, c checkCtx) (int, int) {
	st := s.checkReject(errPolicy, s.p.rejectCode, "5.7.1", "<%s>: %s rejected: Access denied", c.replyName, c.replyClass)
	if len(args) > 0 && s.chk.warnIfReject == 0 {
		s.srv.log.Warn("restriction `%s' after `%s' is ignored", args[0], "reject")
	}
	return st, 0
}

func (s *session) deferAll(args []string, c checkCtx) (int, int) {
	st := s.checkReject(errPolicy, s.p.deferCode, "4.3.2", "<%s>: %s rejected: Try again later", c.replyName, c.replyClass)
	if len(args) > 0 && s.chk.warnIfReject == 0 {
		s.srv.log.Warn("restriction `%s' after `%s' is ignored", args[0], "defer")
	}
	return st, 0
}

// deferIfPermitR is defer_if_permit; under warn_if_reject it only logs
// (DEFER_IF_PERMIT2).
func (s *session) deferIfPermitR(_ []string, c checkCtx) (int, int) {
	if s.chk.warnIfReject != 0 {
		return s.checkReject(errPolicy, 450, "4.7.0", "<%s>: %s rejected: defer_if_permit requested",
			c.replyName, c.replyClass), 0
	}
	return deferIf(&s.chk.deferIfPermit, errPolicy, 450, "4.7.0", "<%s>: %s rejected: defer_if_permit requested",
		c.replyName, c.replyClass), 0
}

func (s *session) deferIfRejectR(_ []string, c checkCtx) (int, int) {
	return deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.7.0", "<%s>: %s rejected: defer_if_reject requested",
		c.replyName, c.replyClass), 0
}

func (s *session) rejectUnauthPipelining(_ []string, c checkCtx) (int, int) {
	if !s.illPipe {
		return checkDunno, 0
	}
	return s.checkReject(errProtocol, 503, "5.5.0", "<%s>: %s rejected: Improper use of SMTP command pipelining",
		c.replyName, c.replyClass), 0
}

func (s *session) sleepR(args []string, _ checkCtx) (int, int) {
	if len(args) == 0 || strings.Trim(args[0], "0123456789") != "" {
		s.srv.log.Warn("restriction sleep must be followed by number")
		return s.serverError(), 0
	}
	n, _ := strconv.Atoi(args[0])
	s.flush()
	s.srv.deps.Sleep(time.Duration(n) * time.Second)
	return checkDunno, 1
}

// aclPermit logs a permit when smtpd_log_access_permit_actions asks
// for it (smtpd_acl_permit).
func (s *session) aclPermit(action, class, name string) int {
	if s.chk.deferIfPermit.active {
		return checkOK
	}
	for _, a := range s.p.logPermit {
		if strings.EqualFold(a, action) {
			// The space: Postfix appends " " and an empty format.
			s.logWhatsup("permit", "action="+action+" for "+class+"="+name+" ")
			break
		}
	}
	return checkOK
}
