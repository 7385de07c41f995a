package local

import (
	"fmt"
	"os"
	"strings"

	"github.com/postern/postern/pkg/mailbox"
)

// deliverCommand pipes the message into a shell command (command.c
// deliver_command()), with the rights of the user in effect
// (default_privs when none, never root). The environment is
// export_environment, PATH, and HOME, LOGNAME, USER, SENDER, RECIPIENT,
// LOCAL, SHELL, DOMAIN, EXTENSION, ORIGINAL_RECIPIENT and the CLIENT_*
// and SASL_* attributes of the message, censored with
// command_expansion_filter. The message gets "From ", Return-Path:,
// X-Original-To: and Delivered-To: lines, and no blank line at the end.
func (s state) deliverCommand(usr userAttr, command string) result {
	s.level++
	a := s.job.a
	m := &s.msg
	if s.job.dup.beenHere(fmt.Sprintf("command %s:%d %s", m.user, usr.uid, command)) {
		return ok
	}
	if s.traceOnly() {
		return s.sent("2.0.0", "delivers to command: "+command)
	}
	cred := a.privRights(usr)
	dir, status := s.expand(a.p.execDirectory, &usr, a.p.execFilter)
	if status&expandError != 0 {
		a.warn("bad parameter value syntax for command_execution_directory: %s", a.p.execDirectory)
		return s.deferTo("4.3.5", "mail system configuration error")
	}
	flags := a.copyFlags(mailbox.CopyFrom|mailbox.CopyReturnPath|mailbox.CopyOrigRcpt|mailbox.CopyDelivered, deliverHdrCmd)
	args := &pipeArgs{
		command: command, cred: cred, dir: dir, shell: a.p.commandShell, timeout: a.p.cmdTimeLimit,
		env: append(exportedEnv(a.p.exportEnv), s.commandEnv(usr)...),
		prefix: mailbox.Prefix(flags, mailbox.Envelope{Sender: m.sender, OrigRcpt: m.rcpt.origAddr,
			Delivered: m.delivered, EnableOrigRcpt: a.p.enableOrigRcpt, Now: a.now()}),
		flags: flags,
	}
	res := a.pipeCommand(s.job.ctx, args, s.job.d.File.Content())
	if res.status == "" {
		return s.sent("2.0.0", "delivered to command: "+command)
	}
	return s.bounceWorkaround(unixDSN(res.status, res.text, res.diag))
}

// commandEnv is the message context a command gets.
func (s *state) commandEnv(usr userAttr) []string {
	m := &s.msg
	req := s.job.d.Req
	var kv []string
	add := func(name, value string, when bool) {
		if when {
			kv = append(kv, name, value)
		}
	}
	add("HOME", usr.home.s, usr.home.ok)
	add("LOGNAME", m.user, true)
	add("USER", m.user, true)
	add("SENDER", m.sender, true)
	add("RECIPIENT", m.rcpt.address, true)
	add("LOCAL", m.local, true)
	add("SHELL", usr.shell.s, usr.shell.ok)
	add("DOMAIN", m.domain.s, m.domain.ok)
	add("EXTENSION", m.extension.s, m.extension.ok)
	add("ORIGINAL_RECIPIENT", m.rcpt.origAddr, m.rcpt.origAddr != "")
	for _, c := range [][2]string{{"CLIENT_HOSTNAME", req.ClientName}, {"CLIENT_ADDRESS", req.ClientAddr},
		{"CLIENT_HELO", req.ClientHelo}, {"CLIENT_PROTOCOL", req.ClientProto},
		{"SASL_METHOD", req.SASLMethod}, {"SASL_SENDER", req.SASLSender}, {"SASL_USERNAME", req.SASLUsername}} {
		add(c[0], c[1], c[1] != "")
	}
	var env []string
	for i := 0; i < len(kv); i += 2 {
		env = append(env, kv[i]+"="+censor(kv[i+1], s.job.a.p.cmdFilter))
	}
	return env
}

// exportedEnv is clean_env(export_environment) followed by the default
// command search path: each listed name keeps its value from this
// process, NAME=VALUE entries set a value.
func exportedEnv(export []string) []string {
	var env []string
	for _, e := range export {
		if strings.Contains(e, "=") {
			env = append(env, e)
		} else if v, ok := os.LookupEnv(e); ok {
			env = append(env, e+"="+v)
		}
	}
	return append(env, "PATH="+defaultPath)
}

// defaultPath is glibc's _PATH_DEFPATH, which Postfix sets as PATH.
const defaultPath = "/usr/bin:/bin"
