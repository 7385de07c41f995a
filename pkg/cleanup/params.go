package cleanup

import (
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Params lists the main.cf parameters cleanup reads, for a daemon's
// startup check (server.Options.Params).
var Params = []string{
	"myhostname", "mydomain", "myorigin", "mydestination", "inet_interfaces",
	"proxy_interfaces", "mail_name", "append_at_myorigin", "append_dot_mydomain",
	"swap_bangpath", "allow_percent_hack", "remote_header_rewrite_domain",
	"empty_address_recipient", "recipient_delimiter", "double_bounce_sender",
	"owner_request_special", "canonical_maps", "sender_canonical_maps",
	"recipient_canonical_maps", "canonical_classes", "sender_canonical_classes",
	"recipient_canonical_classes", "virtual_alias_maps", "virtual_alias_recursion_limit",
	"virtual_alias_expansion_limit", "virtual_alias_address_length_limit",
	"propagate_unmatched_extensions", "header_size_limit", "message_size_limit",
	"hopcount_limit", "always_add_missing_headers", "undisclosed_recipients_header",
	"enable_original_recipient", "receive_override_options", "duplicate_filter_limit",
	"smtpd_sasl_authenticated_header", "content_filter", "delay_warning_time",
	"always_bcc", "sender_bcc_maps", "recipient_bcc_maps", "message_drop_headers",
	"queue_directory", "hash_queue_names", "hash_queue_depth", "enable_long_queue_ids",
	"line_length_limit",
}

// params are the main.cf settings cleanup reads, taken once in New.
type params struct {
	myhostname, mydomain, myorigin, mailName string
	appendAtOrigin, appendDotDomain          bool
	swapBangpath, percentHack                bool
	remoteRewriteDomain                      string
	emptyAddrRcpt                            string
	recipientDelimiter                       string
	doubleBounceSender                       string
	ownerRequestSpecial                      bool
	propagateCanonical, propagateVirtual     bool
	canonClasses, senderClasses, rcptClasses canonClass
	headerSizeLimit                          int
	lineLimit                                int // line_length_limit: the message size's records
	messageSizeLimit                         int64
	hopcountLimit                            int
	virtRecursionLimit, virtExpansionLimit   int
	virtAddrLenLimit                         int
	alwaysAddHeaders                         bool
	undisclosedHeader                        string
	enableOrigRcpt                           bool
	noAddressMappings                        bool
	saslAuthHeader                           bool
	contentFilter                            string
	dupFilterLimit                           int
	alwaysBcc                                string
	delayWarning                             time.Duration
	dropHeaders                              map[string]bool // message_drop_headers, lower case
}

// canonClass is a set of canonical_classes words.
type canonClass int

const (
	envSender canonClass = 1 << iota
	envRecipient
	hdrSender
	hdrRecipient
)

func parseClasses(name string, words []string) (canonClass, error) {
	var c canonClass
	for _, w := range words {
		switch strings.ToLower(w) {
		case "envelope_sender":
			c |= envSender
		case "envelope_recipient":
			c |= envRecipient
		case "header_sender":
			c |= hdrSender
		case "header_recipient":
			c |= hdrRecipient
		default:
			return 0, badWord(name, w, strings.Join(words, " "))
		}
	}
	return c, nil
}

// paramReader collects the first error while reading parameters.
type paramReader struct {
	cfg *config.Config
	err error
}

func (r *paramReader) str(name string) string {
	v, err := r.cfg.Value(name)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

func (r *paramReader) boolean(name string) bool {
	v, err := r.cfg.Bool(name)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

func (r *paramReader) integer(name string) int {
	v, err := r.cfg.Int(name)
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

func (r *paramReader) classes(name string) canonClass {
	c, err := parseClasses(name, r.cfg.List(name))
	if err != nil && r.err == nil {
		r.err = err
	}
	return c
}

func readParams(cfg *config.Config) (*params, error) {
	r := &paramReader{cfg: cfg}
	p := &params{
		myhostname: r.str("myhostname"), mydomain: r.str("mydomain"),
		myorigin: r.str("myorigin"), mailName: r.str("mail_name"),
		appendAtOrigin:      r.boolean("append_at_myorigin"),
		appendDotDomain:     r.boolean("append_dot_mydomain"),
		swapBangpath:        r.boolean("swap_bangpath"),
		percentHack:         r.boolean("allow_percent_hack"),
		remoteRewriteDomain: r.str("remote_header_rewrite_domain"),
		emptyAddrRcpt:       r.str("empty_address_recipient"),
		recipientDelimiter:  r.str("recipient_delimiter"),
		doubleBounceSender:  r.str("double_bounce_sender"),
		ownerRequestSpecial: r.boolean("owner_request_special"),
		canonClasses:        r.classes("canonical_classes"),
		senderClasses:       r.classes("sender_canonical_classes"),
		rcptClasses:         r.classes("recipient_canonical_classes"),
		headerSizeLimit:     r.integer("header_size_limit"),
		lineLimit:           r.integer("line_length_limit"),
		hopcountLimit:       r.integer("hopcount_limit"),
		virtRecursionLimit:  r.integer("virtual_alias_recursion_limit"),
		virtExpansionLimit:  r.integer("virtual_alias_expansion_limit"),
		virtAddrLenLimit:    r.integer("virtual_alias_address_length_limit"),
		alwaysAddHeaders:    r.boolean("always_add_missing_headers"),
		undisclosedHeader:   r.str("undisclosed_recipients_header"),
		enableOrigRcpt:      r.boolean("enable_original_recipient"),
		saslAuthHeader:      r.boolean("smtpd_sasl_authenticated_header"),
		contentFilter:       r.str("content_filter"),
		dupFilterLimit:      r.integer("duplicate_filter_limit"),
		alwaysBcc:           r.str("always_bcc"),
	}
	if r.err != nil {
		return nil, r.err
	}
	return p, p.readMore(cfg)
}

// readMore reads the settings that need more than a plain lookup.
func (p *params) readMore(cfg *config.Config) error {
	size, err := cfg.Long("message_size_limit")
	if err != nil {
		return err
	}
	p.messageSizeLimit = size
	p.dropHeaders = map[string]bool{}
	for _, name := range cfg.List("message_drop_headers") {
		p.dropHeaders[strings.ToLower(name)] = true
	}
	if p.delayWarning, err = cfg.Duration("delay_warning_time"); err != nil {
		return err
	}
	for _, w := range cfg.List("propagate_unmatched_extensions") {
		switch strings.ToLower(w) {
		case "canonical":
			p.propagateCanonical = true
		case "virtual":
			p.propagateVirtual = true
		case "alias", "forward", "include", "generic":
		default:
			return badWord("propagate_unmatched_extensions", w, strings.Join(cfg.List("propagate_unmatched_extensions"), " "))
		}
	}
	return p.receiveOverrides(cfg.List("receive_override_options"))
}

// receiveOverrides applies receive_override_options (postconf(5)).
func (p *params) receiveOverrides(words []string) error {
	for _, w := range words {
		switch strings.ToLower(w) {
		case "no_address_mappings":
			p.noAddressMappings = true
		case "no_unknown_recipient_checks", "no_header_body_checks", "no_milters":
			// Postern's cleanup runs no header/body checks or milters.
		default:
			return badWord("receive_override_options", w, strings.Join(words, " "))
		}
	}
	return nil
}

// badWord is name_mask()'s complaint about a word it does not know.
func badWord(param, word, value string) error {
	return fmt.Errorf("unknown %s value \"%s\" in \"%s\"", param, word, value)
}
