// Package resolve is Postfix's trivial-rewrite(8) as a library: address
// rewriting to canonical form and address resolution to a (transport,
// nexthop, recipient, class) result. qmgr, smtpd (reject_unauth_destination,
// relay checks) and cleanup call it in-process; cmd/trivial-rewrite serves
// the same answers on the stock master.cf "rewrite" service.
//
// # Rewriting (Rewrite)
//
// In the "local" context: strip source routes, swap domain!user to
// user@domain (swap_bangpath), user%domain to user@domain
// (allow_percent_hack), append @$myorigin to a bare user
// (append_at_myorigin) and .$mydomain to a domain without a dot
// (append_dot_mydomain). The "remote" context appends
// $remote_header_rewrite_domain instead, or nothing when it is empty.
//
// # Resolution (Resolve)
//
// First every instance of a local domain is stripped and the rest
// rewritten, repeatedly, so that user%remote@local resolves to
// user@remote; an empty address becomes $empty_address_recipient and a
// bare user gets @$myhostname. A domain is local when it is in
// $mydestination or is an address literal of $inet_interfaces or
// $proxy_interfaces. Then the class (ADDRESS_CLASS_README):
//
//	local            $mydestination, [$inet_interfaces], [$proxy_interfaces]
//	                 → $local_transport, nexthop = the domain
//	virtual alias    $virtual_alias_domains → error:5.1.1 User unknown in
//	                 virtual alias table (cleanup expands real recipients first)
//	virtual mailbox  $virtual_mailbox_domains → $virtual_transport, nexthop = domain
//	relay            $relay_domains → $relay_transport
//	default          everything else → $default_transport, or the
//	                 sender_dependent_default_transport_maps entry
//
// Off-host mail (relay and default) goes to the sender-dependent relayhost
// (sender_dependent_relayhost_maps), else $relayhost, else the recipient
// domain. A "transport:nexthop" value in a *_transport parameter sets the
// nexthop. Then transport_maps may override transport and nexthop (not for
// the virtual alias class), searched as transport(5) says: the full
// address, the address without extension, the domain, its parent domains
// (".domain" unless transport_maps is in
// parent_domain_matches_subdomains), then "*". relocated_maps turns the
// result into error:5.1.6 User has moved to NEW. A recipient starting with
// "-" gets FlagError unless allow_min_user.
//
// Parameters read: myhostname, mydomain, myorigin, mydestination,
// inet_interfaces, proxy_interfaces, remote_header_rewrite_domain,
// empty_address_recipient, recipient_delimiter, swap_bangpath,
// allow_percent_hack, append_at_myorigin, append_dot_mydomain,
// resolve_dequoted_address, resolve_null_domain, resolve_numeric_domain,
// allow_min_user, show_user_unknown_table_name, helpful_warnings,
// smtputf8_enable, virtual_alias_domains, virtual_mailbox_domains,
// relay_domains, parent_domain_matches_subdomains, relocated_maps,
// local_transport, virtual_transport, relay_transport, default_transport,
// relayhost, sender_dependent_relayhost_maps,
// sender_dependent_default_transport_maps,
// empty_address_relayhost_maps_lookup_key,
// empty_address_default_transport_maps_lookup_key, transport_maps, and
// the address_verify_* counterparts of the transport parameters.
//
// Lookup table failures never become "not found": Resolve returns
// FlagFail and the caller defers.
package resolve
