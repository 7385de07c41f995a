package dict

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

func init() { register("nis", openNIS) }

// nisDict is util/dict_nis.c on a host without a NIS domain, the usual
// case: every lookup finds nothing, after one warning per process. The
// default alias_maps (hash:/etc/aliases, nis:mail.aliases) and so the
// default local_recipient_maps name a NIS table.
// XXX: NIS itself is not supported: on a host with a NIS domain the
// table cannot be opened.
type nisDict struct{}

var nisOnce sync.Once

// domainnameFile holds the NIS domain name (getdomainname()).
var domainnameFile = "/proc/sys/kernel/domainname"

func openNIS(name string, opts Options) (Dict, error) {
	b, _ := os.ReadFile(domainnameFile)
	domain := strings.TrimSpace(string(b))
	if domain != "" && !strings.EqualFold(domain, "(none)") {
		return nil, fmt.Errorf("nis:%s: NIS domain %s: NIS lookups are not supported by Postern", name, domain)
	}
	nisOnce.Do(func() { opts.warnf("dict_nis_init: NIS domain name not set - NIS lookups disabled") })
	return nisDict{}, nil
}

func (nisDict) Lookup(string) (string, bool, error) { return "", false, nil }
func (nisDict) Flags() Flags                        { return Fixed }
func (nisDict) Close() error                        { return nil }
