package cleanup

import (
	"github.com/postern/postern/pkg/smtperr"
)

// failure is a message-level error with the precedence smtpd gives it
// when several happened (smtpd.c, end of data_cmd(): defer, internal
// error, size, hops, content, write).
type failure struct {
	rank int
	err  *smtperr.Error
}

const (
	rankDefer = iota + 1
	rankBad
	rankSize
	rankHops
	rankRcpt
	rankWrite
)

// Postfix's texts (global/cleanup_strerror.c, as smtpd words them).
func errAliasExpansion() *failure {
	return &failure{rankDefer, smtperr.New(451, "4.6.0", "Alias expansion error")}
}

func errBad(text string) *failure {
	return &failure{rankBad, smtperr.New(451, "4.3.0", "Error: %s", text)}
}

func errSize() *failure {
	return &failure{rankSize, smtperr.New(552, "5.3.4", "Error: message file too big")}
}

func errHops() *failure {
	return &failure{rankHops, smtperr.New(554, "5.4.0", "Error: too many hops")}
}

func errNoRecipients() *failure {
	return &failure{rankRcpt, smtperr.New(550, "5.1.0", "Error: no recipients specified")}
}

// errWrite is "451 4.3.0 Error: queue file write error", also when the
// file system or quota is full: Postfix's cleanup reports every write
// failure as CLEANUP_STAT_WRITE; only smtpd's queue_minfree check at MAIL
// answers "452 4.3.1 Insufficient system storage".
func errWrite(cause error) *failure {
	return &failure{rankWrite, smtperr.Temp("4.3.0", "Error: queue file write error", cause)}
}

// fail records a message-level failure; the one smtpd would report
// first wins.
func (m *Message) fail(f *failure) {
	if m.failed == nil || f.rank < m.failed.rank {
		m.failed = f
	}
}

// Err returns the failure Commit will report, or nil.
func (m *Message) Err() error {
	if m.failed == nil {
		return nil
	}
	return m.failed.err
}
