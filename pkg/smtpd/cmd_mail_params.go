package smtpd

import (
	"strconv"
	"strings"
)

// mailParam parses one MAIL FROM parameter into o; it returns the error
// reply, "" when the parameter is good.
func (s *session) mailParam(o *mailOpts, arg string) string {
	key, val, hasVal := strings.Cut(arg, "=")
	switch {
	case strings.EqualFold(arg, "BODY=8BITMIME"):
		o.encoding = "8bit"
	case strings.EqualFold(arg, "BODY=7BIT"):
		o.encoding = "7bit"
	case hasVal && strings.EqualFold(key, "SIZE"):
		return sizeParam(o, val)
	case strings.EqualFold(arg, "SMTPUTF8") && s.p.smtputf8 && s.ehloDiscard&ehloSMTPUTF8 == 0:
	case hasVal && strings.EqualFold(key, "AUTH"):
		if o.haveSASL {
			return "503 5.5.4 Error: multiple AUTH= options"
		}
		if val != "<>" {
			o.saslSender, o.haveSASL = printable(val, '?'), true
		}
	case hasVal && strings.EqualFold(key, "RET"):
		return s.retParam(o, val)
	case hasVal && strings.EqualFold(key, "ENVID"):
		return s.envidParam(o, val)
	default:
		return "555 5.5.4 Unsupported option: " + arg
	}
	return ""
}

// sizeParam: digits only (an empty value counts as 0, as in Postfix).
func sizeParam(o *mailOpts, val string) string {
	if strings.Trim(val, "0123456789") != "" {
		return "501 5.5.4 Bad message size syntax"
	}
	if val == "" {
		o.size = 0
		return ""
	}
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil {
		// smtpd.c stores off_cvt_string()'s -1 in state->msg_size: a
		// later MAIL without SIZE= is not refused for the earlier one.
		o.size = -1
		return "552 5.3.4 Message size exceeds file system imposed limit"
	}
	o.size = n
	return ""
}

func (s *session) retParam(o *mailOpts, val string) string {
	if s.ehloDiscard&ehloDSN != 0 {
		return "501 5.7.1 DSN support is disabled"
	}
	ret := RetNone
	switch {
	case strings.EqualFold(val, "FULL"):
		ret = RetFull
	case strings.EqualFold(val, "HDRS"):
		ret = RetHdrs
	}
	if o.ret != RetNone || ret == RetNone {
		return "501 5.5.4 Bad RET parameter syntax"
	}
	o.ret = ret
	return ""
}

func (s *session) envidParam(o *mailOpts, val string) string {
	if s.ehloDiscard&ehloDSN != 0 {
		return "501 5.7.1 DSN support is disabled"
	}
	envid, ok := xtextDecode(val)
	if o.haveEnvid || !ok || !allPrint(envid) {
		return "501 5.5.4 Bad ENVID parameter syntax"
	}
	o.envid, o.haveEnvid = envid, true
	return ""
}

// allPrint: every byte is printable ASCII, space included (allprint).
func allPrint(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
