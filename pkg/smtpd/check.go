package smtpd

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
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
}

func newChecker(cfg *config.Config) (*checker, error) {
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
