package smtpd

import (
	"strings"
	"unicode/utf8"
)

// The command loop (smtpd.c smtpd_proto).

// Command flags (SMTPD_CMD_FLAG_*).
const (
	flagLimit  = 1 << iota // counts toward smtpd_junk_command_limit
	flagPreTLS             // allowed before STARTTLS
	flagLast               // must be last in a PIPELINING group
)

type command struct {
	name  string
	fn    func(s *session, args []token) bool // false: the command failed
	flags int
	stat  int // index in cmdNames
}

var commands []command

func init() {
	commands = []command{
		{"HELO", (*session).cmdHelo, flagLimit | flagPreTLS | flagLast, 0},
		{"EHLO", (*session).cmdEhlo, flagLimit | flagPreTLS | flagLast, 1},
		{"XCLIENT", (*session).cmdXclient, flagPreTLS, 2},
		{"XFORWARD", (*session).cmdXforward, 0, 3},
		{"STARTTLS", (*session).cmdStarttls, flagPreTLS, 4},
		{"AUTH", (*session).cmdAuth, 0, 5},
		{"MAIL", (*session).cmdMail, 0, 6},
		{"RCPT", (*session).cmdRcpt, 0, 7},
		{"DATA", (*session).cmdData, flagLast, 8},
		{"BDAT", (*session).cmdBdat, 0, 9},
		{"RSET", (*session).cmdRset, flagLimit, 10},
		{"NOOP", (*session).cmdNoop, flagLimit | flagPreTLS | flagLast, 11},
		{"VRFY", (*session).cmdVrfy, flagLimit | flagLast, 12},
		{"ETRN", (*session).cmdEtrn, flagLimit, 13},
		{"QUIT", (*session).cmdQuit, flagPreTLS, 14},
	}
}

func lookupCommand(name string) *command {
	for i := range commands {
		if strings.EqualFold(name, commands[i].name) {
			return &commands[i]
		}
	}
	return nil
}

// proto greets the client and runs the command loop, then logs an
// abnormal end and discards an unfinished transaction.
func (s *session) proto() {
	if s.startWrapperTLS() && s.greet() {
		for s.step() {
		}
	}
	s.anvilDisconnect()
	s.endOfSession()
}

// greet sends the banner, or the reply that refuses the client.
func (s *session) greet() bool {
	if s.pipelinedEarly() && s.p.forbidUnauthPipe {
		s.reply("554 5.5.0 Error: SMTP protocol synchronization")
		return false
	}
	if !s.anvilConnect() {
		return false
	}
	s.ehloDiscard = s.p.ehloDiscard
	if !s.p.delayReject && !s.standAlone() {
		if err := s.checkClient(); err != "" {
			s.accessDenied = err
			s.reply(err)
			s.errorCount++
			return s.ioErr == nil
		}
	}
	s.reply("220 " + s.p.banner)
	return s.ioErr == nil
}

// step reads and executes one command; false ends the session.
func (s *session) step() bool {
	if s.hangup || s.ioErr != nil {
		return false
	}
	if s.errorCount >= s.p.hardErrLimit {
		s.reason = "too many errors"
		s.replyf("421 4.7.0 %s Error: too many errors", s.p.myhostname)
		return false
	}
	line, ok := s.readCommand()
	if !ok {
		return false
	}
	// Postfix parses the command as a C string: a NUL ends it ("NOOP\0x"
	// is NOOP, "MAIL FROM:<a\0b@c>" lacks its ">"). An address with a
	// NUL in it never gets further.
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if s.p.smtputf8 && !utf8.ValidString(line) {
		s.reply("500 5.5.2 Error: bad UTF-8 syntax")
		s.errorCount++
		return true
	}
	s.args = tokenize(s.args, line)
	if len(s.args) == 0 {
		s.reply("500 5.5.2 Error: bad syntax")
		s.errorCount++
		return true
	}
	return s.dispatch(line)
}

// readCommand reads one command line, with the line_length_limit and
// bare newline rules.
func (s *session) readCommand() (string, bool) {
	res := s.rd.readLine(s.p.lineLimit, s.bareLF != bareLFOff, true, false)
	if res.last < 0 {
		s.ioErr = s.rd.err
		return "", false
	}
	line := string(s.rd.line)
	if res.last != '\n' {
		s.srv.log.Warn("%s: request longer than %d: %.30s...", s.namaddr(), s.p.lineLimit, printable(line, '?'))
	}
	if s.bareLF.reject() && res.bareLF {
		s.logWhatsup("reject", "bare <LF> received")
		s.replyf("%d 5.5.2 %s Error: bare <LF> received", s.p.bareLFCode, s.p.myhostname)
		return "", false
	}
	return line, true
}

// dispatch runs one tokenized command.
func (s *session) dispatch(line string) bool {
	name := s.args[0].text
	if len(s.srv.lists.noop.pats) > 0 && s.isNoop(name) {
		s.reply("250 2.0.0 Ok")
		if s.junkCmds++; s.junkCmds > s.p.junkLimit+1 {
			s.errorCount++
		}
		return true
	}
	cmd := lookupCommand(name)
	stat := cmdUnknown
	if cmd != nil {
		stat = cmd.stat
	}
	s.stats.total[stat]++
	if cmd == nil {
		return s.unknown(line, name)
	}
	if s.accessDenied != "" && cmd.name != "QUIT" {
		s.denied()
		return true
	}
	return s.run(cmd)
}

func (s *session) isNoop(name string) bool {
	ok, _ := s.srv.lists.noop.matchString(name)
	return ok
}

// run executes a known command.
func (s *session) run(cmd *command) bool {
	if s.tlsRequired(cmd) {
		return true
	}
	s.where = cmd.name
	if (s.protocol != "ESMTP" || cmd.flags&flagLast != 0) && !s.illPipe &&
		s.improperPipelining() && s.p.forbidUnauthPipe {
		s.reply("554 5.5.0 Error: SMTP protocol synchronization")
		return false
	}
	if cmd.fn(s, s.args) {
		s.stats.ok[cmd.stat]++
	} else {
		s.errorCount++
	}
	if cmd.flags&flagLimit != 0 {
		if s.junkCmds++; s.junkCmds > s.p.junkLimit+1 {
			s.errorCount++
		}
	}
	return cmd.name != "QUIT"
}
