// Package smtperr carries SMTP meaning with an error from where it starts:
// the reply code, the enhanced status code (RFC 3463) and the text, and so
// whether it is temporary (4xx) or permanent (5xx). A temporary failure is
// never turned into a bounce on the way up: callers test Temporary().
package smtperr

import (
	"errors"
	"fmt"
)

// Error is an SMTP-meaningful error.
type Error struct {
	Code     int    // 421, 450, 451, 452, 550, 554, ...
	Enhanced string // "4.3.0"; empty when there is none
	Text     string // reply text without code and enhanced code
	Err      error  // optional cause, for logs
}

func (e *Error) Error() string { return e.Reply() }

func (e *Error) Unwrap() error { return e.Err }

// Reply formats the reply line as sent to a client: "451 4.3.0 text".
func (e *Error) Reply() string {
	if e.Enhanced == "" {
		return fmt.Sprintf("%d %s", e.Code, e.Text)
	}
	return fmt.Sprintf("%d %s %s", e.Code, e.Enhanced, e.Text)
}

// Temporary reports whether the failure is transient (a 4xx reply).
func (e *Error) Temporary() bool { return e.Code/100 == 4 }

// New returns an Error.
func New(code int, enhanced, format string, args ...any) *Error {
	return &Error{Code: code, Enhanced: enhanced, Text: fmt.Sprintf(format, args...)}
}

// Temp returns a temporary failure wrapping cause, with Postfix's most
// common text for local trouble when the caller gives none.
func Temp(enhanced, text string, cause error) *Error {
	if text == "" {
		text = "Error: queue file write error"
	}
	return &Error{Code: 451, Enhanced: enhanced, Text: text, Err: cause}
}

// As extracts an *Error from err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsTemporary reports whether err is a temporary failure. An error that
// carries no SMTP meaning counts as temporary: unknown trouble defers,
// it never bounces.
func IsTemporary(err error) bool {
	if e, ok := As(err); ok {
		return e.Temporary()
	}
	return err != nil
}
