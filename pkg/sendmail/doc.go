// Package sendmail is Postfix's sendmail(1), the Sendmail-compatible
// submission command, which is also mailq(1) and newaliases(1) by
// name. It parses the command line as Postfix's sendmail does (options,
// messages and exit statuses checked against Postfix 3.7.11), and then:
//
//   - delivery mode (the default): reads the message from standard
//     input (line rules of sendmail_fix_line_endings, leading From_
//     lines dropped, "." ends unless -i/-oi), extracts the recipients of
//     the headers with -t (To, Cc, Bcc, or the Resent- ones), and hands
//     envelope and content to $command_directory/postdrop over the
//     postdrop input stream (pkg/submit); the message is durable in the
//     maildrop queue when sendmail exits 0;
//   - -bp / mailq, -q, -qR, -qI: executes $command_directory/postqueue;
//   - -bi / -I / newaliases: postalias of $alias_database (or -oA);
//   - -bs: an SMTP session on stdin/stdout with pkg/smtpd in this
//     process, each message submitted through postdrop;
//   - -bd / -bl: postfix start.
//
// Every fatal error exits with status 75 (EX_TEMPFAIL), as Postfix 3.7's
// sendmail does. See docs/submission.md for the options, the messages
// and the differences from Postfix.
//
// Parameters read: queue_directory, command_directory,
// import_environment, export_environment, authorized_submit_users,
// sendmail_fix_line_endings, line_length_limit, header_size_limit,
// verp_delimiter_filter, alias_database, myhostname and mail_name (-bs),
// smtpd's parameters (-bs), and the mail log parameters.
package sendmail
