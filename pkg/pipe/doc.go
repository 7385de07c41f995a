// Package pipe is Postfix's pipe(8) delivery agent: it delivers a
// message by running an external command (maildrop, uux, cyrus deliver,
// a content filter, a mailing list manager) with the message on its
// standard input, as configured at the end of the master.cf entry:
//
//	maildrop  unix  -  n  n  -  -  pipe
//	  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}
//
// # Command attributes (pipe(8))
//
//	flags=BDFORXhqu.>   message and command-line processing, below
//	user=NAME[:GROUP]   run the command as NAME (required; never root,
//	                    never $mail_owner, never group 0, $mail_owner's
//	                    or $setgid_group's group)
//	argv=COMMAND ...    the command, last (required); no shell
//	directory=PATH      working directory (default: $queue_directory)
//	chroot=PATH         change root first
//	eol=STRING          line end written to the command (default \n;
//	                    C escapes \a \b \f \n \r \t \v \ddd \\)
//	null_sender=TEXT    what the null sender becomes (MAILER-DAEMON)
//	size=BYTES          bounce larger messages (5.2.3 message too large)
//
// Flags: B append a blank line; D prepend "Delivered-To: recipient" and
// bounce a message that already has it for this recipient (5.4.6 mail
// forwarding loop), needs TRANSPORT_destination_recipient_limit = 1; F
// prepend the "From sender date" line; O prepend "X-Original-To:
// original recipient" (with enable_original_recipient), needs a
// recipient limit of 1 too; R prepend "Return-Path: <sender>"; X the
// command delivers finally (DSN action "delivered", not "relayed"); h
// fold the domain of $recipient and $original_recipient, and all of
// $domain and $nexthop, to lower case; q quote $sender, $recipient and
// $original_recipient local parts as RFC 822 requires; u fold their
// local parts to lower case; . prepend "." to lines that start with
// "."; > prepend ">" to lines that start with "From ".
//
// The attributes are checked at the first delivery, as pipe.c does: a
// bad one is fatal ("unknown username", "unknown flag") and the master
// throttles the transport.
//
// # Macros in argv
//
// $name, ${name} and $(name): sender, nexthop, recipient,
// original_recipient, user, extension, mailbox, domain, size, queue_id,
// client_address, client_hostname, client_port, client_protocol,
// client_helo, sasl_method, sasl_username, sasl_sender; $$ is a "$". An
// argument that names a recipient macro (recipient,
// original_recipient, user, extension, mailbox, domain) becomes one
// argument per recipient. $user is the local part before the first
// $recipient_delimiter character (an empty one drops the argument),
// $extension what follows it. Any other name is a configuration error:
// the delivery is deferred (4.3.5) with Postfix's warning.
//
// # Results
//
// The command runs as user= in its own session, with the environment
// $export_environment and PATH=/usr/bin:/bin, standard output and error
// captured (the first 4096 bytes), for at most $TRANSPORT_time_limit
// (default $command_time_limit). Exit status 0 delivers every recipient:
// "status=sent (delivered via TRANSPORT service)" plus up to 100 bytes
// of output in parentheses. Otherwise, as pipe_command.c decides: output
// that starts with an RFC 3463 code sets the status; a <sysexits.h>
// code gives its status and text (EX_TEMPFAIL and EX_OSERR defer, the
// others bounce); another code bounces ("Command died with status N");
// a signal defers; the time limit kills the process group and bounces.
//
// An address probe (sendmail -bv, verify(8)) reports "delivers to
// command: COMMAND" and runs nothing.
//
// Parameters read: command_time_limit, TRANSPORT_time_limit,
// export_environment, recipient_delimiter, owner_request_special,
// double_bounce_sender, enable_original_recipient, mail_owner,
// setgid_group, pipe_delivery_status_filter (only empty), and the
// parameters of pkg/deliver.
package pipe
