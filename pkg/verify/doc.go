// Package verify is Postfix's address verification service, verify(8),
// and its client (global/verify_clnt.c): a cache of which addresses are
// known to be deliverable or undeliverable, filled by probe messages that
// go through the queue like mail but are never delivered.
//
// # Protocol
//
// private/verify (address_verify_service_name), a master.cf "unix"
// service run by the multi-server skeleton with a process limit of 1.
// The server announces "protocol=address_verification_prrotocol" (sic:
// Postfix's spelling, MAIL_ATTR_PROTO_VERIFY); a connection then carries
// any number of requests, attribute lists in the null encoding:
//
//	request=query  address=A
//	  → status=0 recipient_status=S reason=TEXT
//	request=update address=A recipient_status=S reason=TEXT
//	  → status=0
//
// S is 0 deliverable, 1 undeliverable (temporary), 2 undeliverable
// (permanent), 3 unknown, a probe is under way (DEL_RCPT_STAT_*). A
// status of -2 (sent as 4294967294, attr_print0's "%u") is a bad request.
// Colons in addresses are stored as "_" (verify.c's IPv6 workaround).
//
// # What a query does (verify_query_service)
//
// An address without a usable entry, or whose entry expired
// (address_verify_positive_expire_time for deliverable ones,
// address_verify_negative_expire_time for the others) while no probe is
// outstanding, is reported as 3 "Address verification in progress".
// When the entry needs a refresh (address_verify_positive_refresh_time,
// address_verify_negative_refresh_time) and no probe was sent in the
// last 1000 seconds, the server posts a probe after it answers: a
// message from address_verify_sender (default $double_bounce_sender; with
// address_verify_sender_ttl a time-dependent variant) to the address,
// through the cleanup service, with the queue file attribute
// trace_flags=256 (DEL_REQ_FLAG_MTA_VRFY). The queue manager routes it
// with the address_verify_* transport settings and the delivery agent,
// instead of delivering, reports what would happen with an update
// request. An update never replaces a deliverable entry with a failure
// before it expires. With address_verify_negative_cache = no, failures
// are not kept.
//
// # The cache file
//
// address_verify_map (default btree:$data_directory/verify_cache) names
// the persistent cache; empty keeps it in memory only (then the process
// never exits for max_use or max_idle). Postern keeps its own format in
// the file Postfix would use (NAME.db for hash and btree, NAME.cdb,
// NAME.lmdb), opened and locked before the process enters the chroot
// jail and written through that descriptor: a line
//
//	KEY TAB VALUE LF
//
// sets an entry, "KEY LF" deletes one, later lines win; "%", TAB, CR, LF
// and NUL in keys and values are written as %XX. The first line is
// "#postern-verify-cache 1". Each update is appended and made durable
// with fdatasync; when the file holds more than twice as many lines as
// live entries (and at least 1000 dead ones) it is rewritten in place.
// A torn last line after a crash is ignored. VALUE is Postfix's
// "status:probed:updated:text". The key _LAST_CACHE_CLEANUP_COMPLETED_
// holds the time of the last cleanup run.
//
// Every address_verify_cache_cleanup_interval (0 disables it) expired
// entries are removed and "cache NAME full cleanup: retained=N
// dropped=M entries" is logged.
//
// The client (Client.Query, Client.QueryPoll, Client.Update) keeps one
// connection to the service and reconnects once when it breaks.
//
// Parameters read: address_verify_map, address_verify_sender,
// address_verify_sender_ttl, address_verify_positive_expire_time,
// address_verify_positive_refresh_time, address_verify_negative_cache,
// address_verify_negative_expire_time,
// address_verify_negative_refresh_time,
// address_verify_cache_cleanup_interval, address_verify_service_name,
// cleanup_service_name, ipc_timeout, mail_owner.
package verify
