package resolve

import (
	"fmt"
	"net/netip"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
)

// personality is one set of transport parameters (RES_CONTEXT): the
// regular one, or the verify one used for address probes.
type personality struct {
	local, virtual, relay, def param
	relayhost                  string
	sndRelay, sndDefXport      *dict.Maps
	sndRelayName, sndDefXpName string
	transport                  *transportTable
	transportName              string
}

// param is a transport parameter with its name (for "null transport is
// not allowed" messages).
type param struct{ name, value string }

// Resolver is Postfix's trivial-rewrite as a library. It is safe for
// concurrent use once built; tables are opened by New.
type Resolver struct {
	regular, verify personality

	mydest, virtAliasDoms, virtMailboxDoms, relayDomains *DomainList
	relocated                                            *dict.Maps
	ownAddr                                              func(netip.Addr) bool

	local, remote                         rwContext
	myhostname, mydomain, emptyAddr       string
	nullRelayKey, nullDefXportKey         string
	configDir                             string
	addrParams                            dict.AddrParams
	swapBangpath, percentHack             bool
	appendAtMyorigin, appendDotMydomainOn bool
	warnCompatDotMydomain                 bool
	resolveDequoted, resolveNullDomain    bool
	resolveNumericDomain, allowMinUser    bool
	showUnkRcptTable, helpfulWarnings     bool
	smtputf8                              bool

	Info, Warn func(format string, args ...any)
}

func (r *Resolver) info(f string, a ...any) {
	if r.Info != nil {
		r.Info(f, a...)
	}
}

func (r *Resolver) warn(f string, a ...any) {
	if r.Warn != nil {
		r.Warn(f, a...)
	}
}

// Options are what New cannot read from the configuration.
type Options struct {
	// OwnAddr reports whether an address is this machine's for
	// user@[address] (inet_interfaces, proxy_interfaces). nil: computed
	// with OwnAddrs.
	OwnAddr func(netip.Addr) bool
	// Dict are the options tables are opened with (Param, Warn).
	Dict dict.Options
}

