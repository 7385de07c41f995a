package smtpd

import (
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// params are the settings smtpd reads once per process.
type params struct {
	myhostname, banner, mailName string
	queueDir                     string

	timeout                          time.Duration // smtpd_timeout
	softErrLimit, hardErrLimit       int
	errSleep                         time.Duration
	junkLimit                        int
	rcptLimit, rcptOverLimit         int
	messageLimit                     int64 // 0: no limit
	lineLimit                        int
	queueMinfree                     int64
	disableVrfy, heloRequired        bool
	delayReject, strictRFC821        bool
	smtputf8, strictSmtputf8         bool
	softBounce, peernameLookup       bool
	portLogging, forbidUnauthPipe    bool
	bareLFMode                       bareLFMode
	bareLFCode                       int
	relayCode, rejectCode, deferCode int
	relayBeforeRcpt                  bool
	allowUntrustedRouting            bool
	ehloDiscard                      ehloMask
	logPermit                        []string // smtpd_log_access_permit_actions
}

// paramReader collects the first error so that loading reads straight.
type paramReader struct {
	cfg *config.Config
	err error
}

func (r *paramReader) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *paramReader) str(name string) string {
	v, err := r.cfg.Value(name)
	r.fail(err)
	return v
}

func (r *paramReader) num(name string) int {
	n, err := r.cfg.Int(name)
	r.fail(err)
	return n
}

func (r *paramReader) long(name string) int64 {
	n, err := r.cfg.Long(name)
	r.fail(err)
	return n
}

func (r *paramReader) boolean(name string) bool {
	b, err := r.cfg.Bool(name)
	r.fail(err)
	return b
}

func (r *paramReader) dur(name string) time.Duration {
	d, err := r.cfg.Duration(name)
	r.fail(err)
	return d
}

func readParams(cfg *config.Config) (*params, error) {
	r := &paramReader{cfg: cfg}
	p := &params{
		myhostname: r.str("myhostname"), banner: r.str("smtpd_banner"),
		mailName: r.str("mail_name"), queueDir: r.str("queue_directory"),
		timeout: r.dur("smtpd_timeout"), softErrLimit: r.num("smtpd_soft_error_limit"),
		hardErrLimit: r.num("smtpd_hard_error_limit"), errSleep: r.dur("smtpd_error_sleep_time"),
		junkLimit: r.num("smtpd_junk_command_limit"), rcptLimit: r.num("smtpd_recipient_limit"),
		rcptOverLimit: r.num("smtpd_recipient_overshoot_limit"),
		messageLimit:  r.long("message_size_limit"), lineLimit: r.num("line_length_limit"),
		queueMinfree: r.long("queue_minfree"), disableVrfy: r.boolean("disable_vrfy_command"),
		heloRequired: r.boolean("smtpd_helo_required"), delayReject: r.boolean("smtpd_delay_reject"),
		strictRFC821: r.boolean("strict_rfc821_envelopes"), smtputf8: r.boolean("smtputf8_enable"),
		strictSmtputf8: r.boolean("strict_smtputf8"), softBounce: r.boolean("soft_bounce"),
		peernameLookup:   r.boolean("smtpd_peername_lookup"),
		portLogging:      r.boolean("smtpd_client_port_logging"),
		forbidUnauthPipe: r.boolean("smtpd_forbid_unauth_pipelining"),
		bareLFCode:       r.num("smtpd_forbid_bare_newline_reject_code"),
		relayCode:        r.num("relay_domains_reject_code"), rejectCode: r.num("reject_code"),
		deferCode: r.num("defer_code"), relayBeforeRcpt: r.boolean("smtpd_relay_before_recipient_restrictions"),
		allowUntrustedRouting: r.boolean("allow_untrusted_routing"),
		logPermit:             cfg.List("smtpd_log_access_permit_actions"),
	}
	p.bareLFMode = r.bareLF("smtpd_forbid_bare_newline")
	p.ehloDiscard = r.ehloWords("smtpd_discard_ehlo_keywords")
	if r.err == nil {
		r.fail(checkUnsupported(cfg))
	}
	return p, r.err
}

// bareLF parses smtpd_forbid_bare_newline (bare_lf_mask_table).
func (r *paramReader) bareLF(name string) bareLFMode {
	raw := r.str(name)
	switch strings.ToLower(raw) {
	case "normalize", "yes":
		return bareLFNormalize
	case "reject":
		return bareLFReject
	case "no":
		return bareLFOff
	}
	r.fail(fmt.Errorf("bad parameter value: '%s = %s'", name, raw))
	return bareLFOff
}
