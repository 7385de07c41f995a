package smtpd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/tlsconf"
)

// TLS (RFC 3207): STARTTLS, wrapper mode (smtps, port 465), the
// requirement to use TLS, and what TLS adds to EHLO, logs and the
// Received: header (smtpd.c smtpd_start_tls(), starttls_cmd()).
// pkg/tlsconf turns the smtpd_tls_* parameters into the handshake
// configuration.

// tlsSession is the state of a session after the TLS handshake.
type tlsSession struct {
	state tls.ConnectionState
	info  tlsconf.Info
}

// setupTLS reads the TLS parameters (always: they decide what STARTTLS
// answers even when TLS is off).
func setupTLS(cfg *config.Config, log Logger) (*tlsconf.Server, error) {
	return tlsconf.NewServer(cfg, log.Warn)
}

// cmdStarttls is starttls_cmd().
func (s *session) cmdStarttls(args []token) bool {
	switch {
	case len(args) != 1:
		s.reply("501 5.5.4 Syntax: STARTTLS")
	case s.tls != nil:
		s.reply("554 5.5.1 Error: TLS already active")
	case !s.srv.tls.Use || s.ehloDiscard&ehloStartTLS != 0:
		s.reply("502 5.5.1 Error: command not implemented")
	case s.srv.tls.Config == nil:
		s.reply("454 4.7.0 TLS not available due to local problem")
	case !s.anvilStarttlsOK():
	default:
		s.reply("220 2.0.0 Ready to start TLS")
		if s.flush() != nil {
			return false
		}
		// Plaintext pipelined after STARTTLS is discarded (vstream_fpurge):
		// no command injection into the TLS session (CVE-2011-0411).
		s.haveHelo, s.helo = false, ""
		s.resetMail()
		s.resetRcpt()
		return s.startTLS()
	}
	return false
}

// startWrapperTLS turns TLS on before the greeting in wrapper mode
// (smtpd_tls_wrappermode = yes); false ends the session.
func (s *session) startWrapperTLS() bool {
	if !s.srv.tls.Wrapper {
		return true
	}
	if s.srv.tls.Config == nil {
		s.srv.log.Warn("Wrapper-mode request dropped from %s for service %s. TLS context initialization failed. For details see earlier warnings in your logs.",
			s.namaddr(), s.service)
		return false
	}
	if !s.anvilWrapperTLSOK() {
		return false
	}
	return s.startTLS()
}

// startTLS runs the handshake on the connection and switches the
// session to it (smtpd_start_tls()). A failed handshake ends the
// session as a lost connection. The new line reader starts empty:
// nothing read before the handshake survives it.
func (s *session) startTLS() bool {
	tc := tls.Server(s.conn, s.srv.tls.Config)
	if s.srv.tls.Timeout > 0 {
		tc.SetDeadline(time.Now().Add(s.srv.tls.Timeout))
	}
	err := tc.Handshake()
	tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	if err == nil {
		s.conn = tc
		s.wr = bufio.NewWriterSize(tc, bufSize)
		s.rd = newLineReader(tc, s.p.timeout, s.flush)
		s.tls = &tlsSession{state: st, info: tlsconf.Describe(&st, s.serverCert())}
		if s.srv.tls.LogLevel >= 1 {
			s.srv.log.Info("%s", s.tls.info.LogLine("Anonymous", true, st.DidResume, s.namaddr()))
		}
	}
	if err != nil {
		s.logHandshakeError(err)
	}
	if !s.anvilNewTLS(err == nil && st.DidResume, err == nil) {
		s.hangup = true
		return false
	}
	if err != nil {
		s.ioErr = errLost
		return false
	}
	s.sasl = nil // the mechanism list is made again, with the TLS security options
	return true
}

// logHandshakeError logs a failed handshake as tls_server_start() does.
func (s *session) logHandshakeError(err error) {
	if errors.Is(err, io.EOF) {
		s.srv.log.Info("SSL_accept error from %s: lost connection", s.namaddr())
		return
	}
	s.srv.log.Info("SSL_accept error from %s: -1", s.namaddr())
	s.srv.log.Warn("TLS library problem: %v", err)
}

// serverCert is the certificate the handshake most likely used: the
// first configured one. XXX: with both RSA and ECDSA certificates Go
// picks per client and does not say which.
func (s *session) serverCert() *x509.Certificate {
	certs := s.srv.tls.Config.Certificates
	if len(certs) == 0 {
		return nil
	}
	return certs[0].Leaf
}

// tlsRequired answers a command other than EHLO, HELO, STARTTLS, NOOP,
// QUIT and XCLIENT before STARTTLS when TLS is enforced; true means it
// did and the command is not run.
func (s *session) tlsRequired(cmd *command) bool {
	if !s.srv.tls.Enforce || s.tls != nil || cmd.flags&flagPreTLS != 0 {
		return false
	}
	s.reply("530 5.7.0 Must issue a STARTTLS command first")
	s.errorCount++
	return true
}

// ehloTLS adds STARTTLS while TLS is offered and not yet on.
func (s *session) ehloTLS(lines []string, discard ehloMask) []string {
	if discard&ehloStartTLS == 0 && s.srv.tls.Use && s.tls == nil {
		lines = append(lines, "STARTTLS")
	}
	return lines
}

// receivedTLS is the TLS comment of the Received: header, "" without
// TLS or with smtpd_tls_received_header = no.
func (s *session) receivedTLS() string {
	if s.tls == nil || !s.srv.tls.ReceivedHeader {
		return ""
	}
	return s.tls.info.Received()
}

// closeTLS sends the TLS close_notify alert at the end of a session
// (tls_server_stop()).
func (s *session) closeTLS() {
	if tc, ok := s.conn.(*tls.Conn); ok {
		tc.SetWriteDeadline(time.Now().Add(time.Second))
		tc.CloseWrite()
	}
}
