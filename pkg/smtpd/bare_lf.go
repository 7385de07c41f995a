package smtpd

// smtpd_forbid_bare_newline (Postfix 3.9 semantics, also in 3.7.10+):
// "normalize" (and "yes") require the standard CRLF.CRLF end of DATA and
// accept a bare LF as a line end; "reject" also refuses commands and
// content with a bare LF; "no" accepts LF.LF as end of DATA (the SMTP
// smuggling hole). Clients matching smtpd_forbid_bare_newline_exclusions
// get "no".
type bareLFMode int

const (
	bareLFOff       bareLFMode = 0
	bareLFNormalize bareLFMode = 1 // BARE_LF_FLAG_WANT_STD_EOD
	bareLFReject    bareLFMode = 3 // | BARE_LF_FLAG_REPLY_REJECT
)

func (m bareLFMode) wantStdEOD() bool { return m&bareLFNormalize != 0 }
func (m bareLFMode) reject() bool     { return m&2 != 0 }
