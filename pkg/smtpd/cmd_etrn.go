package smtpd

import (
	"path/filepath"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/flush"
)

// ETRN (RFC 1985): a domain in fast_flush_domains is handed to the fast
// flush service (flush(8), public/$flush_service_name, as Postfix's
// flush_send_site), which requeues the deferred mail logged for it;
// any other domain gets Postfix's refusal.

// FlushSender asks the fast flush service to deliver the mail queued
// for a site (flush.Client.SendSite: flush.StatOK, StatDeny, StatBad or
// StatFail).
type FlushSender interface {
	SendSite(site string) (int, error)
}

func init() { Params = append(Params, "flush_service_name") }

// setupFlush makes the default flush client: public/$flush_service_name
// relative to the working directory ($queue_directory or the jail).
func (s *Server) setupFlush(cfg *config.Config) error {
	if s.deps.Flush != nil {
		return nil
	}
	timeout, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return err
	}
	name := cfg.Get("flush_service_name")
	s.deps.Flush = &flush.Client{Path: filepath.Join("public", name), Timeout: timeout, Service: name}
	return nil
}

func (s *session) cmdEtrn(args []token) bool {
	switch {
	case s.p.heloRequired && !s.haveHelo:
		s.reply("503 Error: send HELO/EHLO first")
		return false
	case s.tx.inMail:
		s.reply("503 Error: MAIL transaction in progress")
		return false
	case len(args) != 2:
		s.reply("500 Syntax: ETRN domain")
		return false
	}
	domain := args[1].text
	if domain[0] == '@' || domain[0] == '#' {
		domain = domain[1:]
	}
	if !validHostname(domain) && !validMailhostLiteral(domain) {
		s.reply("501 Error: invalid parameter syntax")
		return false
	}
	if s.standAlone() {
		return s.etrnStandAlone()
	}
	if err := s.checkEtrn(domain); err != "" {
		s.reply(err)
		return false
	}
	return s.flushSite(domain)
}

// flushSite is flush_send_site() and smtpd's replies to its status.
func (s *session) flushSite(domain string) bool {
	st := s.sendSite(domain)
	switch st {
	case flush.StatOK:
		s.reply("250 Queuing started")
		return true
	case flush.StatDeny:
		s.srv.log.Warn("reject: ETRN %.100s... from %s", domain, s.namaddr())
		s.replyf("459 <%s>: service unavailable", domain)
	case flush.StatBad:
		s.srv.log.Warn("bad ETRN %.100s... from %s", domain, s.namaddr())
		s.reply("458 Unable to queue messages")
	default:
		s.srv.log.Warn("unable to talk to fast flush service")
		s.reply("458 Unable to queue messages")
	}
	return false
}

// sendSite checks fast_flush_domains (a lookup error is a failure, as
// in flush_clnt.c) and asks the flush service.
func (s *session) sendSite(domain string) int {
	ok, err := s.srv.lists.flushDomains.matchDomain(domain)
	switch {
	case err != nil:
		s.srv.log.Warn("%v", err) // match_error()
		return flush.StatFail
	case !ok:
		return flush.StatDeny
	case s.srv.deps.Flush == nil:
		return flush.StatFail
	}
	st, _ := s.srv.deps.Flush.SendSite(domain)
	return st
}
