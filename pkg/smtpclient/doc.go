// Package smtpclient is the SMTP and LMTP client of the smtp(8) and
// lmtp(8) delivery agents: it delivers one delivery request
// (pkg/deliver) and reports every recipient's outcome.
//
// # SMTP
//
// The nexthop is a list of destinations ("host", "[host]", "host:port",
// "[host]:port", comma or space separated) followed by
// $smtp_fallback_relay. A destination without brackets is looked up as
// MX records (smtp_host_lookup = dns, unless disable_dns_lookups), then
// A/AAAA records of each MX host by preference (inet_protocols); without
// MX records the domain's own addresses are used; a null MX (RFC 7505)
// bounces. At most smtp_mx_address_limit addresses and
// smtp_mx_session_limit sessions are tried per destination. With port 25
// the list is cut where this machine appears (mail loops back to myself).
//
// A session reads the greeting (a 5xx greeting counts as 4xx with
// smtp_skip_5xx_greeting), sends EHLO (HELO when EHLO is rejected),
// STARTTLS when offered and smtp_tls_security_level is may or stronger
// (encrypt: required; verify, secure: required and the certificate
// checked), or starts with TLS when smtp_tls_wrappermode = yes. A failed
// opportunistic handshake is retried in plaintext. Then MAIL FROM (SIZE,
// BODY, ENVID, RET, SMTPUTF8), one RCPT TO per recipient (NOTIFY, ORCPT
// when the server speaks DSN), DATA, the message (CRLF, dot-stuffing,
// lines broken at smtp_line_length_limit), ".", QUIT.
//
// Failures follow Postfix's smtp_trouble.c: a 4xx reply, a lost or timed
// out connection on a server that is not the last to try keeps the
// recipients for the next server and is only logged ("QID: reason"); on
// the last server 4xx defers and 5xx bounces. A 5xx reply to RCPT bounces
// that recipient at once. Recipients no server took are deferred or
// bounced with the latest failure ("connect to H[A]:25: Connection
// refused", "Host or domain name not found. ..."), relay=none.
//
// smtp_generic_maps rewrites the envelope sender and recipients and the
// address headers of the primary header when mail leaves.
//
// # LMTP
//
// The same client with LHLO, over "unix:/path" (relative paths are taken
// from the queue directory; logged as $myhostname[path]) or
// "inet:host:port" (default port $lmtp_tcp_port, no MX lookups). After
// the final dot the server sends one reply per accepted recipient, in
// RCPT order (RFC 2033 4.2); each is recorded on its own, as it arrives.
//
// # Why not go-smtp's client
//
// emersion/go-smtp's client returns LMTP end-of-data replies in a map
// keyed by recipient address (duplicates collapse, successful replies
// lose their code), strips the "250-" prefixes Postfix logs in "host X
// said: ...", adds BODY=8BITMIME whenever the server offers it, has two
// timeouts instead of Postfix's per-stage ones, and does not tell which
// stage lost the connection ("lost connection with H[A] while sending
// RCPT TO"). This package speaks the protocol itself (about 600 lines).
//
// Parameters read (smtp_ or lmtp_ prefix): tcp_port, helo_name /
// lhlo_name, host_lookup, mx_address_limit, mx_session_limit,
// fallback_relay, skip_5xx_greeting, skip_quit_response,
// always_send_ehlo, never_send_ehlo, line_length_limit, the *_timeout
// parameters, tls_security_level (use_tls, enforce_tls), tls_wrappermode,
// tls_loglevel, tls_note_starttls_offer, tls_CAfile, tls_cert_file,
// tls_key_file, generic_maps, sasl_auth_enable (yes is refused: no SASL
// client yet); and myhostname, queue_directory, relayhost,
// disable_dns_lookups, inet_protocols, inet_interfaces, proxy_interfaces,
// recipient_delimiter, myorigin, propagate_unmatched_extensions.
package smtpclient
