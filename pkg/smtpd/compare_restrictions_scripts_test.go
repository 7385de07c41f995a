package smtpd

// The variants, tables, DNS zone and scripts of
// TestCompareRestrictionsWithPostfix. DIR in a setting is the table
// directory.

// rscript is a script with the client's source address.
type rscript struct {
	script
	from string
}

// restrictionBase is added to oracleBase for every variant. What
// Postfix's trivial-rewrite and proxymap daemons read must be here, in
// main.cf, not in a variant's -o overrides.
var restrictionBase = map[string]string{
	"recipient_delimiter":             "+",
	"smtpd_log_access_permit_actions": "OK, RELAY, DISCARD, 12345, permit_dnswl_client",
	"relay_domains":                   "relay.test err.test rty.test " + relayTest,
	"transport_maps":                  "texthash:DIR/transport",
	"virtual_alias_domains":           "valias.test",
	"virtual_alias_maps":              "texthash:DIR/valias",
	"virtual_mailbox_domains":         "vmbox.test",
	"virtual_mailbox_maps":            "texthash:DIR/vmbox",
	"canonical_maps":                  "texthash:DIR/canonical",
	"proxy_read_maps":                 "proxy:unix:passwd.byname",
}

var restrictionTables = map[string]string{
	"client.cidr": "127.0.0.2 REJECT client two\n127.0.0.3 OK\n127.0.0.4 DEFER_IF_PERMIT client four deferred\n" +
		"127.0.0.5 HOLD\n127.0.0.6 reject_unauth_destination\n",
	"helo": "bad.helo.test REJECT bad helo\nhelo.test 550 5.1.1 helo code\nwarn.helo.test WARN helo warning\n" +
		"info.helo.test INFO\nfilter.helo.test FILTER smtp:[127.0.0.1]:10025\nhangup.helo.test HANGUP bye\n" +
		"192.0.2.1 REJECT numeric helo\n",
	"sender": "ok@s.test OK\nreject@s.test REJECT\nrejtext@s.test REJECT 5.7.0 go away\n" +
		"rejdsn@s.test REJECT 4.1.1 bad dsn\ndefer@s.test DEFER\ndefertext@s.test DEFER 4.2.0 busy\n" +
		"code@s.test 550 5.1.1 no such sender\ncode421@s.test 421 4.7.0 closing\ncodeplain@s.test 553 not allowed\n" +
		"codeonly@s.test 550\ndunno@s.test DUNNO\nhold@s.test HOLD\nholdtext@s.test HOLD please wait\n" +
		"discard@s.test DISCARD\nfilter@s.test FILTER smtp:[127.0.0.1]:10025\nfilterbad@s.test FILTER nocolon\n" +
		"filterempty@s.test FILTER\nredirect@s.test REDIRECT other@example.com\nredirectbad@s.test REDIRECT nowhere\n" +
		"bcc@s.test BCC copy@example.com\nprepend@s.test PREPEND X-Tag: yes\nprependbad@s.test PREPEND not a header\n" +
		"warn@s.test WARN watch this\ninfo@s.test INFO for info\ndip@s.test DEFER_IF_PERMIT\n" +
		"dir@s.test DEFER_IF_REJECT\ndirtext@s.test DEFER_IF_REJECT 4.7.0 later\ndigits@s.test 12345\n" +
		"restr@s.test permit_mynetworks, reject\nrestr2@s.test reject_unauth_destination\n" +
		"table@s.test check_client_access texthash:/nonexistent\nempty@s.test ,\nunknown@s.test no_such_thing\n" +
		"relay@s.test RELAY\nbadcode@s.test 650 bad code\nbaddsn@s.test 550 6.1.1 bad dsn text\n" +
		"<> REJECT null sender\nsub.s.test REJECT parent domain\nlp@ REJECT localpart form\n" +
		"ext+tag@s.test REJECT with extension\nnoext@s.test REJECT without extension\n" +
		"hangup@s.test HANGUP going away\n",
	"recipient": "rcpt-ok@example.com OK\nrcpt-reject@example.com REJECT\nrcpt-code@example.com 550 5.1.7 code\n" +
		"redirect@example.com REDIRECT x@example.com\nrelay.test OK\nrouted@other.test OK\n" +
		"class@example.com friends\nstrict@example.com strict\n",
	"users":      "known anything\nalias anything\n",
	"valias":     "va@valias.test known@example.com\n",
	"vmbox":      "vm@vmbox.test vmbox/vm\n",
	"relayusers": "ru@relay.test x\n",
	"canonical":  "canon@example.com known@example.com\n",
	"friends":    "friend@s.test OK\n",
	"rblreply": "rbl2.test $rbl_code 5.7.1 Custom: $client_address is listed by $rbl_domain (${rbl_reason}) " +
		"for $rbl_what ($rbl_class) helo=$helo_name sender=$sender\n" +
		"rbl3.test $rbl_code no status $unknown_macro_name\nrbl4.test 250 not a rejection\n",
	"mxaccess":    "mx1.spammer.test REJECT spam mx\n192.0.2.68 REJECT mx address\n",
	"nsaccess":    "ns1.spammer.test REJECT spam ns\n",
	"helo-a.cidr": "192.0.2.10 REJECT helo resolves to a bad address\n",
	"clientnames": "client.test WARN client name matched\nunknown INFO unknown client\n" +
		"forged.client.test REJECT forged name\n",
	"etrn": "bad.test REJECT no etrn for you\nhold.test HOLD\n",
	"transport": "err.test error:5.1.2 no such user here\nrty.test retry:4.4.1 come back later\n" +
		"slow.relay.test lmtp:unix:private/blackhole\n",
}

