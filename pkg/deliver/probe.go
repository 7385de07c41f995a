package deliver

import (
	"errors"

	"github.com/postern/postern/pkg/verify"
)

// Address verification probes (verify(8), DEL_REQ_FLAG_MTA_VRFY): the
// agent finds out what would happen to each recipient, as for sendmail
// -bv, but the outcome goes to the verify service instead of the logs
// (Postfix's verify_append(), called from sent(), defer_append() and
// bounce_append()). A recipient whose outcome the verify service took
// is finished: it is marked done, and its result for qmgr is Sent
// (deliverable) or Bounced (undeliverable), never Deferred, so that qmgr
// removes the probe without notices. When the verify service cannot be
// told, the recipient is deferred without a log line, with Postfix's
// warning "QID: verify service failure".

var errNoVerify = errors.New("no verify service configured")

// verifyAppend classifies the outcome of a probe recipient and stores it
// with the verify service.
func (d *Delivery) verifyAppend(e *entry) {
	rc := d.Req.Recipients[e.Rcpt]
	vst, action := verify.RcptOK, "deliverable"
	switch e.Status {
	case Deferred:
		vst, action = verify.RcptDefer, "undeliverable"
	case Bounced:
		vst, action = verify.RcptBounce, "undeliverable"
	}
	var err error
	if d.env.VerifyNegCache || vst == verify.RcptOK {
		err = d.verifyUpdate(rc, vst, e.DSN.Reason)
	} else {
		action = "undeliverable-but-not-cached"
	}
	e.log, e.trace = "", false
	if err != nil {
		d.env.warn("%v", err)
		d.env.warn("%s: %s service failure", d.Req.QueueID, d.env.verifyService())
		e.Status, e.quiet, e.done = Deferred, true, false
		return
	}
	e.word, e.DSN.Action, e.done = action, action, true
	if e.Status != Sent {
		e.Status = Bounced
	}
}

// verifyUpdate stores the status of the original recipient and, when it
// differs, of the recipient (two updates for one probe, as Postfix).
func (d *Delivery) verifyUpdate(rc Recipient, status int, reason string) error {
	if d.env.Verify == nil {
		return errNoVerify
	}
	if rc.OrigAddress != "" {
		if err := d.env.Verify.Update(rc.OrigAddress, status, reason); err != nil {
			return err
		}
	}
	if rc.Address != rc.OrigAddress {
		return d.env.Verify.Update(rc.Address, status, reason)
	}
	return nil
}

func (e *Env) verifyService() string {
	if e.VerifyService == "" {
		return "verify"
	}
	return e.VerifyService
}
