// Package flush is Postfix's fast flush service, flush(8), and its
// client (global/flush_clnt.c): a record of deferred mail by destination
// that makes ETRN, "sendmail -qR", "postqueue -s site" and "postqueue -i
// queue_id" cheap.
//
// # What the server keeps
//
// For each destination that matches $fast_flush_domains (default
// $relay_domains) there is a log file $queue_directory/flush/NAME that
// lists, one per line, the queue IDs of messages deferred for that
// destination. NAME is the destination folded to lower case with each
// character that is not a letter or digit replaced by "_"; a name with
// non-ASCII labels is first converted to its A-label (punycode) form.
// Files are appended to under an exclusive flock and truncated when
// delivery is requested for the destination.
//
// # Protocol
//
// public/flush, a master.cf "unix" service run by the single-server
// skeleton with a process limit of 0. The server announces
// "protocol=queue_flush_protocol"; each connection carries one request,
// an attribute list in the null encoding (pkg/attr), answered with
// "status=N":
//
//	request=add site=S queue_id=ID   append ID to the log of S
//	request=send_site site=S         deliver the mail listed for S
//	request=send_file queue_id=ID    deliver one deferred message
//	request=rfrsh                    refresh old logs (answered first)
//	request=purge                    refresh all logs (answered first)
//
// Status 0 is success, 3 an invalid request, 4 a destination that is
// not eligible, -1 (sent as 4294967295, as Postfix's "%u") a failed
// lookup of $fast_flush_domains. A request of at most two bytes is a
// trigger, read as text up to a NUL or the end: "W" from the master's
// wakeup timer (the stock master.cf says "1000?") is a refresh.
//
// "Deliver" means what flush.c does: the message's time stamps are set
// to now and it is renamed from the deferred queue to the incoming queue
// (unless it is there already), then qmgr gets the trigger "I". For
// send_site the server first sends qmgr "F" (forget dead destinations);
// for send_file it sets the queue file's group-read bit, which makes
// qmgr unthrottle the message's destinations when it reads the file.
// A refresh does the same without either, for logs that were not read
// in $fast_flush_refresh_time, and removes empty logs that were not
// changed in $fast_flush_purge_time.
//
// The client side checks $fast_flush_domains before it bothers the
// server (flush_add, flush_send_site), as Postfix's does. Delivery
// agents call Client.Add for each deferred recipient whose domain
// matches; smtpd's ETRN and postqueue -s call SendSite; postqueue -i
// calls SendFile.
//
// Parameters read: fast_flush_domains, fast_flush_refresh_time,
// fast_flush_purge_time, parent_domain_matches_subdomains,
// queue_directory and the queue layout parameters, queue_service_name,
// flush_service_name, ipc_timeout.
package flush