type zoneRecord struct {
	name  string
	typ   uint16
	value string
}

var restrictionZone = []zoneRecord{
	{"known.test", dnsTypeA, "192.0.2.10"},
	{"mx.test", dnsTypeMX, "10 mail.mx.test"}, {"mail.mx.test", dnsTypeA, "192.0.2.20"},
	{"nullmx.test", dnsTypeMX, "0 ."},
	{"aaaa.test", dnsTypeAAAA, "2001:db8::1"},
	{"cname.test", dnsTypeCNAME, "known.test"},
	{"nodata.test", dnsTypeTXT, "no address here"},
	{"2.0.0.127.zen.test", dnsTypeA, "127.0.0.2"}, {"2.0.0.127.zen.test", dnsTypeTXT, "listed, see http://zen.test/?2"},
	{"2.0.0.127.zen.test", dnsTypeTXT, "second text"},
	{"3.0.0.127.zen.test", dnsTypeA, "127.0.0.10"},
	{"5.0.0.127.dnswl.test", dnsTypeA, "127.0.10.1"},
	{"6.0.0.127.zen.test", dnsTypeA, "127.0.0.3"},
	{"7.0.0.127.rbl2.test", dnsTypeA, "127.0.0.2"}, {"7.0.0.127.rbl2.test", dnsTypeTXT, "custom reason"},
	{"8.0.0.127.rbl3.test", dnsTypeA, "127.0.0.2"},
	{"9.0.0.127.rbl4.test", dnsTypeA, "127.0.0.2"},
	{"bad.test.rhsbl.test", dnsTypeA, "127.0.0.2"}, {"bad.test.rhsbl.test", dnsTypeTXT, "bad domain"},
	{"spammx.test", dnsTypeMX, "10 mx1.spammer.test"}, {"mx1.spammer.test", dnsTypeA, "192.0.2.66"},
	{"addrmx.test", dnsTypeMX, "10 mx2.other.test"}, {"mx2.other.test", dnsTypeA, "192.0.2.68"},
	{"spamns.test", dnsTypeNS, "ns1.spammer.test"}, {"ns1.spammer.test", dnsTypeA, "192.0.2.67"},
	{"7.0.0.127.in-addr.arpa", dnsTypePTR, "good.client.test"}, {"good.client.test", dnsTypeA, "127.0.0.7"},
	{"8.0.0.127.in-addr.arpa", dnsTypePTR, "forged.client.test"}, {"forged.client.test", dnsTypeA, "192.0.2.99"},
	{"10.0.0.127.in-addr.arpa", dnsTypePTR, "bad.test"}, {"bad.test", dnsTypeA, "127.0.0.10"},
	{"backup.test", dnsTypeMX, "10 primary.other.test"}, {"backup.test", dnsTypeMX, "20 example.com"},
	{"primary.other.test", dnsTypeA, "192.0.2.5"},
	{"primary.test", dnsTypeMX, "10 example.com"},
	{"nobackup.test", dnsTypeMX, "10 primary.other.test"},
	{"addrbackup.test", dnsTypeMX, "10 primary.other.test"}, {"addrbackup.test", dnsTypeMX, "20 me.test"},
	{"me.test", dnsTypeA, "127.0.0.1"},
	{"badprimary.test", dnsTypeMX, "10 outside.test"}, {"badprimary.test", dnsTypeMX, "20 example.com"},
	{"outside.test", dnsTypeA, "198.51.100.1"},
	{"lostbackup.test", dnsTypeMX, "10 primary.other.test"}, {"lostbackup.test", dnsTypeMX, "20 gone.test"},
}