// New builds a Resolver from main.cf. Parameters read: see the package
// documentation.
func New(cfg *config.Config, opts Options) (*Resolver, error) {
	r := &Resolver{Info: maillog.Info, Warn: maillog.Warn, ownAddr: opts.OwnAddr}
	if r.ownAddr == nil {
		own, err := OwnAddrs(cfg)
		if err != nil {
			return nil, err
		}
		r.ownAddr = own
	}
	if opts.Dict.Warn == nil {
		opts.Dict.Warn = func(m string) { r.warn("%s", m) }
	}
	if opts.Dict.Param == nil {
		opts.Dict.Param = cfg.Get
	}
	// Only daemons resolve: a table that cannot be opened fails its
	// lookups (mail deferred) instead of stopping the daemon, as
	// Postfix's daemons allow (dict_allow_surrogate).
	opts.Dict.Surrogate = true
	if opts.Dict.Error == nil {
		opts.Dict.Error = func(m string) { maillog.Error("%s", m) }
	}
	if err := r.readParams(cfg); err != nil {
		return nil, err
	}
	if err := r.openLists(cfg, opts.Dict); err != nil {
		r.Close()
		return nil, err
	}
	var err error
	if r.regular, err = newPersonality(cfg, opts.Dict, regularNames); err == nil {
		r.verify, err = newPersonality(cfg, opts.Dict, verifyNames)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// readParams reads the scalar parameters.
func (r *Resolver) readParams(cfg *config.Config) error {
	strs := []struct {
		dst  *string
		name string
	}{{&r.myhostname, "myhostname"}, {&r.mydomain, "mydomain"}, {&r.local.origin, "myorigin"},
		{&r.remote.origin, "remote_header_rewrite_domain"}, {&r.emptyAddr, "empty_address_recipient"},
		{&r.nullRelayKey, "empty_address_relayhost_maps_lookup_key"},
		{&r.nullDefXportKey, "empty_address_default_transport_maps_lookup_key"},
		{&r.addrParams.Delimiter, "recipient_delimiter"}}
	for _, s := range strs {
		v, err := cfg.Value(s.name)
		if err != nil {
			return err
		}
		*s.dst = v
	}
	r.local.domain, r.remote.domain = r.mydomain, r.remote.origin
	r.configDir = cfg.Dir
	r.addrParams.Myorigin = r.local.origin
	r.addrParams.IsLocal = r.IsLocal
	bools := []struct {
		dst  *bool
		name string
	}{{&r.swapBangpath, "swap_bangpath"}, {&r.percentHack, "allow_percent_hack"},
		{&r.appendAtMyorigin, "append_at_myorigin"}, {&r.appendDotMydomainOn, "append_dot_mydomain"},
		{&r.resolveDequoted, "resolve_dequoted_address"}, {&r.resolveNullDomain, "resolve_null_domain"},
		{&r.resolveNumericDomain, "resolve_numeric_domain"}, {&r.allowMinUser, "allow_min_user"},
		{&r.showUnkRcptTable, "show_user_unknown_table_name"}, {&r.helpfulWarnings, "helpful_warnings"},
		{&r.smtputf8, "smtputf8_enable"}}
	for _, b := range bools {
		v, err := cfg.Bool(b.name)
		if err != nil {
			return err
		}
		*b.dst = v
	}
	return nil
}

// openLists opens the domain class lists and relocated_maps.
func (r *Resolver) openLists(cfg *config.Config, o dict.Options) error {
	var err error
	if r.mydest, err = NewStringList("mydestination", cfg.Get("mydestination"), o); err != nil {
		return err
	}
	if v := cfg.Get("virtual_alias_domains"); v != "" {
		if r.virtAliasDoms, err = NewStringList("virtual_alias_domains", v, o); err != nil {
			return err
		}
	}
	if v := cfg.Get("virtual_mailbox_domains"); v != "" {
		if r.virtMailboxDoms, err = NewStringList("virtual_mailbox_domains", v, o); err != nil {
			return err
		}
	}
	if v := cfg.Get("relay_domains"); v != "" {
		parent := ParentStyle(cfg, "relay_domains")
		if r.relayDomains, err = NewDomainList("relay_domains", v, parent, o); err != nil {
			return err
		}
	}
	if v := cfg.Get("relocated_maps"); v != "" {
		o.Flags = dict.MapsFlags
		if r.relocated, err = dict.OpenMaps("relocated_maps", v, o); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the tables.
func (r *Resolver) Close() {
	for _, l := range []*DomainList{r.mydest, r.virtAliasDoms, r.virtMailboxDoms, r.relayDomains} {
		l.Close()
	}
	for _, m := range []*dict.Maps{r.relocated, r.regular.sndRelay, r.regular.sndDefXport,
		r.verify.sndRelay, r.verify.sndDefXport} {
		if m != nil {
			m.Close()
		}
	}
	for _, t := range []*transportTable{r.regular.transport, r.verify.transport} {
		if t != nil {
			t.maps.Close()
		}
	}
}

// personalityNames are the parameter names of one personality.
type personalityNames struct {
	local, virtual, relay, def, relayhost, sndRelay, sndDefXport, transport string
}

var regularNames = personalityNames{"local_transport", "virtual_transport", "relay_transport",
	"default_transport", "relayhost", "sender_dependent_relayhost_maps",
	"sender_dependent_default_transport_maps", "transport_maps"}

var verifyNames = personalityNames{"address_verify_local_transport", "address_verify_virtual_transport",
	"address_verify_relay_transport", "address_verify_default_transport", "address_verify_relayhost",
	"address_verify_sender_dependent_relayhost_maps",
	"address_verify_sender_dependent_default_transport_maps", "address_verify_transport_maps"}

func newPersonality(cfg *config.Config, o dict.Options, n personalityNames) (personality, error) {
	p := personality{sndRelayName: n.sndRelay, sndDefXpName: n.sndDefXport, transportName: n.transport}
	for _, x := range []struct {
		dst  *param
		name string
	}{{&p.local, n.local}, {&p.virtual, n.virtual}, {&p.relay, n.relay}, {&p.def, n.def}} {
		v, err := cfg.Value(x.name)
		if err != nil {
			return p, err
		}
		*x.dst = param{x.name, v}
	}
	p.relayhost = cfg.Get(n.relayhost)
	o.Flags = dict.MapsFlags | dict.NoRegsub
	var err error
	if v := cfg.Get(n.sndRelay); v != "" {
		if p.sndRelay, err = dict.OpenMaps(n.sndRelay, v, o); err != nil {
			return p, err
		}
	}
	if v := cfg.Get(n.sndDefXport); v != "" {
		if p.sndDefXport, err = dict.OpenMaps(n.sndDefXport, v, o); err != nil {
			return p, err
		}
	}
	if v := cfg.Get(n.transport); v != "" {
		m, err := dict.OpenMaps(n.transport, v, o)
		if err != nil {
			return p, err
		}
		p.transport = &transportTable{maps: m, parent: ParentStyle(cfg, "transport_maps")}
	}
	return p, nil
}

// String describes the resolver for debugging.
func (r *Resolver) String() string {
	return fmt.Sprintf("resolver(myhostname=%s)", r.myhostname)
}

// Params lists the parameters New reads, for the daemon skeleton's
// startup checks.
var Params = []string{"myhostname", "mydomain", "myorigin", "mydestination", "inet_interfaces",
	"proxy_interfaces", "remote_header_rewrite_domain", "empty_address_recipient", "recipient_delimiter",
	"swap_bangpath", "allow_percent_hack", "append_at_myorigin", "append_dot_mydomain",
	"resolve_dequoted_address", "resolve_null_domain", "resolve_numeric_domain", "allow_min_user",
	"show_user_unknown_table_name", "helpful_warnings", "smtputf8_enable", "virtual_alias_domains",
	"virtual_mailbox_domains", "relay_domains", "parent_domain_matches_subdomains", "relocated_maps",
	"local_transport", "virtual_transport", "relay_transport", "default_transport", "relayhost",
	"sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
	"empty_address_relayhost_maps_lookup_key", "empty_address_default_transport_maps_lookup_key",
	"transport_maps", "ipc_timeout"}
