package smtpclient

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/resolve"
)

// Timeouts are the per-stage time limits (smtp_*_timeout, lmtp_*_timeout).
type Timeouts struct {
	Connect, Helo, Mail, Rcpt, DataInit, DataXfer, DataDone, Quit, StartTLS, Rset time.Duration
}

// Config is everything the client reads from main.cf; NewConfig fills
// it, tests build it by hand.
type Config struct {
	LMTP               bool
	MyHostname         string
	HeloName           string // smtp_helo_name, lmtp_lhlo_name
	DefaultService     string // smtp_tcp_port, lmtp_tcp_port
	DNS                bool   // smtp_host_lookup has dns and not disable_dns_lookups
	IPv4, IPv6         bool   // inet_protocols
	MXAddrLimit        int    // smtp_mx_address_limit (0: none)
	MXSessionLimit     int    // smtp_mx_session_limit (0: none)
	FallbackRelay      []string
	Relayhost          string // to tell "relayhost configuration problem"
	SkipFiveXXGreeting bool
	SkipQuitResponse   bool
	AlwaysEHLO         bool
	NeverEHLO          bool
	LineLimit          int             // smtp_line_length_limit (0: none)
	AssumeFinal        bool            // lmtp_assume_final: LMTP success is final delivery
	DiscardEHLO        map[string]bool // smtp_discard_ehlo_keywords, upper case
	Prefer             string          // smtp_address_preference: any, ipv4, ipv6
	BindAddr4          string          // smtp_bind_address
	BindAddr6          string          // smtp_bind_address6
	QueueDir           string          // base of relative lmtp unix: paths
	TLS                TLSConfig
	SASL               *SASLConfig // nil: smtp_sasl_auth_enable = no (sasl.go)
	Cache              CacheConfig // connection cache (cache.go)
	Timeouts           Timeouts
	Generic            *dict.Maps // smtp_generic_maps
	GenericExt         bool       // "generic" in propagate_unmatched_extensions
	AddrParams         dict.AddrParams
	OwnAddr            func(netip.Addr) bool // this machine (MX loop detection)
	Resolver           Resolver
	Dialer             func(ctx context.Context, network, addr string) (net.Conn, error)
	Info, Warn         func(format string, args ...any)
}

func (c *Config) info(f string, a ...any) {
	if c.Info != nil {
		c.Info(f, a...)
	}
}

func (c *Config) warn(f string, a ...any) {
	if c.Warn != nil {
		c.Warn(f, a...)
	}
}

// NewConfig reads the smtp_* (or, with lmtp, lmtp_*) parameters.
func NewConfig(cfg *config.Config, lmtp bool) (*Config, error) {
	pfx := "smtp_"
	if lmtp {
		pfx = "lmtp_"
	}
	c := &Config{LMTP: lmtp, Resolver: net.DefaultResolver, Info: maillog.Info, Warn: maillog.Warn}
	r := &reader{cfg: cfg}
	c.MyHostname = r.str("myhostname")
	c.DefaultService = r.str(pfx + "tcp_port")
	c.HeloName = r.str(pfx + map[bool]string{false: "helo_name", true: "lhlo_name"}[lmtp])
	c.QueueDir = r.str("queue_directory")
	c.Relayhost = r.str("relayhost")
	c.FallbackRelay = SplitDestinations(r.str(pfx + "fallback_relay"))
	lookup := r.str(pfx + "host_lookup")
	c.DNS = strings.Contains(lookup, "dns") && !r.boolean("disable_dns_lookups")
	proto := strings.ToLower(r.str("inet_protocols"))
	c.IPv4 = proto == "all" || strings.Contains(proto, "ipv4")
	c.IPv6 = proto == "all" || strings.Contains(proto, "ipv6")
	c.MXAddrLimit = r.integer(pfx + "mx_address_limit")
	c.MXSessionLimit = r.integer(pfx + "mx_session_limit")
	c.SkipFiveXXGreeting = r.boolean(pfx + "skip_5xx_greeting")
	c.SkipQuitResponse = r.boolean(pfx + "skip_quit_response")
	if !lmtp {
		c.AlwaysEHLO = r.boolean("smtp_always_send_ehlo")
		c.NeverEHLO = r.boolean("smtp_never_send_ehlo")
	}
	c.LineLimit = r.integer(pfx + "line_length_limit")
	if lmtp {
		c.AssumeFinal = r.boolean("lmtp_assume_final")
	}
	c.DiscardEHLO = map[string]bool{}
	for _, w := range r.cfg.List(pfx + ehloWord(pfx) + "_keywords") {
		c.DiscardEHLO[strings.ToUpper(w)] = true
	}
	c.Prefer = strings.ToLower(r.str(pfx + "address_preference"))
	c.BindAddr4, c.BindAddr6 = r.str(pfx+"bind_address"), r.str(pfx+"bind_address6")
	r.unsupported(pfx)
	c.Timeouts = r.timeouts(pfx, lmtp)
	r.tlsSettings(c, pfx) // tls_params.go
	r.sasl(c, pfx)        // sasl.go
	r.cache(c, pfx)       // cache.go
	r.generic(c, pfx)
	if r.err != nil {
		return nil, r.err
	}
	own, err := resolve.OwnAddrs(cfg)
	if err != nil {
		return nil, err
	}
	c.OwnAddr = own
	return c, nil
}

