package postconf

import (
	"fmt"

	"github.com/postern/postern/pkg/config"
)

// The expander is pkg/config's (config.MacExpand); postconf uses its scan
// mode and exact diagnostics directly.
const (
	macRecurse    = config.MacRecurse
	macScan       = config.MacScan
	macParseError = config.MacParseError
	macParseUndef = config.MacParseUndef
)

type macLookup = config.MacLookup

func macExpand(pattern string, flags int, lookup macLookup, warn func(string, ...any)) (string, int) {
	return config.MacExpand(pattern, flags, lookup, warn)
}

// errMacro is the fatal error after a failed expansion.
var errMacro = fmt.Errorf("macro processing error")
