package smtpd

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Restriction lists (smtpd_check.c). Each SMTP stage has a list; a list
// is evaluated left to right by generic(): the first restriction that
// permits ends that list, the first that rejects ends the stage, the end
// of the list is "dunno". With smtpd_delay_reject = yes (the default)
// the client, helo and sender lists run at RCPT time, just before the
// relay and recipient lists, so that a rejection can name the
// recipient.

// Results of a restriction or a list (SMTPD_CHECK_*).
const (
	checkDunno  = 0
	checkOK     = 1
	checkReject = 2
)

// Reply classes in "<x>: Class rejected: text" (smtpd_dsn_fix.h).
const (
	nameClient    = "Client host"
	nameRevClient = "Unverified Client host"
	nameHelo      = "Helo command"
	nameSender    = "Sender address"
	nameRecipient = "Recipient address"
	nameEtrn      = "Etrn command"
	nameData      = "Data command"
	nameEOD       = "End-of-data"
)

// errClass is the kind of a rejection (MAIL_ERROR_*); warn_if_reject
// does not apply to server trouble.
type errClass int

const (
	errPolicy errClass = iota
	errProtocol
	errBounce
	errSoftware
	errResource
	errData
)

type checker struct {
	client, helo, sender, relay, recipient []string
	data, eod, etrn                        []string
	classes                                map[string][]string
	rp                                     *restrictionParams
	tables                                 map[string]*dict.Maps // access tables by "type:name"
	rcpt                                   *rcptMaps
	senderLogins, rblReplies               *dict.Maps
	rbl                                    *rblCache
	expFilter                              expandFilter // smtpd_expansion_filter
	addrTypes                              []uint16     // A, AAAA per inet_protocols
	permMXNetworks                         *matchList   // permit_mx_backup_networks
	policies                               *policyClients
}

// newChecker parses the restriction lists and opens their tables.
func newChecker(cfg *config.Config, srv *Server) (*checker, error) {
	c, err := parseChecks(cfg)
	if err != nil {
		return nil, err
	}
	if c.rp, err = readRestrictionParams(cfg); err != nil {
		return nil, err
	}
	lists := [][]string{c.client, c.helo, c.sender, c.relay, c.recipient, c.data, c.eod, c.etrn}
	for _, l := range c.classes {
		lists = append(lists, l)
	}
	if err := c.checkRBLPatterns(lists); err != nil {
		return nil, err
	}
	c.tables = srv.accessTables(lists...)
	if c.policies, err = newPolicyClients(cfg, lists); err != nil {
		return nil, err
	}
	if c.rcpt, err = srv.openRcptMaps(cfg); err != nil {
		return nil, err
	}
	if c.senderLogins, err = srv.openMaps("smtpd_sender_login_maps", cfg.Get("smtpd_sender_login_maps")); err != nil {
		return nil, err
	}
	if c.rblReplies, err = srv.openMaps("rbl_reply_maps", cfg.Get("rbl_reply_maps")); err != nil {
		return nil, err
	}
	if c.permMXNetworks, err = newMatchList(cfg, "permit_mx_backup_networks",
		cfg.Get("permit_mx_backup_networks"), srv.deps.OpenTable); err != nil {
		return nil, err
	}
	c.rbl = newRBLCache()
	c.expFilter = expandFilter(unescape(cfg.Get("smtpd_expansion_filter")))
	c.addrTypes = inetAddrTypes(cfg.Get("inet_protocols"))
	return c, nil
}

// parseChecks reads the restriction lists and classes.
func parseChecks(cfg *config.Config) (*checker, error) {
	c := &checker{
		client: cfg.List("smtpd_client_restrictions"), helo: cfg.List("smtpd_helo_restrictions"),
		sender: cfg.List("smtpd_sender_restrictions"), relay: cfg.List("smtpd_relay_restrictions"),
		recipient: cfg.List("smtpd_recipient_restrictions"), data: cfg.List("smtpd_data_restrictions"),
		eod: cfg.List("smtpd_end_of_data_restrictions"), etrn: cfg.List("smtpd_etrn_restrictions"),
		classes: map[string][]string{},
	}
	for _, name := range cfg.List("smtpd_restriction_classes") {
		v, err := cfg.Value(name)
		if err != nil || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("restriction class `%s' needs a definition", name)
		}
		c.classes[name] = config.SplitList(v)
	}
	c.classes["reject_sender_login_mismatch"] = []string{
		"reject_authenticated_sender_login_mismatch", "reject_unauthenticated_sender_login_mismatch"}
	if !c.hasRequired(c.recipient, 0) && !c.hasRequired(c.relay, 0) {
		return nil, fmt.Errorf("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, " +
			"specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, " +
			"reject, defer, defer_if_permit or check_relay_domains")
	}
	return c, nil
}

// rcptRequired are the restrictions of which at least one must appear in
// the relay or recipient list.
var rcptRequired = []string{"reject_unauth_destination", "defer_unauth_destination",
	"reject", "defer", "defer_if_permit", "check_relay_domains"}

// hasRequired is has_required(): classes count with their contents, a
// "permit" ends the search, "warn_if_reject x" does not count.
func (c *checker) hasRequired(list []string, depth int) bool {
	for i := 0; i < len(list); i++ {
		name := list[i]
		if strings.EqualFold(name, "warn_if_reject") && i+1 < len(list) {
			i++
			continue
		}
		if strings.EqualFold(name, "permit") {
			return false
		}
		for _, r := range rcptRequired {
			if strings.EqualFold(name, r) {
				return true
			}
		}
		if sub, ok := c.classes[name]; ok && depth < 100 && c.hasRequired(sub, depth+1) {
			return true
		}
	}
	return false
}

// rblArgRestrictions take a DNS list "domain[=pattern]" argument.
var rblArgRestrictions = map[string]bool{"reject_rbl_client": true, "reject_rbl": true,
	"permit_dnswl_client": true, "reject_rhsbl_client": true, "reject_rhsbl_reverse_client": true,
	"reject_rhsbl_helo": true, "reject_rhsbl_sender": true, "reject_rhsbl_recipient": true,
	"permit_rhswl_client": true}

// checkRBLPatterns parses the reply patterns of the DNS list arguments
// now, so that a bad one is a startup error ("RBL reply error", fatal in
// Postfix at first use).
func (c *checker) checkRBLPatterns(lists [][]string) error {
	domains := append([]string(nil), c.rp.mapsRBLDomains...)
	for _, l := range lists {
		for i := 0; i+1 < len(l); i++ {
			if rblArgRestrictions[strings.ToLower(l[i])] {
				domains = append(domains, l[i+1])
			}
		}
	}
	for _, d := range domains {
		if _, p, ok := strings.Cut(d, "="); ok {
			if _, err := parseIPPattern(p); err != nil {
				return fmt.Errorf("RBL reply error: %v", err)
			}
		}
	}
	return nil
}

// inetAddrTypes are the address record types of inet_protocols.
func inetAddrTypes(protocols string) []uint16 {
	var out []uint16
	for _, p := range config.SplitList(strings.ToLower(protocols)) {
		switch p {
		case "all":
			return []uint16{dnsTypeA, dnsTypeAAAA}
		case "ipv4":
			out = append(out, dnsTypeA)
		case "ipv6":
			out = append(out, dnsTypeAAAA)
		}
	}
	return out
}
