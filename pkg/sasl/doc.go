// Package sasl is SASL for Postern's SMTP server and client.
//
// # Server side: Dovecot's authentication protocol
//
// smtpd with smtpd_sasl_type = dovecot asks a Dovecot auth server
// (Postfix's xsasl_dovecot_server.c). Dovecot is reached at
// smtpd_sasl_path: a UNIX-domain socket ("private/auth", relative to
// the queue directory, which is the daemon's working directory or
// chroot; "unix:" may prefix it) or "inet:host:port". One Dovecot value
// serves all sessions of a process over one connection, as Postfix's
// smtpd does with its one session at a time; requests are told apart by
// their ID. The protocol, lines of TAB-separated fields:
//
//	client: VERSION	1	0
//	client: CPID	<pid>
//	server: VERSION	1	<minor>      (major != 1: "SASL: Protocol version mismatch")
//	server: MECH	PLAIN	plaintext    (flags: anonymous plaintext dictionary active
//	                                     forward-secrecy mutual-auth private)
//	server: SPID	<pid>                (before any MECH: the auth-master socket)
//	server: CUID, COOKIE, ...            (ignored)
//	server: DONE
//	client: AUTH	<id>	<MECH>	service=smtp	nologin	lip=<ip>	rip=<ip>[	secured][	resp=<base64>]
//	server: CONT	<id>	<base64>     → client: CONT	<id>	<base64>
//	server: OK	<id>	user=<name>	...  (no user=: "Authentication backend error")
//	server: FAIL	<id>	[reason=<text>]	...
//
// Private mechanisms are never offered; the others are filtered by the
// security options (noplaintext drops those flagged plaintext, and so
// on; forward_secrecy and mutual_auth require the flag). A lost
// connection or a read timeout (10 seconds) makes the exchange a
// temporary failure ("Connection lost to authentication server"); the
// next request connects again. A connection found closed while idle is
// replaced before it is used.
//
// # Client side: PLAIN and LOGIN
//
// The smtp/lmtp client authenticates with a user name and password
// from smtp_sasl_password_maps, using PLAIN (RFC 4616) or LOGIN, the
// first the server offers that smtp_sasl_mechanism_filter and the
// security options allow. Both are plaintext mechanisms: the default
// smtp_sasl_security_options (noplaintext, noanonymous) allows neither,
// as with Cyrus SASL in Postfix, which is why SOHO_README sets
// smtp_sasl_tls_security_options = noanonymous.
//
// # Mechanism filters
//
// smtpd_sasl_mechanism_filter and smtp_sasl_mechanism_filter are
// Postfix string lists (sasl_mech_filter.c): names (case-insensitive),
// "!name", and type:table lookups ("static:rest" matches everything);
// the first entry that matches decides.
package sasl
