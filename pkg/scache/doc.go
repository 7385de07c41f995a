// Package scache is Postfix's connection cache service, scache(8): it
// holds open SMTP/LMTP connections that a delivery agent is done with,
// so that another agent process can reuse them, with the protocol of
// global/scache_clnt.c, and the client side of that protocol.
//
// Postern's smtp and lmtp agents reuse connections within their own
// process and do not call this service (see docs/services.md); the
// daemon is here so that the stock master.cf entry works and for other
// software that speaks the protocol.
//
// # What is cached (scache_multi.c)
//
// An endpoint label (e.g. "smtp:192.0.2.1:25") names a list of open
// connections, each with a property string; a destination label (e.g.
// "smtp:example.com:25") names a list of endpoint labels, each with a
// property string. Each binding expires after the TTL its client asked
// for, at most $connection_cache_ttl_limit; an expired connection is
// closed. A lookup hands the first cached connection over and removes
// it from the cache.
//
// # Protocol
//
// private/scache, a multi-server service with a process limit of 1. The
// server announces "protocol=connection_cache_protocol"; requests are
// attribute lists in the null encoding:
//
//	request=save_endp ttl=N label=L property=P
//	  ← dummy=   → (descriptor)   ← status=S
//	request=find_endp label=L
//	  ← status=S property=P   → dummy=   ← (descriptor)   → dummy=
//	request=save_dest ttl=N label=D property=P label=L
//	  ← status=S
//	request=find_dest label=D
//	  ← status=S property=DP property=EP
//	  → dummy=   ← (descriptor)   → dummy=
//
// S is 0 ok, 1 bad request, 2 not found (SCACHE_STAT_*). A descriptor
// travels as one data byte with SCM_RIGHTS; the dummy lists are
// Postfix's CANT_WRITE_BEFORE_SENDING_FD and MUST_READ_AFTER_SENDING_FD
// handshakes, which Postfix uses on Linux.
//
// Every $connection_cache_status_update_time, and when the process
// exits, the server logs Postfix's "statistics:" lines (hits and misses
// per destination and endpoint lookups, the largest cache sizes).
//
// Parameters read: connection_cache_ttl_limit,
// connection_cache_status_update_time.
package scache
