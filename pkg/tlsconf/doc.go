// Package tlsconf turns Postfix's TLS parameters into crypto/tls
// configurations, for the SMTP server (smtpd_tls_*) and the SMTP and
// LMTP clients (smtp_tls_*, lmtp_tls_*), and describes finished
// handshakes in Postfix's words (tls_log_summary(), the Received:
// header comment).
//
// What it reads (the caller names the parameters; see Server and Client):
//
//   - certificates and keys: *_tls_cert_file with *_tls_key_file
//     (default: the same file, which may then hold the key anywhere),
//     *_tls_eccert_file with *_tls_eckey_file, and *_tls_chain_files (a
//     list of files holding key, certificate, chain, key, certificate,
//     ... in that order), which overrides the others as in Postfix;
//     *_tls_dcert_file (DSA) is refused: Go has no DSA;
//   - trust anchors: *_tls_CAfile (PEM bundle) and *_tls_CApath (a
//     directory; every file in it that holds PEM certificates counts,
//     hashed names or not);
//   - protocols: *_tls_protocols and *_tls_mandatory_protocols in
//     tls_proto_mask_lims() syntax (">=TLSv1", "<=TLSv1.2", "!SSLv3",
//     "TLSv1.2 TLSv1.3"). Go speaks TLSv1 to TLSv1.3; SSLv2 and SSLv3
//     names are accepted and never offered. A protocol set with a hole
//     in the middle ("!TLSv1.1" alone) cannot be expressed with Go's
//     minimum/maximum version and is an error;
//   - ciphers: *_tls_ciphers / *_tls_mandatory_ciphers name a grade
//     (high, medium, low, export, null) whose OpenSSL cipher list is
//     tls_high_cipherlist, tls_medium_cipherlist, ... ; that list and
//     *_tls_exclude_ciphers / *_tls_mandatory_exclude_ciphers are
//     evaluated by cipherlist.go, an implementation of OpenSSL's cipher
//     string algebra over the TLS 1.0-1.2 suites Go has (see
//     cipherlist.go for the aliases). With OpenSSL 3's defaults, as on
//     Debian 12, the MEDIUM, LOW and EXPORT classes are empty, so high,
//     medium, low and export all give the same suites: every AES-GCM,
//     ChaCha20-Poly1305 and AES-CBC suite Go supports, strongest first.
//     "null" is refused: Go has no NULL ciphers. TLS 1.3 suites are not
//     configurable in Go (nor by these parameters in Postfix);
//   - levels: tls_level.c's none, may, encrypt, dane, dane-only,
//     fingerprint, verify, secure.
//
// Log texts (tls_misc.c tls_log_summary()): "Anonymous TLS connection
// established from host[addr]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384
// (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048
// bits) server-digest SHA256"; cipher names are OpenSSL's
// (ECDHE-RSA-AES256-GCM-SHA384 for TLS 1.2).
package tlsconf
