package smtpd

import (
	"bufio"
	"net"
	"syscall"
	"time"
)

// session is one SMTP conversation (Postfix's SMTPD_STATE).
type session struct {
	srv    *Server
	p      *params
	conn   net.Conn
	rd     *lineReader
	wr     *bufio.Writer
	ioErr  error // first write error; the session ends
	lastIO time.Time

	client  peer
	service string

	protocol string // "SMTP" or "ESMTP"
	helo     string
	haveHelo bool
	where    string // last command name or protocol state, for logging
	reason   string // why the session ended abnormally, for logging

	errorCount   int
	junkCmds     int
	hangup       bool // a 421/521 reply was sent
	illPipe      bool // improper pipelining seen (SMTPD_FLAG_ILL_PIPELINING)
	accessDenied string
	ehloDiscard  ehloMask
	bareLF       bareLFMode
	rewriteCtx   string // "local" or "remote" (local_header_rewrite_clients)

	// saslUsername and saslMethod are the login name and mechanism of a
	// successful AUTH, "" before (Postfix's state->sasl_username and
	// sasl_method); the restrictions read them (sasl.go).
	saslUsername, saslMethod string
	sasl                     *saslSession // AUTH state (auth.go); nil while SASL is off
	tls                      *tlsSession  // TLS after STARTTLS or wrapper mode (tls.go); nil in plaintext

	anvil   anvilSession // connection and rate limits (anvil.go)
	tx      transaction
	chk     checkState
	args    []token    // tokenizer output, reused
	addr    addrParser // address parser, reused
	stats   cmdStats
	bdatRec bdatRecords // BDAT line assembly

	raw      syscall.RawConn // the socket, for FIONREAD; nil if none
	fionread func(fd uintptr)
	pending  int
}

// transaction is the state of one MAIL transaction.
type transaction struct {
	inMail     bool // MAIL FROM accepted (state->sender != 0)
	sender     string
	recipient  string // first accepted recipient (state->recipient)
	haveRcpt   bool
	rcptCount  int
	overshoot  int
	msg        Message // open queue file, nil until the first valid RCPT
	queueID    string
	msgSize    int64 // SIZE= parameter
	actSize    int64 // content bytes received
	encoding   string
	dsnRet     int
	dsnEnvid   string
	haveEnvid  bool
	smtputf8   bool
	saslSender string
	bdat       bdatState
	arrival    time.Time
	err        cleanupErr // content-phase error (CLEANUP_STAT_*)
}

// cleanupErr are the content-phase errors smtpd tracks itself.
type cleanupErr int

const (
	errNone   cleanupErr = 0
	errSize   cleanupErr = 1 << iota // CLEANUP_STAT_SIZE
	errWrite                         // CLEANUP_STAT_WRITE
	errBareLF                        // CLEANUP_STAT_BARE_LF
)

type bdatState int

const (
	bdatNone bdatState = iota
	bdatOK
	bdatError
)

// namaddr is "name[addr]" as in every log line.
func (s *session) namaddr() string { return s.client.namaddr }

// queueIDOrNone is the queue ID, or "NOQUEUE" before one exists.
func (s *session) queueIDOrNone() string {
	if s.tx.queueID == "" {
		return "NOQUEUE"
	}
	return s.tx.queueID
}

// resetMail ends the mail transaction (mail_reset): an open queue file
// is abandoned.
func (s *session) resetMail() {
	if s.tx.msg != nil {
		s.tx.msg.Abort()
	}
	s.tx = transaction{}
	s.chk.resetMail()
}

// resetRcpt forgets the recipients (rcpt_reset).
func (s *session) resetRcpt() {
	s.tx.recipient, s.tx.haveRcpt = "", false
	s.tx.rcptCount, s.tx.overshoot = 0, 0
}

func newSession(srv *Server, conn net.Conn) *session {
	s := &session{srv: srv, p: srv.p, conn: conn, service: srv.deps.Service,
		protocol: "SMTP", where: "CONNECT", lastIO: time.Now()}
	s.wr = bufio.NewWriterSize(conn, bufSize)
	s.rd = newLineReader(conn, s.p.timeout, s.flush)
	s.raw = rawConn(conn)
	s.fionread = s.ioctlFIONREAD
	return s
}

// setupBareLF decides the bare newline rules for this client.
func (s *session) setupBareLF() {
	s.bareLF = s.p.bareLFMode
	if s.bareLF == bareLFOff {
		return
	}
	if ok, err := s.srv.lists.bareLFExcl.matchHost(s.client.name, s.client.addr); ok || err != nil {
		if err != nil {
			s.srv.log.Warn("%v", err)
		}
		s.bareLF = bareLFOff
	}
}
