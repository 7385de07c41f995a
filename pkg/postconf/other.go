package postconf

import (
	"fmt"

	tables "github.com/postern/postern/pkg/dict"
)

// Lists of supported features (postconf_other.c).

// saslServerTypes are the smtpd_sasl_type values Postern implements:
// Dovecot's authentication protocol only (no Cyrus SASL library).
var saslServerTypes = []string{"dovecot"}

// saslClientTypes are the smtp_sasl_type values Postern implements.
// XXX: Postern's SMTP client does its own SASL with
// smtp_sasl_password_maps and has no pluggable client SASL library, so
// "postconf -A" lists nothing (Postfix on Debian lists "cyrus").
var saslClientTypes = []string{}

// lockTypes are the mailbox locking methods of mailbox_delivery_lock and
// friends, in Postfix's order for Linux.
var lockTypes = []string{"flock", "fcntl", "dotlock"}

// showMaps lists the lookup table types (-m). As Postfix does, it reads
// main.cf first and fails when that cannot be read.
func (s *session) showMaps() error {
	if err := s.readParameters(); err != nil {
		return err
	}
	for _, t := range tables.Types() {
		s.out(t + "\n")
	}
	return nil
}

func (s *session) showLocks() {
	for _, t := range lockTypes {
		s.out(t + "\n")
	}
}

func (s *session) showSASL() {
	types := saslClientTypes
	if s.mode&showSASLServ != 0 {
		types = saslServerTypes
	}
	for _, t := range types {
		s.out(t + "\n")
	}
}

// showTLS is -T. Postern uses Go's crypto/tls, not OpenSSL, so there is
// no library version or algorithm list in Postfix's sense.
func (s *session) showTLS(what string) error {
	switch what {
	case "compile-version", "run-version", "public-key-algorithms":
		return fmt.Errorf("-T %s is not implemented in Postern", what)
	}
	s.warn("unknown 'postconf -T' mode: %s", what)
	s.stdout.Flush()
	return errExit1
}

// errExit1 ends the program with status 1 after a warning, without a
// fatal message.
var errExit1 = fmt.Errorf("exit 1")
