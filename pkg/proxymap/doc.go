// Package proxymap is Postfix's proxymap(8) service for programs that
// speak Postfix's proxymap protocol (global/dict_proxy.c): it opens
// pkg/dict tables on their behalf and answers lookups over
// private/proxymap, and for the proxywrite service also updates and
// deletes.
//
// Postern's own programs read "proxy:type:name" tables in-process
// (pkg/dict, with proxymap's approval check), so this daemon exists for
// compatibility: a stock master.cf names it, and other software (or the
// real Postfix's tools pointed at a Postern instance, "postmap -q key
// proxy:hash:/file") may use it.
//
// # Protocol
//
// The server announces "protocol=proxymap_protocol"; a connection then
// carries any number of requests, attribute lists in the null encoding:
//
//	request=open table=T flags=F              → status=S flags=F
//	request=lookup table=T flags=F key=K      → status=S value=V
//	request=update table=T flags=F key=K value=V → status=S   (proxywrite)
//	request=delete table=T flags=F key=K      → status=S      (proxywrite)
//	request=sequence table=T flags=F function=0|1 → status=S key=K value=V
//
// S is 0 ok, 1 no such key, 2 try again later, 3 bad request, 4 table
// not approved, 5 table configuration error (PROXY_STAT_*). F are
// Postfix's DICT_FLAG_* bits; those that matter to pkg/dict (fold case,
// lock, no regexp substitution, UTF-8) are honoured, and the open reply
// carries the table's fixed/pattern bits. T may carry any number of
// "proxy:" prefixes. A table must be listed as proxy:T in
// $proxy_read_maps (proxymap) or $proxy_write_maps (proxywrite), else
// the server logs Postfix's two warnings and answers 4. Lists nested in
// "{ ... }" and in unionmap:{...} and pipemap:{...} are searched too.
//
// A table that cannot be opened is answered as Postfix's "surrogate"
// table: the open succeeds, with the warning "TYPE:NAME is
// unavailable. REASON", and every lookup answers 5.
//
// Updates (proxywrite) rewrite the table file through pkg/dict's
// builder, so they cost a full rewrite of the table each.
//
// Parameters read: proxy_read_maps, proxy_write_maps (and, through
// their default values, the parameters they name), ipc_timeout.
package proxymap
