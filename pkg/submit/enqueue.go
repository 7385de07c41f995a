package submit

import (
	"fmt"
	"os"
	"strconv"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// enqueue posts one message through postdrop (sendmail.c enqueue()).
func (o *smOptions) enqueue(r *reporter, cfg *config.Config, env Env) error {
	if o.userVerify {
		// XXX: the queue manager does not run address probes yet.
		return fatalf(exUnavailable, "-bv (address verification report) is not implemented in Postern yet")
	}
	if o.verp {
		return fatalf(exUsage, "-XV (VERP) is not implemented in Postern yet")
	}
	if err := checkSubmitACL(cfg, exNoPerm); err != nil {
		return err
	}
	sender, err := o.envelopeSender(r)
	if err != nil {
		return err
	}
	who := sender + "(" + uidString() + ")"
	pd, err := startPostdrop(r, cfg, o.verbose)
	if err != nil {
		return fatalf(exUnavailable, "%s: unable to execute %s: %s", who, postdropCommand(cfg, o.verbose), errnoText(err))
	}
	defer pd.wait()
	if err := o.post(cfg, env, pd.sw, sender, who); err != nil {
		return err
	}
	if status, why := pd.finish(); status != statOK {
		if why == "" {
			why = statusText(status)
		}
		return fatalf(exUnavailable, "%s: %s", who, why)
	}
	if o.record {
		fmt.Fprintf(env.Stdout, "Mail Delivery Status Report will be mailed to <%s>.\n", sender)
		// XXX: the queue manager does not act on trace_flags yet.
		r.warn("-v: delivery status reports are not implemented in Postern's queue manager yet")
	}
	return nil
}

// envelopeSender is the first address of -f/-r, or the login name.
func (o *smOptions) envelopeSender(r *reporter) (string, error) {
	if !o.senderSet {
		name, ok := loginName()
		if !ok {
			return "", fatalf(exOSErr, "no login name found for user ID %d", os.Getuid())
		}
		return name, nil
	}
	addrs := parseAddrs(o.sender)
	if len(addrs) > 1 {
		r.warn("-f option specified malformed sender: %s", o.sender)
	}
	if len(addrs) == 0 {
		return "", nil
	}
	return addrs[0], nil
}

// post writes the whole submission to postdrop.
func (o *smOptions) post(cfg *config.Config, env Env, sw *StreamWriter, sender, who string) error {
	o.writeEnvelope(sw, sender)
	nrcpt := 0
	for _, arg := range o.operands {
		nrcpt += o.writeArgRecipients(sw, arg)
	}
	sw.Record(RecContent, nil)
	ex, err := o.writeContent(cfg, env, sw, who)
	if err != nil {
		return err
	}
	sw.Record(RecExtract, nil)
	if ex != nil {
		for _, rcpt := range ex.recipients() {
			sw.Recipient(rcpt, "", o.notify)
			nrcpt++
		}
	}
	if nrcpt == 0 {
		if o.extract {
			return fatalf(exUsage, "%s: No recipient addresses found in message header", who)
		}
		return fatalf(exUsage, "%s: Recipient addresses must be specified on the command line or via the -t option", who)
	}
	sw.Record(RecEnd, nil)
	if err := sw.Flush(); err != nil {
		return fatalf(exTempFail, "%s: error writing queue file: %s", who, strerror(err))
	}
	return nil
}

// writeEnvelope writes the attributes, full name and sender.
func (o *smOptions) writeEnvelope(sw *StreamWriter, sender string) {
	if o.envid != "" {
		sw.String(RecAttr, queue.AttrDSNEnvID+"="+o.envid)
	}
	if o.ret != "" {
		sw.String(RecAttr, queue.AttrDSNRet+"="+o.ret)
	}
	sw.String(RecAttr, queue.AttrRewrite+"="+o.rewrite)
	name, ok := o.fullName, o.fullSet
	if !ok {
		name, ok = fullName()
	}
	if ok {
		sw.String(RecFullName, name)
	}
	sw.String(RecSender, sender)
	if o.encoding != "" {
		sw.String(RecAttr, queue.AttrEncoding+"="+o.encoding)
	}
	if o.record {
		sw.String(RecAttr, AttrTraceFlags+"="+strconv.Itoa(traceRecord))
	}
}

// traceRecord is DEL_REQ_FLAG_RECORD (sendmail -v).
const traceRecord = 1 << 10

// writeArgRecipients parses one command-line argument as an address
// list ("a@b, Name <c@d>"); an argument without an address is an empty
// recipient, as in Postfix.
func (o *smOptions) writeArgRecipients(sw *StreamWriter, arg string) int {
	addrs := parseAddrs(arg)
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
func (o *smOptions) writeContent(cfg *config.Config, env Env, sw *StreamWriter, who string) (*extractor, error) {
	strip, err := stripCRMode(cfg)
	if err != nil {
		return nil, err
	}
	limit, err := cfg.Int("line_length_limit")
	if err != nil {
		return nil, fatalf(exUsage, "%v", err)
	}
	lr := newLineReader(env.Stdin, limit)
	var sink contentSink = streamSink{sw}
	var ex *extractor
	if o.extract {
		hlimit, err := cfg.Int("header_size_limit")
		if err != nil {
			return nil, fatalf(exUsage, "%v", err)
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
		return nil, fatalf(exDataErr, "%s: unable to extract recipients: %s", who, err)
	case err != nil:
		return nil, fatalf(exTempFail, "%s: error writing queue file: %s", who, strerror(err))
	case lr.err != nil:
		return nil, fatalf(exDataErr, "%s: error reading input: %s", who, strerror(lr.err))
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
		return 0, fatalf(exUsage, "invalid sendmail_fix_line_endings value: %s", v)
	}
}
