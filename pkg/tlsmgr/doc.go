// Package tlsmgr is Postfix's tlsmgr(8): the TLS session cache, session
// ticket key and random seed service on private/tlsmgr that Postfix's
// smtpd and smtp processes use to share TLS state.
//
// Postern's smtpd and smtp use Go's crypto/tls, which keeps session
// tickets and its own random source in-process and never asks this
// service; the daemon exists so that the stock master.cf entry ("tlsmgr
// unix - - y 1000? 1 tlsmgr") works, and for other software that speaks
// the protocol. It keeps its caches in memory: Postfix empties the cache
// files at every start anyway, and the service runs as one process
// (process limit 1) that never exits for max_use or max_idle. The
// random-source parameters (tls_random_source, tls_random_exchange_name,
// tls_random_reseed_period, tls_random_prng_update_period) need no
// action: seeds come from crypto/rand, and no PRNG exchange file is
// written.
//
// # Protocol
//
// The server announces "protocol=tlsmgr_protocol"; requests are
// attribute lists in the null encoding ("data" values are base64):
//
//	request=seed size=N                       → status=S seed=DATA
//	request=policy cache_type=T               → status=S cachable=0|1 timeout=N
//	request=lookup cache_type=T cache_id=I    → status=S session=DATA
//	request=update cache_type=T cache_id=I session=DATA → status=S
//	request=delete cache_type=T cache_id=I    → status=S
//	request=tktkey keyname=DATA               → status=S keybuf=DATA
//
// T is smtpd, smtp or lmtp; a cache type is enabled when its
// *_tls_session_cache_database is set and its *_tls_session_cache_timeout
// is positive (at least 120 s). S is 0 ok, -1 not found, -2 protocol
// error (sent as 4294967295 and 4294967294, attr_print0's "%u"). A seed
// is 1 to 255 random bytes. tktkey returns the current RFC 5077 session
// ticket key (or, given a key name, the current or previous key that has
// it) as Postfix's TLS_TICKET_KEY structure: 16 bytes name, 32 bytes
// AES key, 32 bytes HMAC key, expiry as a host-order time_t; a key
// signs new tickets for half the smtpd session timeout and decrypts them
// for another half. A request of at most two bytes is a master trigger
// ("W", every 1000 s after first use in the stock master.cf): the server
// closes the connection.
//
// Parameters read: smtpd_tls_session_cache_database,
// smtp_tls_session_cache_database, lmtp_tls_session_cache_database,
// smtpd_tls_session_cache_timeout, smtp_tls_session_cache_timeout,
// lmtp_tls_session_cache_timeout, ipc_timeout.
package tlsmgr
