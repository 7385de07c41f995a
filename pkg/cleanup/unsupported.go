package cleanup

import (
	"fmt"

	"github.com/postern/postern/pkg/config"
)

// unsupportedParams are cleanup(8) features Postern does not implement
// yet. Setting one is refused with an error naming it, never ignored: a
// header_checks rule that silently did nothing would let through what the
// administrator meant to stop.
var unsupportedParams = []string{
	"header_checks", "mime_header_checks", "nested_header_checks", "body_checks",
	"smtpd_milters", "non_smtpd_milters", "masquerade_domains",
}

func checkUnsupported(cfg *config.Config) error {
	for _, name := range unsupportedParams {
		if v := cfg.Get(name); v != "" {
			return fmt.Errorf("%s = %s: not implemented by Postern yet (see docs/compatibility.md)", name, v)
		}
	}
	return nil
}
