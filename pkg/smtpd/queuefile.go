package smtpd

// openQueueFile starts the queue file of this transaction
// (mail_open_stream) and logs "QID: client=name[addr]".
func (s *session) openQueueFile() bool {
	proto := s.protocol
	if s.tx.smtputf8 {
		proto = "UTF8SMTP"
	}
	helo := ""
	if s.haveHelo {
		helo = s.helo
	}
	m, err := s.srv.deps.Queue.Begin(Meta{
		ClientName: s.client.name, ClientAddr: s.client.addr, ClientPort: s.client.port,
		Helo: helo, Protocol: proto, SASLSender: s.tx.saslSender, RewriteContext: s.rewriteCtx, Encoding: s.tx.encoding,
		SASLMethod: s.saslMethod, SASLUser: s.saslUsername, TLS: s.receivedTLS(), TLSActive: s.tls != nil,
	})
	if err != nil {
		// XXX: Postfix's smtpd exits ("unable to connect to the public
		// cleanup service"); Postern answers and keeps the session.
		s.srv.log.Warn("%s: unable to open a queue file: %v", s.namaddr(), err)
		s.reply("451 4.3.0 Error: queue file write error")
		return false
	}
	s.tx.msg, s.tx.queueID = m, m.QueueID()
	if err := m.SetSender(s.tx.sender, s.tx.dsnRet, s.tx.dsnEnvid); err != nil {
		s.tx.err |= errWrite
	}
	s.srv.log.Info("%s: client=%s%s", s.tx.queueID, s.namaddr(), s.saslLogSuffix())
	return true
}