var restrictionServfail = []string{"servfail.test", "4.0.0.127.zen.test", "mxfail.test"}

const relayTest = "known.test mx.test nullmx.test nx.test servfail.test aaaa.test cname.test nodata.test"

var restrictionVariants = []oracleVariant{
	{"access", map[string]string{
		"smtpd_client_restrictions":    "check_client_access cidr:DIR/client.cidr",
		"smtpd_helo_restrictions":      "check_helo_access texthash:DIR/helo",
		"smtpd_sender_restrictions":    "check_sender_access texthash:DIR/sender",
		"smtpd_recipient_restrictions": "texthash:DIR/recipient, reject_unauth_destination",
		"smtpd_restriction_classes":    "friends, strict",
		"friends":                      "check_sender_access texthash:DIR/friends, reject",
		"strict":                       "reject_non_fqdn_sender, reject_unknown_sender_domain, permit"}},
	{"access-nodelay", map[string]string{
		"smtpd_delay_reject":        "no",
		"smtpd_client_restrictions": "check_client_access cidr:DIR/client.cidr",
		"smtpd_helo_restrictions":   "check_helo_access texthash:DIR/helo",
		"smtpd_sender_restrictions": "check_sender_access texthash:DIR/sender"}},
	{"access-warn", map[string]string{
		"smtpd_sender_restrictions": "warn_if_reject check_sender_access texthash:DIR/sender, warn_if_reject reject_unauth_pipelining"}},
	{"access-data", map[string]string{
		"smtpd_data_restrictions":        "check_sender_access texthash:DIR/sender",
		"smtpd_end_of_data_restrictions": "check_client_access cidr:DIR/client.cidr"}},
	{"access-eod", map[string]string{
		"smtpd_end_of_data_restrictions": "check_sender_access texthash:DIR/sender"}},
	{"helo", map[string]string{
		"smtpd_helo_restrictions": "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname"}},
	{"helo-nodelay", map[string]string{"smtpd_delay_reject": "no", "unknown_helo_hostname_tempfail_action": "defer",
		"smtpd_helo_restrictions": "reject_invalid_hostname, reject_non_fqdn_hostname, reject_unknown_hostname, permit_naked_ip_address"}},
	{"address", map[string]string{
		"smtpd_sender_restrictions": "reject_non_fqdn_sender, reject_unknown_sender_domain",
		"smtpd_relay_restrictions":  "reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination"}},
	{"dnsbl", map[string]string{
		"smtpd_client_restrictions": "permit_dnswl_client dnswl.test, reject_rbl_client zen.test=127.0.0.[2..4], " +
			"reject_rbl_client rbl2.test, reject_rbl_client rbl3.test, reject_rbl_client rbl4.test",
		"smtpd_sender_restrictions":    "reject_rhsbl_sender rhsbl.test, reject_rhsbl_helo rhsbl.test",
		"smtpd_recipient_restrictions": "reject_rhsbl_recipient rhsbl.test, reject_unauth_destination",
		"rbl_reply_maps":               "texthash:DIR/rblreply"}},
	{"unlisted", map[string]string{
		"local_recipient_maps": "texthash:DIR/users", "smtpd_reject_unlisted_recipient": "yes",
		"relay_recipient_maps": "texthash:DIR/relayusers"}},
	{"unlisted-quiet", map[string]string{
		"local_recipient_maps": "texthash:DIR/users", "smtpd_reject_unlisted_recipient": "yes",
		"show_user_unknown_table_name": "no", "smtpd_reject_unlisted_sender": "yes",
		"unknown_local_recipient_reject_code": "450",
		"smtpd_recipient_restrictions":        "warn_if_reject reject_unlisted_recipient, reject_unlisted_sender"}},
	{"unlisted-unix", map[string]string{
		"local_recipient_maps": "proxy:unix:passwd.byname", "smtpd_reject_unlisted_recipient": "yes"}},
	{"unknown", map[string]string{
		"smtpd_recipient_restrictions": "no_such_restriction, reject_unauth_destination"}},
	{"unknown-arg", map[string]string{
		"smtpd_sender_restrictions": "check_sender_access, permit", "smtpd_helo_restrictions": "check_helo_access",
		"smtpd_data_restrictions": "texthash:DIR/sender"}},
	{"client-names", map[string]string{"smtpd_peername_lookup": "yes",
		"smtpd_client_restrictions": "check_client_access texthash:DIR/clientnames, " +
			"check_reverse_client_hostname_access texthash:DIR/clientnames, reject_rhsbl_client rhsbl.test, " +
			"reject_rhsbl_reverse_client rhsbl.test, reject_unknown_reverse_client_hostname, " +
			"reject_unknown_client_hostname"}},
	{"etrn", map[string]string{"smtpd_etrn_restrictions": "check_etrn_access texthash:DIR/etrn"}},
	{"mxbackup", map[string]string{"smtpd_relay_restrictions": "permit_mx_backup, reject_unauth_destination"}},
	{"mxbackup-networks", map[string]string{"smtpd_relay_restrictions": "permit_mx_backup, reject_unauth_destination",
		"permit_mx_backup_networks": "192.0.2.0/24"}},
	{"multi", map[string]string{"smtpd_data_restrictions": "reject_multi_recipient_bounce",
		"smtpd_recipient_restrictions": "reject_multi_recipient_bounce"}},
	{"server", map[string]string{
		"smtpd_sender_restrictions": "check_sender_mx_access texthash:DIR/mxaccess, " +
			"check_sender_ns_access texthash:DIR/nsaccess, check_helo_a_access cidr:DIR/helo-a.cidr"}},
}

