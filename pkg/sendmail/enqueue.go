package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// enqueue posts one message through postdrop (sendmail.c enqueue()).
func (o *smOptions) enqueue(r *submit.Reporter, cfg *config.Config, env Env) error {
	if o.verp {
		return submit.Fatalf(submit.ExUsage, "-XV (VERP) is not implemented in Postern yet")
	}
	if err := submit.CheckSubmitACL(cfg, submit.ExNoPerm); err != nil {
		return err
	}
	sender, err := o.envelopeSender(r)
	if err != nil {
		return err
	}
	who := sender + "(" + uidString() + ")"
	pd, err := startPostdrop(r, cfg, o.verbose)
	if err != nil {
		return submit.Fatalf(submit.ExUnavailable, "%s: unable to execute %s: %s", who, postdropCommand(cfg, o.verbose), submit.ErrnoText(err))
	}
	defer pd.wait()
	if err := o.post(cfg, env, pd.sw, sender, who); err != nil {
		return err
	}
	if status, why := pd.finish(); status != submit.StatOK {
		if why == "" {
			why = submit.StatusText(status)
		}
		return submit.Fatalf(submit.ExUnavailable, "%s: %s", who, why)
	}
	if o.traceFlags() != 0 {
		// qmgr has the trace service mail the report (trace_flags).
		fmt.Fprintf(env.Stdout, "Mail Delivery Status Report will be mailed to <%s>.\n", sender)
	}
	return nil
}

// envelopeSender is the first address of -f/-r, or the login name.
func (o *smOptions) envelopeSender(r *submit.Reporter) (string, error) {
	if !o.senderSet {
		name, ok := submit.LoginName()
		if !ok {
			return "", submit.Fatalf(submit.ExOSErr, "no login name found for user ID %d", os.Getuid())
		}
		return name, nil
	}
	addrs := addr.ParseList(o.sender)
	if len(addrs) > 1 {
		r.Warn("-f option specified malformed sender: %s", o.sender)
	}
	if len(addrs) == 0 {
		return "", nil
	}
	return addrs[0], nil
}

// post writes the whole submission to postdrop.
func (o *smOptions) post(cfg *config.Config, env Env, sw *submit.StreamWriter, sender, who string) error {
	o.writeEnvelope(sw, sender)
	nrcpt := 0
	for _, arg := range o.operands {
		nrcpt += o.writeArgRecipients(sw, arg)
	}
	sw.Record(submit.RecContent, nil)
	var ex *extractor
	var err error
	if o.userVerify {
		writeProbeContent(sw, sender, o.operands)
	} else if ex, err = o.writeContent(cfg, env, sw, who); err != nil {
		return err
	}
	sw.Record(submit.RecExtract, nil)
	if ex != nil {
		for _, rcpt := range ex.recipients() {
			sw.Recipient(rcpt, "", o.notify)
			nrcpt++
		}
	}
	if nrcpt == 0 {
		if o.extract {
			return submit.Fatalf(submit.ExUsage, "%s: No recipient addresses found in message header", who)
		}
		return submit.Fatalf(submit.ExUsage, "%s: Recipient addresses must be specified on the command line or via the -t option", who)
	}
	sw.Record(submit.RecEnd, nil)
	if err := sw.Flush(); err != nil {
		return submit.Fatalf(submit.ExTempFail, "%s: error writing queue file: %s", who, submit.Strerror(err))
	}
	return nil
}

// writeEnvelope writes the attributes, full name and sender.
func (o *smOptions) writeEnvelope(sw *submit.StreamWriter, sender string) {
	if o.envid != "" {
		sw.String(submit.RecAttr, queue.AttrDSNEnvID+"="+o.envid)
	}
	if o.ret != "" {
		sw.String(submit.RecAttr, queue.AttrDSNRet+"="+o.ret)
	}
	sw.String(submit.RecAttr, queue.AttrRewrite+"="+o.rewrite)
	name, ok := o.fullName, o.fullSet
	if !ok {
		name, ok = fullName()
	}
	if ok {
		sw.String(submit.RecFullName, name)
	}
	sw.String(submit.RecSender, sender)
	if o.encoding != "" {
		sw.String(submit.RecAttr, queue.AttrEncoding+"="+o.encoding)
	}
	if t := o.traceFlags(); t != 0 {
		sw.String(submit.RecAttr, queue.AttrTraceFlags+"="+strconv.Itoa(t))
	}
}

