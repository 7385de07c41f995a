// Package anvil is Postfix's anvil(8): the session count and request
// rate service that smtpd asks before it lets a client connect, send
// MAIL, RCPT, VRFY or AUTH, or negotiate a new TLS session, and the
// client side of it (anvil_clnt).
//
// # Model
//
// The Table keeps one entry per ident "service:client-address" (for
// example "smtp:192.0.2.1"; the master.cf service name, so that smtp and
// submission are counted apart) with the number of connections now, and
// the numbers of connections, messages, recipients, new TLS sessions and
// AUTH commands in the current window of $anvil_rate_time_unit. The
// window is fixed, not moving: an event more than one time unit after
// the window started resets all rates of that ident and starts a new
// window (ANVIL_REMOTE_INCR_RATE). Each answer counts the event it
// answers, and smtpd refuses when the answer is greater than its limit.
//
// Each client connection of anvil (a Local: one smtpd process) counts
// the one remote client of its last connect; when it goes away without
// a disconnect (the smtpd process died), that connection is dropped. An
// entry without connections is removed one time unit after its last
// disconnect, so memory follows the clients of the last time unit; the
// map is rebuilt when it has shrunk to a quarter of its peak, because Go
// maps do not give memory back.
//
// # Protocol
//
// Postfix's plain attribute encoding (pkg/attr) on private/anvil, byte
// for byte as Postfix 3.7's anvil, so that either side can be the real
// Postfix. On connect the server sends "protocol=anvil_protocol\n\n".
// Each request is "request=NAME\nident=IDENT\n\n" (exactly these two
// attributes in this order) and gets one reply:
//
//	connect        status=0 count=N rate=N   count, and connection rate
//	disconnect     status=0
//	message        status=0 rate=N           MAIL rate
//	recipient      status=0 rate=N           RCPT/VRFY rate
//	newtls         status=0 rate=N           new TLS session rate
//	newtls_status  status=0 rate=N           the same, not counted
//	auth           status=0 rate=N           AUTH rate
//	lookup         status=0 count= rate= mail= rcpt= newtls= auth=
//	anything else  status=4294967295         (-1 printed unsigned) and
//	               warning: unrecognized request: "NAME", ignored
//
// message, recipient, newtls and auth for an unknown ident create it as
// a connection of that client connection ("be prepared for postfix
// reload after connect"). A request that breaks the attribute rules
// gets Postfix's warning ("unexpected attribute NAME from anvil socket
// (expecting: request)", "missing attribute ident in input from anvil
// socket") and the connection is closed.
//
// # Statistics
//
// Every $anvil_status_update_time and when the daemon exits on its own
// (idle, or the master went away or reloaded; not when it is killed),
// the peak values since the last report are logged, those that stayed
// zero left out:
//
//	statistics: max connection rate 3/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max connection count 2 for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max message rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max recipient rate 5/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max newtls rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max auth rate 1/60s for (smtp:192.0.2.1) at Nov 21 18:40:00
//	statistics: max cache size 5 at Nov 21 18:40:00
//
// # Client
//
// Client is one connection to private/anvil (relative to the queue
// directory, where every daemon runs), opened at the first request;
// Pool gives each SMTP session its own for the session's life and keeps
// them for later sessions. A client whose connection broke (anvil was
// restarted) reconnects at once and asks again; a client that cannot
// reach anvil logs "connect to private/anvil: ERROR" and "problem
// talking to server private/anvil: ERROR" and returns an error, and the
// caller applies no limit: a missing anvil never blocks mail. Connect
// and each request are bounded by min($ipc_timeout, ClientTimeout);
// after a failure the clients of the process go on without anvil for
// RetryDelay. Direct is the same interface on a Table in the same
// process (tests, benchmarks).
//
// # Parameters
//
// anvil_rate_time_unit (60s), anvil_status_update_time (600s),
// ipc_timeout (3600s). The daemon serves any number of clients at once
// (a multi-server with a process limit of 1), never exits for $max_use,
// and waits at least one time unit before an idle exit, as Postfix's.
//
// anvil never talks to the network or to local users, keeps no state
// on disk, and decides nothing: the limits are smtpd's.
package anvil