func sess(name, variant string, lines ...string) rscript {
	steps := make([]step, 0, len(lines)+1)
	for _, l := range lines {
		steps = append(steps, L(l))
	}
	return rscript{script{name, variant, append(steps, L("QUIT"))}, ""}
}

func from(addr string, sc rscript) rscript { sc.from = addr; return sc }

// eodMessage is a message from sender, for the end-of-data restrictions.
func eodMessage(sender string) []string {
	return []string{"MAIL FROM:<" + sender + ">", "RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."}
}

// mailTo is MAIL FROM:<sender> then RCPT TO:<rcpt> and RSET.
func mailTo(sender, rcpt string) []string {
	return []string{"MAIL FROM:<" + sender + ">", "RCPT TO:<" + rcpt + ">", "RSET"}
}

func senders(list ...string) []string {
	out := []string{"EHLO c.test"}
	for _, s := range list {
		out = append(out, mailTo(s, "user@example.com")...)
	}
	return out
}

var restrictionScripts = []rscript{
	sess("access actions 1", "access", senders("ok@s.test", "reject@s.test", "rejtext@s.test", "rejdsn@s.test",
		"defer@s.test", "defertext@s.test", "code@s.test", "codeplain@s.test", "codeonly@s.test", "dunno@s.test",
		"badcode@s.test", "baddsn@s.test")...),
	sess("access actions 2", "access", senders("warn@s.test", "info@s.test", "dip@s.test", "dir@s.test",
		"dirtext@s.test", "digits@s.test", "restr@s.test", "restr2@s.test", "table@s.test", "empty@s.test",
		"unknown@s.test", "relay@s.test")...),
	sess("access actions 3", "access", senders("", "x@sub.s.test", "x@deeper.sub.s.test", "lp@other.test",
		"ext+tag@s.test", "ext+other@s.test", "noext+tag@s.test", "filterbad@s.test", "filterempty@s.test",
		"redirectbad@s.test", "prependbad@s.test")...),
	sess("access delegated", "access", "EHLO c.test", "MAIL FROM:<hold@s.test>", "RCPT TO:<user@example.com>",
		"RCPT TO:<user2@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.", "MAIL FROM:<holdtext@s.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<discard@s.test>", "RCPT TO:<user@example.com>",
		"RCPT TO:<user2@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.", "MAIL FROM:<filter@s.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<redirect@s.test>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<bcc@s.test>", "RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.",
		"MAIL FROM:<prepend@s.test>", "RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."),
	sess("access 421", "access", senders("code421@s.test")...),
	sess("access hangup", "access", "EHLO c.test", "MAIL FROM:<hangup@s.test>", "RCPT TO:<user@example.com>"),
	sess("access recipient", "access", "EHLO c.test", "MAIL FROM:<a@other.test>", "RCPT TO:<rcpt-ok@example.com>",
		"RCPT TO:<rcpt-reject@example.com>", "RCPT TO:<rcpt-code@example.com>", "RCPT TO:<redirect@example.com>",
		"RCPT TO:<someone@relay.test>", "RCPT TO:<someone@sub.relay.test>", "RCPT TO:<routed%x@other.test>",
		"RCPT TO:<x@other.test>", "RCPT TO:<postmaster>"),
	sess("access classes", "access", "EHLO c.test", "MAIL FROM:<friend@s.test>", "RCPT TO:<class@example.com>",
		"RSET", "MAIL FROM:<foe@s.test>", "RCPT TO:<class@example.com>", "RSET", "MAIL FROM:<x@nx.test>",
		"RCPT TO:<strict@example.com>", "RSET", "MAIL FROM:<x@known.test>", "RCPT TO:<strict@example.com>"),
	sess("access helo", "access", "HELO bad.helo.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>",
		"HELO sub.helo.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>", "EHLO warn.helo.test",
		"MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>", "HELO info.helo.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "HELO filter.helo.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>",
		"HELO 192.0.2.1", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>"),
	from("127.0.0.2", sess("access client reject", "access", senders("a@b.test")...)),
	from("127.0.0.3", sess("access client ok", "access", senders("reject@s.test")...)),
	from("127.0.0.4", sess("access client defer_if_permit", "access", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "RCPT TO:<x@other.test>")),
	from("127.0.0.5", sess("access client hold", "access", senders("a@b.test")...)),
	from("127.0.0.6", sess("access client restriction", "access", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "RCPT TO:<x@other.test>")),
	from("127.0.0.5", sess("nodelay client hold", "access-nodelay", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>")),
	from("127.0.0.2", sess("nodelay client reject", "access-nodelay", "EHLO c.test", "MAIL FROM:<a@b.test>")),
	sess("nodelay helo and sender", "access-nodelay", "HELO filter.helo.test", "HELO bad.helo.test",
		"EHLO c.test", "MAIL FROM:<hold@s.test>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<reject@s.test>",
		"MAIL FROM:<bcc@s.test>"),
	sess("warn_if_reject access", "access-warn", senders("reject@s.test", "code@s.test", "dip@s.test",
		"table@s.test")...),
	sess("data restrictions access", "access-data", "EHLO c.test", "MAIL FROM:<hold@s.test>",
		"RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.", "MAIL FROM:<reject@s.test>",
		"RCPT TO:<user@example.com>", "RCPT TO:<user2@example.com>", "DATA", "RSET", "MAIL FROM:<prepend@s.test>",
		"RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."),
	from("127.0.0.5", sess("end-of-data hold", "access-data", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.")),
	from("127.0.0.2", sess("end-of-data reject", "access-data", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.")),
	sess("end-of-data delegated actions", "access-eod", append(append(append(append(append([]string{"EHLO c.test"},
		eodMessage("filter@s.test")...), eodMessage("redirect@s.test")...), eodMessage("bcc@s.test")...),
		eodMessage("prepend@s.test")...), eodMessage("filterbad@s.test")...)...),
	sess("helo checks", "helo", heloLines("bad_name!", "[192.0.2.1]", "[192.0.2.999]", "[IPv6:2001:db8::1]",
		"[IPv6:bad]", "nodots", "known.test.", "known.test..", "nx.test", "known.test", "mx.test", "aaaa.test",
		"cname.test", "nodata.test", "nullmx.test", "servfail.test", "192.0.2.1", "0.1.2.3")...),
	sess("helo checks nodelay", "helo-nodelay", "HELO bad_name!", "HELO nodots", "HELO nx.test",
		"HELO servfail.test", "HELO 192.0.2.1", "HELO [192.0.2.1]", "EHLO known.test"),
	sess("address checks", "address", "EHLO c.test", "MAIL FROM:<a@known.test>", "RCPT TO:<b@mx.test>",
		"RCPT TO:<b@nullmx.test>", "RCPT TO:<b@nx.test>", "RCPT TO:<b@servfail.test>", "RCPT TO:<b@aaaa.test>",
		"RCPT TO:<b@cname.test>", "RCPT TO:<b@nodata.test>", "RCPT TO:<user>", "RCPT TO:<b@[192.0.2.1]>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@nullmx.test>", "RCPT TO:<user@example.com>", "RSET",
		"MAIL FROM:<a@nx.test>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@servfail.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a>", "RCPT TO:<user@example.com>", "RSET",
		"MAIL FROM:<a@nodots>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<>", "RCPT TO:<user@example.com>"),
	from("127.0.0.2", sess("dnsbl listed", "dnsbl", senders("a@b.test")...)),
	from("127.0.0.3", sess("dnsbl pattern mismatch", "dnsbl", senders("a@b.test")...)),
	from("127.0.0.4", sess("dnsbl lookup error", "dnsbl", senders("a@b.test")...)),
	from("127.0.0.5", sess("dnswl permit", "dnsbl", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "RCPT TO:<x@other.test>")),
	from("127.0.0.6", sess("dnsbl listed no txt", "dnsbl", senders("a@b.test")...)),
	from("127.0.0.7", sess("dnsbl custom reply", "dnsbl", "EHLO helo.c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>")),
	from("127.0.0.8", sess("dnsbl bad template", "dnsbl", senders("a@b.test")...)),
	from("127.0.0.9", sess("dnsbl bad code", "dnsbl", senders("a@b.test")...)),
	sess("rhsbl", "dnsbl", "EHLO c.test", "MAIL FROM:<a@bad.test>", "RCPT TO:<user@example.com>", "RSET",
		"MAIL FROM:<a@good.test>", "RCPT TO:<user@example.com>", "RCPT TO:<x@bad.test>", "RSET",
		"EHLO bad.test", "MAIL FROM:<a@good.test>", "RCPT TO:<user@example.com>", "RSET",
		"EHLO [192.0.2.1]", "MAIL FROM:<a@[192.0.2.1]>", "RCPT TO:<user@example.com>"),
	sess("unlisted recipients", "unlisted", "EHLO c.test", "MAIL FROM:<a@b.test>", "RCPT TO:<known@example.com>",
		"RCPT TO:<unknown@example.com>", "RCPT TO:<known+ext@example.com>", "RCPT TO:<known>", "RCPT TO:<unknown>",
		"RCPT TO:<postmaster@example.com>", "RCPT TO:<MAILER-DAEMON@example.com>", "RCPT TO:<double-bounce@example.com>",
		"RCPT TO:<canon@example.com>", "RCPT TO:<va@valias.test>", "RCPT TO:<nova@valias.test>",
		"RCPT TO:<vm@vmbox.test>", "RCPT TO:<novm@vmbox.test>", "RCPT TO:<ru@relay.test>", "RCPT TO:<noru@relay.test>",
		"RCPT TO:<x@other.test>", "RCPT TO:<b@err.test>", "RCPT TO:<c@rty.test>", "VRFY unknown@example.com",
		"VRFY known@example.com"),
	sess("unlisted quiet", "unlisted-quiet", "EHLO c.test", "MAIL FROM:<nosender@example.com>",
		"RCPT TO:<unknown@example.com>", "RCPT TO:<known@example.com>", "RSET", "MAIL FROM:<known@example.com>",
		"RCPT TO:<unknown@example.com>"),
	sess("unlisted unix", "unlisted-unix", "EHLO c.test", "MAIL FROM:<a@b.test>", "RCPT TO:<root@example.com>",
		"RCPT TO:<nobody@example.com>", "RCPT TO:<no-such-user-here@example.com>", "RCPT TO:<Root@example.com>"),
	sess("unknown restriction", "unknown", "EHLO c.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>",
		"RCPT TO:<user@example.com>"),
	sess("bad restriction arguments", "unknown-arg", "EHLO c.test", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<ok@s.test>", "RCPT TO:<user@example.com>", "DATA"),
	from("127.0.0.7", sess("client names good", "client-names", senders("a@b.test")...)),
	from("127.0.0.8", sess("client names forged", "client-names", senders("a@b.test")...)),
	from("127.0.0.9", sess("client names none", "client-names", senders("a@b.test")...)),
	from("127.0.0.10", sess("client names rhsbl", "client-names", senders("a@b.test")...)),
	sess("permit_mx_backup", "mxbackup", mxBackupLines()...),
	sess("permit_mx_backup_networks", "mxbackup-networks", mxBackupLines()...),
	sess("etrn access", "etrn", "EHLO c.test", "ETRN bad.test", "ETRN hold.test", "ETRN other.test"),
	sess("multi-recipient bounce", "multi", "EHLO c.test", "MAIL FROM:<>", "RCPT TO:<user@example.com>",
		"RCPT TO:<user2@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n.", "MAIL FROM:<a@b.test>",
		"RCPT TO:<user@example.com>", "RCPT TO:<user2@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."),
	sess("server access", "server", "EHLO c.test", "MAIL FROM:<a@spammx.test>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<a@addrmx.test>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@spamns.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@sub.spamns.test>", "RCPT TO:<user@example.com>",
		"RSET", "MAIL FROM:<a@nullmx.test>", "RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@servfail.test>",
		"RCPT TO:<user@example.com>", "RSET", "MAIL FROM:<a@[192.0.2.68]>", "RCPT TO:<user@example.com>", "RSET",
		"EHLO known.test", "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>"),
}

// heloLines is one HELO and RCPT per name.
func heloLines(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, "HELO "+n, "MAIL FROM:<a@b.test>", "RCPT TO:<user@example.com>")
	}
	return out
}

func mxBackupLines() []string {
	out := []string{"EHLO c.test", "MAIL FROM:<a@b.test>"}
	for _, d := range []string{"backup.test", "primary.test", "nobackup.test", "addrbackup.test", "badprimary.test",
		"lostbackup.test", "mxfail.test", "nx.test", "example.com", "relay.test", "[192.0.2.1]"} {
		out = append(out, "RCPT TO:<x@"+d+">")
	}
	return out
}
