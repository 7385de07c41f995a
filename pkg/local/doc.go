// Package local is Postfix's local(8) delivery agent: it delivers mail
// for the local domains ($mydestination, $inet_interfaces,
// $proxy_interfaces) to aliases, ~/.forward files, UNIX mailboxes,
// maildirs, commands and files, as the Postfix 3.7 local daemon does.
// cmd/local runs it on the stock master.cf entry
// "local unix - n n - - local" (as root, not chrooted); qmgr sends it
// delivery requests (pkg/deliver), normally one recipient at a time
// (local_destination_recipient_limit = 1).
//
// # Delivery of one recipient
//
// All decisions use the recipient's local part, folded to lower case,
// split at $recipient_delimiter into user and extension (never for
// postmaster, MAILER-DAEMON, $double_bounce_sender, or owner-x and
// x-request when "-" is a delimiter). In order (local.c, recipient.c):
//
//  1. a message that already carries "Delivered-To: <recipient>"
//     bounces: "5.4.6 mail forwarding loop for ADDR";
//  2. alias_maps, with the full local part and then the user without
//     extension (aliases(5)): each destination of the value is delivered
//     in turn, recursively (an alias listing its own name goes to the
//     user); an owner-NAME alias becomes the envelope sender and makes
//     local users of the expansion get a new message. A table that
//     could not be opened at startup (logged as an "error:" record) or
//     fails a lookup defers the recipient: "4.3.0 alias database
//     unavailable";
//  3. an address reached through an owner- alias, a ~/.forward file or
//     an :include: file is forwarded as a new message (cleanup service),
//     logged "forwarded as QID" for the original recipient;
//  4. the first file of forward_path that exists (~/.forward+EXT, then
//     ~/.forward by default), read as the user; a file that lists no
//     address means "deliver to the mailbox";
//  5. the mailbox: mailbox_transport_maps or mailbox_transport (handed
//     to that master.cf transport, e.g. "lmtp:unix:private/dovecot-lmtp",
//     as Postfix's deliver_pass(): "passing <ADDR> to transport=lmtp"),
//     then, for users in the password database, mailbox_command_maps,
//     mailbox_command, home_mailbox ("Maildir/" for a maildir), or the
//     file $mail_spool_directory/USER;
//  6. fallback_transport_maps, fallback_transport, luser_relay; mail for
//     postmaster and MAILER-DAEMON without an alias is discarded with a
//     warning; else "5.1.1 unknown user: "USER"".
//
// Alias, .forward and :include: values hold addresses, /file and
// ~/file destinations (UNIX mailbox format; a maildir when the name ends
// in "/"), |command destinations, and :include:/file. Commands and files
// are allowed where allow_mail_to_commands and allow_mail_to_files say
// (default: in aliases and .forward files, not in :include: files).
// Duplicates are dropped per recipient (duplicate_filter_limit).
//
// # Privileges
//
// The agent runs as $mail_owner between deliveries, with root as its
// real user (mailbox.DropTo, like Postfix's set_eugid()). Every
// operation on a user's files — reading .forward and :include: files,
// writing mailboxes, maildirs and files — runs in a child process
// (this program again, mailbox.HelperArg) with the user's uid and gid,
// and commands are started directly with them; nothing is written to a
// user's file as root. The rights are Postfix's: the recipient's for
// mailboxes and for ~/.forward destinations; for aliases the owner of
// the alias table, or default_privs when root owns it; for :include:
// files under a root-owned alias the include file's owner; never root
// for commands and files (default_privs instead). In a spool directory
// that is group-writable (Debian's /var/mail, root:mail 2775) the
// mailbox is written as the user with the directory's group, in a
// world-writable one as the user, otherwise as root with the new file
// given to the user.
//
// Mailboxes are locked with mailbox_delivery_lock (fcntl and dotlock by
// default, what mail(1), mutt and Dovecot use), written with a "From "
// line, Return-Path:, X-Original-To: and Delivered-To: headers, ">From "
// quoting and a final empty line, synced, and truncated back on failure.
//
// Commands get the message with "From ", Return-Path:, X-Original-To:
// and Delivered-To: lines; their environment is export_environment,
// PATH=/usr/bin:/bin, HOME, LOGNAME, USER, SENDER, RECIPIENT, LOCAL,
// SHELL, DOMAIN, EXTENSION, ORIGINAL_RECIPIENT and CLIENT_* / SASL_*
// values; they run in their own session in command_execution_directory
// (or /), are killed after command_time_limit, and their exit status
// maps as <sysexits.h> says (EX_TEMPFAIL defers; output starting with
// an enhanced status code decides; other failures bounce with the
// command's output).
//
// # Log lines
//
// One per destination, with the expanded address as to= and the
// original as orig_to=:
//
//	QID: to=<u@example.com>, relay=local, delay=0.02, delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)
//	... status=sent (delivered to maildir)
//	... status=sent (delivered to command: /usr/bin/procmail)
//	... status=sent (delivered to file: /var/log/mail.archive)
//	... status=sent (forwarded as 8A1B2C3D4E)
//	... status=bounced (unknown user: "nosuch")
//	... status=bounced (mail forwarding loop for u@example.com)
//
// # Parameters
//
// Params lists them. Raw (expanded per recipient with $user, $home,
// $shell, $recipient, $extension, $domain, $local and
// $recipient_delimiter): forward_path, mailbox_command,
// command_execution_directory, luser_relay.
//
// Differences from Postfix are marked XXX in the code and listed in
// docs/local.md.
package local