// Trace flags (global/deliver_request.h).
const (
	traceUserVerify = 1 << 9  // DEL_REQ_FLAG_USR_VRFY (sendmail -bv)
	traceRecord     = 1 << 10 // DEL_REQ_FLAG_RECORD (sendmail -v)
)

// traceFlags is the trace_flags attribute the message gets: the agents
// report instead of delivering (-bv) or also report (-v), and qmgr has
// the sender mailed a Mail Delivery Status Report.
func (o *smOptions) traceFlags() int {
	t := 0
	if o.userVerify {
		t |= traceUserVerify
	}
	if o.record {
		t |= traceRecord
	}
	return t
}

// writeProbeContent writes the message of sendmail -bv instead of
// reading standard input (sendmail.c enqueue(), DEL_REQ_TRACE_ONLY):
// From: the sender, "Subject: probe", and To: the command-line
// arguments as given.
func writeProbeContent(sw *submit.StreamWriter, sender string, rcpts []string) {
	var b strings.Builder
	if sender != "" {
		b.WriteString("From: " + sender + "\n")
	}
	b.WriteString("Subject: probe\n")
	if len(rcpts) > 0 {
		b.WriteString("To:")
	}
	for i, r := range rcpts {
		sep := ","
		if i == len(rcpts)-1 {
			sep = ""
		}
		b.WriteString("\t" + r + sep + "\n")
	}
	sw.Write([]byte(b.String()))
}

// writeArgRecipients parses one command-line argument as an address
// list ("a@b, Name <c@d>"); an argument without an address is an empty
// recipient, as in Postfix.
func (o *smOptions) writeArgRecipients(sw *submit.StreamWriter, arg string) int {
	addrs := addr.ParseList(arg)
	if len(addrs) == 0 {
		sw.Recipient("", "", 0)
		return 1
	}
	for _, a := range addrs {
		sw.Recipient(a, "", o.notify)
	}
	return len(addrs)
}

// writeContent copies standard input; with -t the headers go through
// the extractor.
func (o *smOptions) writeContent(cfg *config.Config, env Env, sw *submit.StreamWriter, who string) (*extractor, error) {
	strip, err := stripCRMode(cfg)
	if err != nil {
		return nil, err
	}
	limit, err := cfg.Int("line_length_limit")
	if err != nil {
		return nil, submit.Fatalf(submit.ExUsage, "%v", err)
	}
	lr := newLineReader(env.Stdin, limit)
	var sink contentSink = streamSink{sw}
	var ex *extractor
	if o.extract {
		hlimit, err := cfg.Int("header_size_limit")
		if err != nil {
			return nil, submit.Fatalf(submit.ExUsage, "%v", err)
		}
		ex = &extractor{out: sink, limit: hlimit}
		sink = ex
	}
	err = copyContent(lr, sink, strip, o.aeof)
	if err == nil && ex != nil {
		err = ex.end()
	}
	switch {
	case err == errHeaderTooLong:
		return nil, submit.Fatalf(submit.ExDataErr, "%s: unable to extract recipients: %s", who, err)
	case err != nil:
		return nil, submit.Fatalf(submit.ExTempFail, "%s: error writing queue file: %s", who, submit.Strerror(err))
	case lr.err != nil:
		return nil, submit.Fatalf(submit.ExDataErr, "%s: error reading input: %s", who, submit.Strerror(lr.err))
	}
	return ex, nil
}

// stripCRMode reads sendmail_fix_line_endings.
func stripCRMode(cfg *config.Config) (int, error) {
	switch v := cfg.Get("sendmail_fix_line_endings"); v {
	case "always":
		return stripCRYes, nil
	case "strict":
		return stripCRUnknown, nil
	case "never":
		return stripCRNo, nil
	default:
		return 0, submit.Fatalf(submit.ExUsage, "invalid sendmail_fix_line_endings value: %s", v)
	}
}
