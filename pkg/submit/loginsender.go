package submit

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Cleanup status bits (global/cleanup_user.h): postdrop's completion
// status, and what sendmail turns into its message.
const (
	StatOK     = 0
	StatBad    = 1 << 0 // internal protocol error
	StatWrite  = 1 << 1 // error writing message file
	StatSize   = 1 << 2 // message file too big
	StatRcpt   = 1 << 6 // no recipients found
	StatNoPerm = 1 << 9 // denied by non-content policy
)

// StatusText is cleanup_strerror().
func StatusText(status int) string {
	for _, s := range []struct {
		bit  int
		text string
	}{
		{StatBad, "internal protocol error"}, {StatRcpt, "no recipients specified"},
		{StatSize, "message file too big"}, {StatWrite, "queue file write error"},
		{StatNoPerm, "service denied"},
	} {
		if status&s.bit != 0 {
			return s.text
		}
	}
	return "unknown cleanup error"
}

// checkLoginSender applies local_login_sender_maps to the envelope sender
// of a local submission (postdrop.c check_login_sender_acl(),
// login_sender_match.c). The login name (or "uid:N" without a password
// entry) is looked up; the result lists the senders it may use:
// addresses (compared without address extension), "@domain", "*" for
// any, and $empty_address_local_login_sender_maps_lookup_key for the
// null sender. It returns a status and the reason.
func checkLoginSender(cfg *config.Config, uid int, sender string) (int, string) {
	maps := cfg.Get("local_login_sender_maps")
	if strings.TrimSpace(maps) == "static:*" {
		return StatOK, ""
	}
	if strings.IndexByte(sender, 0) >= 0 {
		return StatBad, "NUL in FROM record"
	}
	login := "uid:" + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		login = u.Username
	}
	m, err := dict.OpenMaps("local_login_sender_maps", maps, dict.Options{Flags: dict.MapsFlags, Param: cfg.Get})
	if err == nil {
		defer m.Close()
		var patterns string
		var ok bool
		if patterns, ok, err = m.Find(login, false); err == nil {
			if ok && senderAllowed(cfg, patterns, sender) {
				return StatOK, ""
			}
			return StatNoPerm, fmt.Sprintf("not authorized to use sender='%s'", sender)
		}
	}
	return StatWrite, fmt.Sprintf("local_login_sender_maps table lookup error for '%s'", maps)
}

// senderAllowed matches sender against one table result.
func senderAllowed(cfg *config.Config, patterns, sender string) bool {
	null := cfg.Get("empty_address_local_login_sender_maps_lookup_key")
	for _, p := range splitQuoted(patterns) {
		switch {
		case strings.HasPrefix(p, "@"):
			at := strings.LastIndexByte(sender, '@')
			if at >= 0 && strings.EqualFold(p, sender[at:]) {
				return true
			}
		case p == "*":
			return true
		case strings.EqualFold(p, null):
			if sender == "" {
				return true
			}
		case strings.EqualFold(p, stripExtension(sender, cfg.Get("recipient_delimiter"))):
			return true
		}
	}
	return false
}

// splitQuoted splits on commas and white space, keeping double-quoted
// text together (mystrtokdq()).
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteByte(c)
		case c == '\\' && quoted && i+1 < len(s):
			cur.WriteByte(c)
			i++
			cur.WriteByte(s[i])
		case !quoted && strings.IndexByte(", \t\r\n", c) >= 0:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// stripExtension removes an address extension (user+ext@domain) and
// externalizes the result (strip_externalize_addr()).
func stripExtension(a, delims string) string {
	local, domain := a, ""
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		local, domain = a[:at], a[at:]
	}
	if i := strings.IndexAny(local, delims); delims != "" && i > 0 {
		local = local[:i]
	}
	return addr.QuoteLocal(local + domain)
}