// reader collects the first configuration error.
type reader struct {
	cfg *config.Config
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) str(name string) string {
	v, err := r.cfg.Value(name)
	r.fail(err)
	return v
}

func (r *reader) boolean(name string) bool {
	v, err := r.cfg.Bool(name)
	r.fail(err)
	return v
}

func (r *reader) integer(name string) int {
	v, err := r.cfg.Int(name)
	r.fail(err)
	return v
}

func (r *reader) duration(name string) time.Duration {
	v, err := r.cfg.Duration(name)
	r.fail(err)
	return v
}

func (r *reader) timeouts(pfx string, lmtp bool) Timeouts {
	helo := "helo_timeout"
	if lmtp {
		helo = "lhlo_timeout"
	}
	return Timeouts{
		Connect: r.duration(pfx + "connect_timeout"), Helo: r.duration(pfx + helo),
		Mail: r.duration(pfx + "mail_timeout"), Rcpt: r.duration(pfx + "rcpt_timeout"),
		DataInit: r.duration(pfx + "data_init_timeout"), DataXfer: r.duration(pfx + "data_xfer_timeout"),
		DataDone: r.duration(pfx + "data_done_timeout"), Quit: r.duration(pfx + "quit_timeout"),
		StartTLS: r.duration(pfx + "starttls_timeout"), Rset: r.duration(pfx + "rset_timeout"),
	}
}

// unsupported refuses parameters whose feature Postern does not have,
// rather than ignoring them silently.
func (r *reader) unsupported(pfx string) {
	for _, p := range []string{"header_checks", "mime_header_checks",
		"nested_header_checks", "body_checks", "connection_cache_destinations", "reply_filter",
		"dns_reply_filter", ehloWord(pfx) + "_keyword_address_maps", "pix_workaround_maps"} {
		if v := r.str(pfx + p); v != "" {
			r.fail(fmt.Errorf("%s%s = %s: not implemented in Postern's %sclient", pfx, p, v, pfx))
		}
	}
	if v := strings.ToLower(r.str(pfx + "dns_support_level")); v == "dnssec" {
		r.fail(fmt.Errorf("%sdns_support_level = dnssec: not implemented (no DNSSEC validation)", pfx))
	}
	if r.boolean(pfx + "send_xforward_command") {
		r.fail(fmt.Errorf("%ssend_xforward_command = yes: not implemented", pfx))
	}
}

// ehloWord is "discard_ehlo" for SMTP, "discard_lhlo" for LMTP.
func ehloWord(pfx string) string {
	if pfx == "lmtp_" {
		return "discard_lhlo"
	}
	return "discard_ehlo"
}

// generic opens smtp_generic_maps.
func (r *reader) generic(c *Config, pfx string) {
	spec := r.str(pfx + "generic_maps")
	c.AddrParams = dict.AddrParams{Delimiter: r.str("recipient_delimiter"), Myorigin: r.str("myorigin")}
	for _, w := range r.cfg.List("propagate_unmatched_extensions") {
		if w == "generic" {
			c.GenericExt = true
		}
	}
	if spec == "" || r.err != nil {
		return
	}
	m, err := dict.OpenMaps(pfx+"generic_maps", spec, dict.Options{Flags: dict.MapsFlags, Param: r.cfg.Get})
	r.fail(err)
	c.Generic = m
}

// Params lists the parameters NewConfig reads, for the daemon skeleton's
// startup checks.
func Params(lmtp bool) []string {
	pfx := "smtp_"
	helo := []string{"smtp_helo_name", "smtp_helo_timeout", "smtp_always_send_ehlo", "smtp_never_send_ehlo"}
	if lmtp {
		pfx = "lmtp_"
		helo = []string{"lmtp_lhlo_name", "lmtp_lhlo_timeout", "lmtp_assume_final"}
	}
	out := append([]string{"myhostname", "queue_directory", "relayhost", "disable_dns_lookups",
		"inet_protocols", "inet_interfaces", "proxy_interfaces", "recipient_delimiter", "myorigin",
		"propagate_unmatched_extensions"}, helo...)
	for _, p := range []string{"tcp_port", "host_lookup", "fallback_relay", "mx_address_limit",
		"mx_session_limit", "skip_5xx_greeting", "skip_quit_response", "line_length_limit",
		"connect_timeout", "mail_timeout", "rcpt_timeout", "data_init_timeout", "data_xfer_timeout",
		"data_done_timeout", "quit_timeout", "starttls_timeout", "rset_timeout", "tls_security_level",
		"use_tls", "enforce_tls", "tls_wrappermode", "tls_loglevel", "tls_note_starttls_offer",
		"tls_CAfile", "tls_cert_file", "tls_key_file", "generic_maps", "sasl_auth_enable",
		ehloWord(pfx) + "_keywords", "address_preference", "bind_address", "bind_address6",
		"tls_policy_maps", "tls_per_site", "header_checks", "mime_header_checks", "nested_header_checks",
		"body_checks", "connection_cache_destinations", "reply_filter", "dns_reply_filter",
		ehloWord(pfx) + "_keyword_address_maps", "pix_workaround_maps", "dns_support_level",
		"send_xforward_command"} {
		out = append(out, pfx+p)
	}
	for _, p := range cacheParams {
		out = append(out, pfx+p)
	}
	return append(out, securityParams(pfx)...)
}
