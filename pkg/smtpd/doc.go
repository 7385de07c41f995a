// Package smtpd is Postfix's smtpd(8): the SMTP server. Server.Serve
// talks SMTP on one connection (an inet socket of the master, or the
// "unix" and "pass" forms) and hands every accepted message to the queue
// through pkg/cleanup, streaming the content: no message is held in
// memory. One Server serves any number of sessions at once, one
// goroutine each; cmd/smtpd plugs it into the daemon skeleton.
//
// The protocol layer is Postern's own (docs/smtpd.md says why, with the
// measurements against github.com/emersion/go-smtp), so that everything
// Postfix does before EHLO and every line rule hold:
//
//   - at connect: client name lookup with forward confirmation
//     ("unknown" otherwise; bounded; off with smtpd_peername_lookup =
//     no), "connect from name[addr]", improper pipelining before the
//     greeting, smtpd_client_restrictions when smtpd_delay_reject = no,
//     then "220 $smtpd_banner";
//   - commands HELO, EHLO, MAIL, RCPT, DATA, BDAT (CHUNKING), RSET, NOOP,
//     QUIT, VRFY (disable_vrfy_command), ETRN, STARTTLS (tls.go), AUTH
//     (auth.go, through Dovecot: sasl.go), and XCLIENT, XFORWARD
//     answering as Postfix does when the feature is off; EHLO keywords
//     PIPELINING, SIZE, VRFY, ETRN, STARTTLS, AUTH, ENHANCEDSTATUSCODES,
//     8BITMIME, DSN, SMTPUTF8, CHUNKING, less smtpd_discard_ehlo_keywords;
//   - TLS: smtpd_tls_security_level (or smtpd_use_tls,
//     smtpd_enforce_tls), smtpd_tls_wrappermode, certificates, protocols
//     and cipher grades through pkg/tlsconf; plaintext pipelined after
//     STARTTLS is discarded; SASL: smtpd_sasl_type = dovecot over
//     smtpd_sasl_path, smtpd_sasl_(tls_)security_options,
//     smtpd_sasl_mechanism_filter, smtpd_tls_auth_only,
//     broken_sasl_auth_clients, smtpd_sasl_exceptions_networks
//     (docs/tls-sasl.md);
//   - MAIL FROM parameters SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8
//     (RFC 6531), RET and ENVID (RFC 3461), AUTH (RFC 4954); RCPT TO
//     parameters NOTIFY and ORCPT (RFC 3461, RFC 6533 utf-8 ORCPT);
//     all kept with the message;
//   - lines: line_length_limit (long commands are cut, long content lines
//     are stored in pieces), smtpd_forbid_bare_newline (normalize, yes,
//     reject, no) with smtpd_forbid_bare_newline_exclusions and
//     smtpd_forbid_bare_newline_reject_code: only CRLF.CRLF ends DATA,
//     so SMTP smuggling does not work;
//   - limits: smtpd_timeout, smtpd_recipient_limit with
//     smtpd_recipient_overshoot_limit, message_size_limit (SIZE= and the
//     actual size), queue_minfree, smtpd_soft_error_limit,
//     smtpd_hard_error_limit, smtpd_error_sleep_time,
//     smtpd_junk_command_limit, smtpd_forbid_unauth_pipelining,
//     smtpd_noop_commands, smtpd_forbidden_commands;
//   - restrictions: the smtpd_client, _helo, _sender, _relay, _recipient,
//     _data, _end_of_data and _etrn restriction lists, evaluated by one
//     evaluator with Postfix's stages, smtpd_delay_reject semantics,
//     restriction classes, warn_if_reject, defer_if_permit and
//     defer_if_reject (check*.go); access(5) tables with every action,
//     the bare "type:name" form and restriction names as values,
//     delegated actions (HOLD, DISCARD, FILTER, REDIRECT, BCC, PREPEND)
//     passed to the queue file through pkg/cleanup
//     (restrictions_access.go, restrictions_action*.go,
//     restrictions_delegate.go); HELO, client name and address syntax
//     and DNS checks (restrictions_helo.go, _client.go, _addr.go); DNS
//     block and allow lists with rbl_reply_maps and default_rbl_reply
//     (restrictions_dnsxl*.go); check_*_{mx,ns,a}_access
//     (restrictions_server.go); permit_mx_backup with
//     permit_mx_backup_networks (restrictions_mxbackup.go); recipient
//     validation, implicit with smtpd_reject_unlisted_recipient and
//     smtpd_reject_unlisted_sender, through local_recipient_maps,
//     virtual alias and mailbox tables and relay_recipient_maps
//     (restrictions_rcptmaps.go); the sender login
//     checks with smtpd_sender_login_maps (restrictions_login.go);
//     reject_unverified_sender and reject_unverified_recipient through
//     the verify(8) service (restrictions_verify.go, Deps.Verify);
//     check_policy_service with the policy delegation protocol and the
//     smtpd_policy_service_* parameters (restrictions_policy.go,
//     policy_client.go). DNS
//     lookups go through a stub resolver of Postern's own that reads
//     resolv.conf(5) as the C library does (restrictions_dns*.go; see
//     DNS). Restrictions Postfix has and Postern does not (yet):
//     check_ccert_access, permit_tls_clientcerts
//     and permit_tls_all_clientcerts answer "451 4.3.5 Server
//     configuration error" with a warning once per process; an unknown name gets
//     Postfix's "unknown smtpd restriction" warning and the same reply.
//
// Replies and log lines are Postfix 3.7's, word for word ("connect
// from", "disconnect from ... commands=N", "NOQUEUE: reject: RCPT from
// ...; from=<> to=<> proto=ESMTP helo=<>", "QID: client=...", "lost
// connection after", "timeout after", "too many errors after",
// "improper command pipelining after"); the comparison test runs the
// same sessions against a private real Postfix.
//
// Address classes for relay control come from pkg/resolve
// (trivial-rewrite) in this process, after rewriting in the local
// context as smtpd_resolve_addr() does, with a 100-entry cache.
//
// Parameters read: those listed in Params, those of pkg/resolve, and those of features that
// make New fail because they are not implemented yet (see
// unsupported.go): smtpd_milters,
// smtpd_proxy_filter, smtpd_command_filter, smtpd_reject_footer(_maps),
// smtpd_authorized_xclient_hosts, smtpd_authorized_xforward_hosts,
// smtpd_authorized_verp_clients, smtpd_upstream_proxy_protocol,
// smtpd_discard_ehlo_keyword_address_maps.
//
// Deps.StandAlone is the mode of "sendmail -bs" (Postfix's
// SMTPD_STAND_ALONE): no restrictions, TLS, SASL or anvil limits
// (standalone.go).
//
// Client connection count and rate limits (smtpd_client_*_limit, with
// smtpd_client_event_limit_exceptions) are enforced with the anvil
// service through pkg/anvil; anvil.go says which command checks what.
//
// What smtpd does not do (yet): Cyrus SASL, TLS client certificates,
// the restrictions listed above as missing, smtpd_dns_reply_filter,
// milters, postmaster notices (notify_classes). ETRN asks the fast flush
// service (cmd_etrn.go). See docs/smtpd.md and docs/compatibility.md.
package smtpd
