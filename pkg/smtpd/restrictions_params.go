package smtpd

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// restrictionParamNames are the parameters the restrictions read, in
// addition to those of params.go.
var restrictionParamNames = []string{
	"access_map_reject_code", "access_map_defer_code", "unknown_hostname_reject_code",
	"unknown_address_reject_code", "unknown_client_reject_code", "invalid_hostname_reject_code",
	"non_fqdn_reject_code", "maps_rbl_reject_code", "maps_rbl_domains", "default_rbl_reply",
	"rbl_reply_maps", "smtpd_null_access_lookup_key", "unknown_local_recipient_reject_code",
	"unknown_virtual_mailbox_reject_code", "unknown_relay_recipient_reject_code",
	"unknown_virtual_alias_reject_code", "show_user_unknown_table_name", "local_recipient_maps",
	"virtual_alias_maps", "virtual_mailbox_maps", "relay_recipient_maps", "canonical_maps",
	"recipient_canonical_maps", "sender_canonical_maps", "smtpd_sender_login_maps",
	"smtpd_reject_unlisted_recipient", "smtpd_reject_unlisted_sender", "double_bounce_sender",
	"unknown_helo_hostname_tempfail_action", "unknown_address_tempfail_action",
	"recipient_delimiter", "receive_override_options", "multi_recipient_bounce_reject_code",
	"smtpd_sasl_auth_enable", "owner_request_special", "proxy_read_maps", "plaintext_reject_code",
	"smtpd_expansion_filter", "inet_protocols", "permit_mx_backup_networks",
}

func init() { Params = append(Params, restrictionParamNames...) }

// restrictionParams are the settings of the restrictions.
type restrictionParams struct {
	accessReject, accessDefer           int // access_map_reject_code, access_map_defer_code
	unknownHostCode, unknownAddrCode    int
	unknownClientCode, badNameCode      int
	nonFQDNCode, rblCode, mulRcptCode   int
	plaintextCode                       int
	localRcptCode, virtMailboxCode      int
	relayRcptCode, virtAliasCode        int
	showUnknownTable                    bool
	defaultRBLReply                     string
	mapsRBLDomains                      []string
	nullKey                             string // smtpd_null_access_lookup_key
	rejectUnlistedRcpt                  bool
	rejectUnlistedSender                bool
	unknownNameDefer, unknownAddrDefer  bool // *_tempfail_action = defer_if_permit
	saslEnable                          bool
	accessParent                        bool // parent_domain_matches_subdomains has smtpd_access_maps
	noUnknownRcptChecks                 bool // receive_override_options
	haveLocalRcptMaps, haveVirtMailbox  bool
	haveRelayRcptMaps, haveSenderLogins bool
	doubleBounce                        string
	addr                                dict.AddrParams
}

func readRestrictionParams(cfg *config.Config) (*restrictionParams, error) {
	r := &paramReader{cfg: cfg}
	p := &restrictionParams{
		accessReject: r.num("access_map_reject_code"), accessDefer: r.num("access_map_defer_code"),
		unknownHostCode: r.num("unknown_hostname_reject_code"), unknownAddrCode: r.num("unknown_address_reject_code"),
		unknownClientCode: r.num("unknown_client_reject_code"), badNameCode: r.num("invalid_hostname_reject_code"),
		nonFQDNCode: r.num("non_fqdn_reject_code"), rblCode: r.num("maps_rbl_reject_code"),
		mulRcptCode: r.num("multi_recipient_bounce_reject_code"), plaintextCode: r.num("plaintext_reject_code"),
		localRcptCode:   r.num("unknown_local_recipient_reject_code"),
		virtMailboxCode: r.num("unknown_virtual_mailbox_reject_code"), relayRcptCode: r.num("unknown_relay_recipient_reject_code"),
		virtAliasCode: r.num("unknown_virtual_alias_reject_code"), showUnknownTable: r.boolean("show_user_unknown_table_name"),
		defaultRBLReply: r.str("default_rbl_reply"), mapsRBLDomains: cfg.List("maps_rbl_domains"),
		nullKey: r.str("smtpd_null_access_lookup_key"), rejectUnlistedRcpt: r.boolean("smtpd_reject_unlisted_recipient"),
		rejectUnlistedSender: r.boolean("smtpd_reject_unlisted_sender"), saslEnable: r.boolean("smtpd_sasl_auth_enable"),
		doubleBounce:      r.str("double_bounce_sender"),
		haveLocalRcptMaps: strings.TrimSpace(r.str("local_recipient_maps")) != "",
		haveVirtMailbox:   strings.TrimSpace(r.str("virtual_mailbox_maps")) != "",
		haveRelayRcptMaps: strings.TrimSpace(r.str("relay_recipient_maps")) != "",
		haveSenderLogins:  strings.TrimSpace(r.str("smtpd_sender_login_maps")) != "",
	}
	p.unknownNameDefer = r.tempfailAction("unknown_helo_hostname_tempfail_action")
	p.unknownAddrDefer = r.tempfailAction("unknown_address_tempfail_action")
	for _, l := range cfg.List("parent_domain_matches_subdomains") {
		p.accessParent = p.accessParent || l == "smtpd_access_maps"
	}
	for _, o := range cfg.List("receive_override_options") {
		p.noUnknownRcptChecks = p.noUnknownRcptChecks || strings.EqualFold(o, "no_unknown_recipient_checks")
	}
	p.addr = dict.AddrParams{Delimiter: r.str("recipient_delimiter"), Myorigin: r.str("myorigin"),
		DoubleBounceSender: p.doubleBounce, OwnerRequestSpecial: r.boolean("owner_request_special")}
	return p, r.err
}

// tempfailAction reads a *_tempfail_action parameter: true for
// defer_if_permit, false for defer.
func (r *paramReader) tempfailAction(name string) bool {
	v := r.str(name)
	switch strings.ToLower(v) {
	case "defer_if_permit":
		return true
	case "defer":
		return false
	}
	r.fail(fmt.Errorf("bad configuration: %s = %s", name, v))
	return false
}
