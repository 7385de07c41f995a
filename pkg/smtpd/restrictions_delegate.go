package smtpd

import (
	"errors"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/queue"
)

// Access actions that smtpd delegates to the queue file: HOLD, DISCARD,
// FILTER, REDIRECT, BCC and PREPEND (check_table_result() and
// smtpd.c). smtpd remembers them for the mail transaction; they reach
// the queue file through pkg/cleanup as Postfix's smtpd sends them to
// cleanup: PREPEND when the content starts (DATA or the first BDAT),
// the others after the end-of-data restrictions, so that those may
// use them too.

// delegated are the remembered actions of one mail transaction
// (state->saved_*, state->prepend).
type delegated struct {
	hold             bool
	filter, redirect string
	bcc, prepend     []string
}

// ActionMessage is what a queue file must offer for the delegated
// access actions; pkg/cleanup's messages do.
type ActionMessage interface {
	Hold()
	Discard()
	Prepend(header string) error
	SetAttr(name, value string) error
}

func (c cleanupMessage) Hold()                            { c.m.Hold() }
func (c cleanupMessage) Discard()                         { c.m.Discard() }
func (c cleanupMessage) Prepend(h string) error           { return c.m.Prepend(h) }
func (c cleanupMessage) SetAttr(name, value string) error { return c.m.SetAttr(name, value) }

// delegatedAction handles HOLD, DISCARD, FILTER, REDIRECT, BCC and
// PREPEND.
func (s *session) delegatedAction(table string, a accessAction, datum string, c checkCtx) int {
	act := map[actionKind]string{actHold: "HOLD", actDiscard: "DISCARD", actFilter: "FILTER",
		actRedirect: "REDIRECT", actBcc: "BCC", actPrepend: "PREPEND"}[a.kind]
	if a.kind == actPrepend {
		return s.prependAction(table, a, datum)
	}
	if !s.canDelegate(table, act) || a.kind == actHold && s.chk.actions.hold {
		return checkDunno
	}
	switch a.kind {
	case actHold, actDiscard:
		s.logWhatsup(map[bool]string{true: "hold", false: "discard"}[a.kind == actHold],
			fmt.Sprintf("<%s>: %s %s", c.replyName, c.replyClass, orDefault(a.text, "triggers "+act+" action")))
		if a.kind == actHold {
			s.chk.actions.hold = true
			return checkDunno
		}
		s.chk.discard = true
		return s.aclPermitFrom(a.word, c.replyClass, c.replyName, table)
	case actFilter:
		if a.text == "" {
			s.srv.log.Warn("access table %s entry \"%s\" has FILTER entry without value", table, datum)
			return checkDunno
		}
		if !containsByte(a.text, ':') {
			s.srv.log.Warn("access table %s entry \"%s\" requires transport:destination", table, datum)
			return checkDunno
		}
	case actRedirect, actBcc:
		if !containsByte(a.text, '@') {
			s.srv.log.Warn("access table %s entry \"%s\" requires user@domain target", table, datum)
			return checkDunno
		}
	}
	return s.rememberTarget(table, act, a.text, c)
}

// rememberTarget records FILTER, REDIRECT or BCC.
func (s *session) rememberTarget(table, act, target string, c checkCtx) int {
	s.logWhatsup(map[string]string{"FILTER": "filter", "REDIRECT": "redirect", "BCC": "bcc"}[act],
		fmt.Sprintf("<%s>: %s triggers %s %s", c.replyName, c.replyClass, act, target))
	switch act {
	case "FILTER":
		s.chk.actions.filter = target
	case "REDIRECT":
		s.chk.actions.redirect = target
	default:
		s.chk.actions.bcc = append(s.chk.actions.bcc, target)
	}
	return checkDunno
}

func (s *session) prependAction(table string, a accessAction, datum string) int {
	if !s.notInClientHelo(table, "PREPEND") {
		return checkDunno
	}
	if s.where == whereAfterEOM {
		s.srv.log.Warn("access table %s: action PREPEND must be used before %s", table, "smtpd_end_of_data_restrictions")
		return checkDunno
	}
	if a.text == "" || !isHeader(a.text) {
		s.srv.log.Warn("access table %s entry \"%s\" requires header: text", table, datum)
		return checkDunno
	}
	s.chk.actions.prepend = append(s.chk.actions.prepend, a.text)
	return checkDunno
}

// canDelegate is can_delegate_action().
func (s *session) canDelegate(table, act string) bool {
	if s.where == "ETRN" {
		s.srv.log.Warn("access table %s: action %s is unavailable in %s", table, act, "smtpd_etrn_restrictions")
		return false
	}
	return s.notInClientHelo(table, act)
}

// notInClientHelo is not_in_client_helo(): without a MAIL transaction
// (smtpd_delay_reject = no) the action has nothing to apply to.
func (s *session) notInClientHelo(table, act string) bool {
	if !s.tx.inMail {
		s.srv.log.Warn("access table %s: with %s=%s, action %s is always skipped in %s or %s restrictions",
			table, "smtpd_delay_reject", "no", act, nameClient, nameHelo)
		return false
	}
	return true
}

// startActions hands PREPEND to the queue file before the content
// (DATA, first BDAT). A failure is a queue file write error.
func (s *session) startActions() {
	d := &s.chk.actions
	if len(d.prepend) == 0 {
		return
	}
	am := s.actionMessage()
	if am == nil {
		return
	}
	var err error
	for _, h := range d.prepend {
		err = errors.Join(err, am.Prepend(h))
	}
	s.actionErr(err)
}

// endActions passes FILTER, REDIRECT, BCC, HOLD and DISCARD after the
// end-of-data restrictions, in the order Postfix's smtpd sends them
// after the content (smtpd.c).
func (s *session) endActions() {
	d := &s.chk.actions
	if d.filter == "" && d.redirect == "" && len(d.bcc) == 0 && !d.hold && !s.chk.discard {
		return
	}
	am := s.actionMessage()
	if am == nil {
		return
	}
	var err error
	if d.filter != "" {
		err = errors.Join(err, am.SetAttr(queue.AttrFilter, d.filter))
	}
	if d.redirect != "" {
		err = errors.Join(err, am.SetAttr(queue.AttrRedirect, d.redirect))
	}
	for _, b := range d.bcc {
		err = errors.Join(err, s.tx.msg.AddRecipient(b, "", NotifyNever))
	}
	if d.hold {
		am.Hold()
	}
	if s.chk.discard {
		am.Discard()
	}
	s.actionErr(err)
}

// actionMessage returns the queue file as an ActionMessage; nil (a
// queue file write error) when the queue cannot take actions.
func (s *session) actionMessage() ActionMessage {
	am, ok := s.tx.msg.(ActionMessage)
	if !ok {
		s.srv.log.Warn("%s: the queue does not support access table actions", s.tx.queueID)
		s.tx.err |= errWrite
		return nil
	}
	return am
}

// actionErr makes a failure to pass an action a queue file write error.
func (s *session) actionErr(err error) {
	if err != nil {
		s.srv.log.Warn("%s: %v", s.tx.queueID, err)
		s.tx.err |= errWrite
	}
}

// errHangup ends a session without a reply (HANGUP action).
var errHangup = errors.New("hangup")

// dropConnection shuts the connection down and ends the session
// silently, discarding replies not yet sent.
func (s *session) dropConnection() {
	if tc, ok := s.conn.(*net.TCPConn); ok {
		tc.CloseRead()
		tc.CloseWrite()
	} else {
		s.conn.Close()
	}
	s.wr.Reset(discardWriter{})
	s.ioErr = errHangup
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
