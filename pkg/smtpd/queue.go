package smtpd

// What smtpd needs from the queue: pkg/cleanup in production (see
// cleanup.go), a recorder in tests. One Message is one queue file being
// written; content streams through Write as it arrives, so no message is
// ever held in memory.

// Queue opens queue files.
type Queue interface {
	Begin(meta Meta) (Message, error)
}

// Meta describes the client a message comes from.
type Meta struct {
	ClientName     string // verified client name or "unknown"
	ClientAddr     string // IP address, IPv6 without brackets
	ClientPort     string
	Helo           string // HELO/EHLO argument; "" when none was given
	Protocol       string // "SMTP", "ESMTP", or "UTF8SMTP" with SMTPUTF8
	SASLMethod     string
	SASLUser       string
	SASLSender     string // AUTH= parameter of MAIL FROM
	TLS            string // Received: TLS comment (smtpd_tls_received_header), "" for none
	TLSActive      bool   // the session is encrypted: "with ESMTPS" in Received
	RewriteContext string // "local" or "remote" (local_header_rewrite_clients)
	Encoding       string // BODY=: "8bit", "7bit" or "" (MAIL_ATTR_ENC_*)
}

// DSN RET values (RFC 3461 4.3).
const (
	RetNone = 0
	RetFull = 1 // DSN_RET_FULL
	RetHdrs = 2 // DSN_RET_HDRS
)

// DSN NOTIFY bits (RFC 3461 4.1), as Postfix's dsn_mask.h; 0 means the
// client sent no NOTIFY.
const (
	NotifyNever   = 1 << 0
	NotifySuccess = 1 << 1
	NotifyFailure = 1 << 2
	NotifyDelay   = 1 << 3
)

// Message is one queue file being written.
type Message interface {
	QueueID() string
	// SetSender records the envelope sender and the MAIL FROM DSN
	// parameters (ret: RetNone, RetFull, RetHdrs; envid decoded, "" none).
	SetSender(addr string, ret int, envid string) error
	// AddRecipient records a recipient with its DSN ORCPT ("type;addr",
	// always given) and NOTIFY mask (0: none given).
	AddRecipient(addr, orcpt string, notify int) error
	// Write appends content: lines end in LF; a piece of an over-long
	// line has no LF. Content is dot-unstuffed.
	Write(p []byte) error
	// Commit makes the message durable and returns its queue ID; an
	// error carries the SMTP reply (*smtperr.Error).
	Commit() (string, error)
	// Abort discards the queue file.
	Abort()
}
