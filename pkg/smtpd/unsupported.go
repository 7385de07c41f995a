package smtpd

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// Features that Postfix's smtpd has and Postern's does not have yet. A
// configuration that turns one on makes smtpd refuse to start, rather
// than accept mail while silently ignoring the setting.
var unsupportedParams = []struct {
	name, off, what string
}{
	{"smtpd_milters", "", "Milter support"},
	{"smtpd_proxy_filter", "", "before-queue content filters"},
	{"smtpd_command_filter", "", "smtpd_command_filter"},
	{"smtpd_reject_footer", "", "reject footers"},
	{"smtpd_reject_footer_maps", "", "reject footers"},
	{"smtpd_authorized_xclient_hosts", "", "XCLIENT"},
	{"smtpd_authorized_xforward_hosts", "", "XFORWARD"},
	{"smtpd_authorized_verp_clients", "", "XVERP"},
	{"smtpd_upstream_proxy_protocol", "", "the haproxy protocol"},
	{"smtpd_discard_ehlo_keyword_address_maps", "", "per-client EHLO keyword maps"},
	{"smtpd_dns_reply_filter", "", "DNS reply filters"},
}

// checkUnsupported reports the first unsupported feature that the
// configuration enables.
func checkUnsupported(cfg *config.Config) error {
	for _, u := range unsupportedParams {
		v := strings.TrimSpace(cfg.Get(u.name))
		if !strings.EqualFold(v, u.off) {
			return fmt.Errorf("%s = %s: %s is not implemented in Postern's smtpd yet", u.name, v, u.what)
		}
	}
	return nil
}
