package users

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// RecipientMaps is local_recipient_maps, opened: the local users and
// aliases that smtpd(8) accepts for the local address class
// ($mydestination, $inet_interfaces, $proxy_interfaces). The default,
// "proxy:unix:passwd.byname $alias_maps", accepts users in the password
// database and names in the alias tables.
type RecipientMaps struct {
	maps   *dict.Maps // nil: local_recipient_maps is empty, no check
	params dict.AddrParams
}

// OpenRecipientMaps opens local_recipient_maps. opts.Param should be
// set (proxy: tables check proxy_read_maps with it).
func OpenRecipientMaps(cfg *config.Config, opts dict.Options) (*RecipientMaps, error) {
	if opts.Flags == 0 {
		opts.Flags = dict.MapsFlags
	}
	own, err := cfg.Bool("owner_request_special")
	if err != nil {
		return nil, err
	}
	rm := &RecipientMaps{params: dict.AddrParams{
		Delimiter: cfg.Get("recipient_delimiter"), Myorigin: cfg.Get("myorigin"),
		DoubleBounceSender: cfg.Get("double_bounce_sender"), OwnerRequestSpecial: own,
		// The caller asks only for addresses in the local class.
		IsLocal: func(string) (bool, error) { return true, nil },
	}}
	var specs []string
	var dicts []dict.Dict
	for _, spec := range config.SplitList(cfg.Get("local_recipient_maps")) {
		d, err := dict.Open(spec, opts)
		if err != nil {
			for _, o := range dicts {
				o.Close()
			}
			return nil, fmt.Errorf("local_recipient_maps: %w", err)
		}
		specs, dicts = append(specs, spec), append(dicts, d)
	}
	if len(dicts) > 0 {
		rm.maps = dict.NewMaps("local_recipient_maps", specs, dicts)
	}
	return rm, nil
}

// Known reports whether addr, a resolved recipient (internal form) in
// the local address class, is a known local recipient, as smtpd's
// check_rcpt_maps() decides: always when local_recipient_maps is empty;
// always for $double_bounce_sender, postmaster and MAILER-DAEMON (at any
// local domain); else when the address is found in the tables in
// mail_addr_find() order (user+ext@domain, user@domain, user+ext, user,
// @domain). An error is a table failure: smtpd answers 451 4.3.0.
func (rm *RecipientMaps) Known(addr string) (bool, error) {
	if rm.maps == nil {
		return true, nil
	}
	for _, name := range []string{rm.params.DoubleBounceSender, "postmaster", "MAILER-DAEMON"} {
		if matchLeft(name, addr) {
			return true, nil
		}
	}
	_, found, err := rm.maps.FindAddr(addr, rm.params, dict.FindDefault)
	return found, err
}

// matchLeft is smtpd_check.c MATCH_LEFT: addr is name@something.
func matchLeft(name, addr string) bool {
	return name != "" && len(addr) > len(name) && addr[len(name)] == '@' && strings.EqualFold(addr[:len(name)], name)
}

// Enabled reports whether local_recipient_maps is not empty (smtpd
// checks local recipients at all).
func (rm *RecipientMaps) Enabled() bool { return rm.maps != nil }

// Close closes the tables.
func (rm *RecipientMaps) Close() {
	if rm.maps != nil {
		rm.maps.Close()
	}
}

// RecipientKnown opens local_recipient_maps, answers Known(addr) and
// closes the tables: for programs that ask once (a daemon keeps a
// RecipientMaps open).
func RecipientKnown(cfg *config.Config, addr string) (bool, error) {
	rm, err := OpenRecipientMaps(cfg, dict.Options{Flags: dict.MapsFlags, Param: cfg.Get})
	if err != nil {
		return false, err
	}
	defer rm.Close()
	return rm.Known(addr)
}
