package local

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/queue"
)

// Forwarding (forward.c): addresses that are not delivered here are
// collected into new messages, one per (Delivered-To address, envelope
// sender) pair, submitted to the cleanup service, so that each forwarded
// recipient gets its own delivery status in the new queue file. The new
// message is the original content with a Received: header (added by
// cleanup) and "Delivered-To: ADDR" in front. Its queue ID is logged
// for the original recipient: "status=sent (forwarded as QID)".

type forwarder struct {
	j     *job
	infos []*fwdInfo // in the order they were opened
}

type fwdInfo struct {
	delivered, sender string
	cl                *cleanup.Client
	msg               *cleanup.RemoteMessage
}

func newForwarder(j *job) *forwarder { return &forwarder{j: j} }

// append adds the current recipient to the message for its Delivered-To
// address and sender, opening that message when needed. The recipient
// keeps its original recipient (forward_append's REC_TYPE_ORCP), unless
// an owner- alias reset it, so the new message's deliveries log orig_to=.
func (f *forwarder) append(m msgAttr) error {
	info, err := f.find(m.delivered, m.sender)
	if err != nil {
		return err
	}
	return info.msg.AddRecipientOrig(m.rcpt.address, m.rcpt.origAddr, m.rcpt.orcpt, queue.FormatNotify(m.rcpt.notify))
}

func (f *forwarder) find(delivered, sender string) (*fwdInfo, error) {
	for _, info := range f.infos {
		if info.delivered == delivered && info.sender == sender {
			return info, nil
		}
	}
	info, err := f.open(sender)
	if err != nil {
		return nil, err
	}
	info.delivered = delivered
	f.infos = append(f.infos, info)
	return info, nil
}

// open connects to the cleanup service and starts a message from sender
// (forward_open()).
func (f *forwarder) open(sender string) (*fwdInfo, error) {
	a, req := f.j.a, f.j.d.Req
	path := filepath.Join(a.queueDir, "public", a.p.cleanupService)
	cl, err := cleanup.Dial(path, a.p.ipcTimeout)
	if err != nil {
		a.warn("connect to public/%s: %s", a.p.cleanupService, mailbox.ErrText(err))
		return nil, err
	}
	msg, err := cl.Begin(cleanup.Meta{Origin: "forward", LocalUID: -1,
		LogIdent: req.LogIdent, RewriteContext: req.RewriteContext})
	if err == nil {
		err = msg.SetSender(sender, req.DSNRet, req.DSNEnvID)
	}
	if err == nil && req.SMTPUTF8 {
		err = msg.SetAttr(queue.AttrSMTPUTF8, "1")
	}
	if err != nil {
		cl.Close()
		return nil, err
	}
	return &fwdInfo{sender: sender, cl: cl, msg: msg}, nil
}

// finish sends the collected messages (forward_finish()), unless the
// recipient is already to be tried again (cancel): then they are
// dropped, and the whole expansion is repeated later.
func (f *forwarder) finish(top msgAttr, cancel result) result {
	r := cancel
	for _, info := range f.infos {
		if r == ok {
			r |= f.send(info, top)
		} else {
			info.msg.Abort()
		}
		info.cl.Close()
	}
	f.infos = nil
	return r
}

// send completes one message and logs it for the top-level recipient.
func (f *forwarder) send(info *fwdInfo, top msgAttr) result {
	j := f.j
	s := state{job: j, msg: top}
	id, err := f.write(info)
	if err != nil {
		j.a.warn("%s: forward to cleanup service: %v", j.d.Req.QueueID, err)
		return s.deferTo("4.3.0", "unable to forward message")
	}
	s.msg.rcpt.notify = withoutSuccess(s.msg.rcpt.notify)
	dsn := deliver.DSN{Status: "2.0.0", Action: "relayed", Reason: "forwarded as " + id}
	return s.record(deliver.Sent, dsn)
}

// write sends the content with its Delivered-To: header and commits.
func (f *forwarder) write(info *fwdInfo) (string, error) {
	if f.j.a.p.hdrMask&deliverHdrFwd != 0 {
		if _, err := fmt.Fprintf(info.msg, "Delivered-To: %s\n", strings.ToLower(info.delivered)); err != nil {
			return "", err
		}
	}
	if _, err := io.Copy(info.msg, f.j.d.Content()); err != nil {
		return "", err
	}
	return info.msg.Commit()
}
