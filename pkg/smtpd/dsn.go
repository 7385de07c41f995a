package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/config"
)

var notifyNames = []struct {
	name string
	mask int
}{{"NEVER", NotifyNever}, {"SUCCESS", NotifySuccess}, {"FAILURE", NotifyFailure}, {"DELAY", NotifyDelay}}

// notifyMask parses a NOTIFY= value (dsn_notify_mask): NEVER alone, or
// any of SUCCESS, FAILURE, DELAY. 0 means bad syntax.
func (s *session) notifyMask(val string) int {
	mask := 0
	for _, w := range config.SplitList(val) {
		found := false
		for _, n := range notifyNames {
			if strings.EqualFold(w, n.name) {
				mask |= n.mask
				found = true
			}
		}
		if !found {
			s.srv.log.Warn("unknown DSN NOTIFY command value \"%s\" in \"%s\"", w, val)
			return 0
		}
	}
	if mask != NotifyNever && mask&NotifyNever != 0 {
		return 0
	}
	return mask
}

// orcptParam decodes ORCPT=type;xtext (RFC 3461 4.2, RFC 6533) into
// "type;address". ok is false for bad syntax.
func orcptParam(val string) (string, bool) {
	typ, coded, ok := strings.Cut(val, ";")
	if !ok || typ == "" {
		return "", false
	}
	var addr string
	if strings.EqualFold(typ, "utf-8") {
		addr, ok = uxtextDecode(coded)
	} else {
		addr, ok = xtextDecode(coded)
	}
	// smtpd.c: "strlen(STR(state->dsn_buf)) != LEN(state->dsn_buf)",
	// a NUL from "+00" or "\x{0}" is bad syntax.
	if !ok || strings.IndexByte(addr, 0) >= 0 {
		return "", false
	}
	return typ + ";" + addr, true
}
