package smtpd

// Params are the main.cf parameters smtpd reads; the daemon skeleton
// checks each at startup.
var Params = []string{
	"myhostname", "smtpd_banner", "mail_name", "queue_directory",
	"smtpd_timeout", "smtpd_soft_error_limit", "smtpd_hard_error_limit",
	"smtpd_error_sleep_time", "smtpd_junk_command_limit", "smtpd_recipient_limit",
	"smtpd_recipient_overshoot_limit", "message_size_limit", "line_length_limit",
	"queue_minfree", "disable_vrfy_command", "smtpd_helo_required", "smtpd_delay_reject",
	"strict_rfc821_envelopes", "smtputf8_enable", "strict_smtputf8", "soft_bounce",
	"smtpd_peername_lookup", "smtpd_client_port_logging", "smtpd_forbid_unauth_pipelining",
	"smtpd_forbid_bare_newline", "smtpd_forbid_bare_newline_exclusions",
	"smtpd_forbid_bare_newline_reject_code", "relay_domains_reject_code", "reject_code",
	"defer_code", "smtpd_relay_before_recipient_restrictions", "allow_untrusted_routing",
	"smtpd_discard_ehlo_keywords", "smtpd_log_access_permit_actions",
	"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
	"smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions",
	"smtpd_end_of_data_restrictions", "smtpd_etrn_restrictions", "smtpd_restriction_classes",
	"mynetworks", "mydestination", "relay_domains", "virtual_alias_domains",
	"virtual_mailbox_domains", "inet_interfaces", "proxy_interfaces", "fast_flush_domains",
	"smtpd_forbidden_commands", "smtpd_noop_commands", "local_header_rewrite_clients",
	"parent_domain_matches_subdomains", "allow_percent_hack", "swap_bangpath",
	"myorigin", "mydomain", "append_at_myorigin", "append_dot_mydomain",
}
