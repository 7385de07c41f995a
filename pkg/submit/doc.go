// Package submit is postdrop(1) and what Postern's local submission
// programs share: the postdrop input stream that sendmail writes
// (stream.go), postdrop itself (postdrop.go: the set-group-ID program
// that turns that stream into a file in $queue_directory/maildrop and
// wakes pickup), and the pieces sendmail (pkg/sendmail) uses too:
// Postfix-style diagnostics on stderr and in the mail log (Reporter),
// glibc getopt(3) without permutation (Getopt), the untrusted
// configuration directory check (CheckConfigDir, mail_conf_checkdir),
// authorized_submit_users (CheckSubmitACL) and the cleanup status bits.
//
// postdrop keeps this package's dependencies small on purpose: it runs
// with the privileges of $setgid_group and links neither the SMTP server
// nor the table tools.
//
// The whole path, the file formats and the differences from Postfix are
// in docs/submission.md.
//
// Parameters read by postdrop: queue_directory, hash_queue_names,
// hash_queue_depth, enable_long_queue_ids, import_environment,
// authorized_submit_users, local_login_sender_maps,
// empty_address_local_login_sender_maps_lookup_key, recipient_delimiter,
// message_size_limit, trigger_timeout, pickup_service_name, and the mail
// log parameters (pkg/maillog).
package submit
