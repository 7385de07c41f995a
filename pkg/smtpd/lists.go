package smtpd

import (
	"net/netip"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/resolve"
)

// lists are the match lists smtpd consults per session.
type lists struct {
	mynetworks   *matchList            // permit_mynetworks
	bareLFExcl   *matchList            // smtpd_forbid_bare_newline_exclusions
	forbidden    *matchList            // smtpd_forbidden_commands
	noop         *matchList            // smtpd_noop_commands
	ownAddr      func(netip.Addr) bool // permit_inet_interfaces
	flushDomains *matchList            // fast_flush_domains
}

func openLists(cfg *config.Config, open openTableFunc) (*lists, error) {
	l := &lists{}
	specs := []struct {
		dst          **matchList
		param, style string
	}{
		{&l.mynetworks, "mynetworks", "mynetworks"},
		{&l.bareLFExcl, "smtpd_forbid_bare_newline_exclusions", "mynetworks"},
		{&l.forbidden, "smtpd_forbidden_commands", "smtpd_forbidden_commands"},
		{&l.noop, "smtpd_noop_commands", "smtpd_noop_commands"},
		{&l.flushDomains, "fast_flush_domains", "fast_flush_domains"},
	}
	for _, sp := range specs {
		m, err := newMatchList(cfg, sp.style, cfg.Get(sp.param), open)
		if err != nil {
			return nil, err
		}
		m.param = sp.param
		*sp.dst = m
	}
	own, err := resolve.OwnAddrs(cfg)
	if err != nil {
		return nil, err
	}
	l.ownAddr = own
	return l, nil
}
