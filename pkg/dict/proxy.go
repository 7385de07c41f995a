package dict

import (
	"fmt"
	"strings"
)

func init() {
	register("proxy", openProxy)
}

// openProxy handles proxy:type:name. Postfix sends such lookups to the
// proxymap(8) daemon so that a chrooted process can read a table
// outside the chroot and many processes share one open table. Postern
// serves them in-process instead: the table is opened directly, with
// proxymap's approval check kept — the table must be listed as
// proxy:type:name in $proxy_read_maps, else the open fails with
// proxymap's words. The check is skipped when opts.Param is nil
// (programs that were given no configuration).
//
// XXX: in-process, so a chrooted daemon must be able to reach the file.
func openProxy(name string, opts Options) (Dict, error) {
	if !strings.Contains(name, ":") {
		return nil, fmt.Errorf("need dictionary type:name, got %q", "proxy:"+name)
	}
	if opts.Param != nil && !proxyApproved(opts.Param("proxy_read_maps"), name) {
		return nil, fmt.Errorf("proxymap service is not configured for table \"%s\"", name)
	}
	return Open(name, opts)
}

// proxyApproved reports whether "proxy:"+spec occurs in the list.
func proxyApproved(list, spec string) bool {
	for _, t := range tokenizeQ(list, sepCommaSpace) {
		if rest, ok := strings.CutPrefix(t, "proxy:"); ok && rest == spec {
			return true
		}
	}
	return false
}
