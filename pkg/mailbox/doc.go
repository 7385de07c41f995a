// Package mailbox writes mail into UNIX mailbox files and maildirs for
// the local(8) and virtual(8) agents, as Postfix's mbox_open(),
// dot_lockfile(), deliver_flock(), safe_open(), mail_copy() and
// deliver_maildir() do, and runs those writes in a child process with
// the recipient's user and group.
//
// # Mailbox locking (OpenMbox)
//
// mailbox_delivery_lock and virtual_mailbox_lock name the methods
// (ParseLockMask): "dotlock" creates PATH.lock with O_EXCL before the
// file is opened, breaking locks older than stale_lock_time; "fcntl"
// takes a whole-file write lock with fcntl(F_SETLK) and "flock" one with
// flock(LOCK_EX), both after the open. Each method is tried
// deliver_lock_attempts times, deliver_lock_delay apart. A lock held by
// someone else is a 4.2.0 deferral. This is the protocol of mail(1)
// (GNU mailutils), mutt and Dovecot's mbox code, so they can read and
// rewrite a mailbox while mail is delivered to it.
//
// # Message format (Prefix, WriteMessage, AppendMessage)
//
// UNIX mailbox: "From SENDER  DATE" line, Return-Path:, X-Original-To:,
// Delivered-To:, the message with ">" before lines that start with
// "From ", a final newline and an empty line; the file is fsynced and,
// when anything fails, truncated to its old size. Maildir: the same
// headers without the "From " line and quoting, written to tmp/, synced,
// linked into new/ under Postfix's unique name (MaildirNames).
//
// # Privilege separation (Runner, HelperMain, Privs)
//
// The agents run as $mail_owner with root as their real user (DropTo).
// A Runner starts the agent's own binary again (os.Executable, with
// HelperArg) as the recipient (Privs.Start sets the credentials of the
// child; the agent is root only while the child is created), sends it a
// JSON Request and the message, and reads a JSON Response: the outcome
// with its DSN status and text, and warnings for the agent's log. An
// idle helper is kept for the next operation with the same user and
// group (at most 100 operations, 10 s idle), since starting one costs
// more CPU than a delivery. The
// helper never logs and never runs as root unless Postfix would write
// as root (a mailbox in a spool directory that only root can write, an
// :include: file under a root-owned alias).
package mailbox
