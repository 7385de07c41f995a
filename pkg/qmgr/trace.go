package qmgr

import (
	"strconv"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Trace flags: the queue file attribute trace_flags of sendmail -v
// (record and deliver), sendmail -bv and verify(8) probes (report, do
// not deliver). qmgr adds them to every delivery request of the message,
// its own decisions included, so that the agents write trace records
// (qmgr_message.c, qmgr_deliver.c); when the message leaves the active
// queue the trace log becomes the sender's report (qmgr_active.c).

// traceMask is DEL_REQ_TRACE_FLAGS_MASK.
const traceMask = deliver.FlagMTAVerify | deliver.FlagUserVerify | deliver.FlagRecord | deliver.FlagRecDlySent

// traceFlags reads the trace_flags attribute (atoi, then the mask).
func traceFlags(env *queue.Envelope) deliver.Flags {
	n, _ := strconv.Atoi(env.Attr(queue.AttrTraceFlags))
	return deliver.Flags(n) & traceMask
}

// VerifyResolver is a Resolver that also resolves with the
// address_verify_* settings, for verify(8) probes (trivial-rewrite's
// "verify" personality); *resolve.Resolver is one.
type VerifyResolver interface {
	ResolveVerify(sender, recipient string) resolve.Result
}

// resolveFor resolves a recipient of msg: probes with the verify
// personality when the resolver has one (qmgr_resolve_one).
func (m *Manager) resolveFor(msg *message, addr string) resolve.Result {
	if msg.tflags&deliver.FlagMTAVerify != 0 {
		if vr, ok := m.deps.Resolver.(VerifyResolver); ok {
			return vr.ResolveVerify(msg.env.Sender, addr)
		}
	}
	return m.deps.Resolver.Resolve(msg.env.Sender, addr)
}

// wantsTraceFlush reports whether the trace log may hold records to
// report: sendmail -v or -bv, delayed mail that asked for a "delivered"
// notice, or a recipient with NOTIFY=SUCCESS (qmgr_active_done_2_generic).
func (m *message) wantsTraceFlush() bool {
	return m.tflags&(deliver.FlagUserVerify|deliver.FlagRecord|deliver.FlagRecDlySent) != 0 ||
		m.wantsSuccessNotice()
}

// traceKind is the notice a trace log becomes: the delivery report of
// sendmail -v and -bv, else the success notice (bounce_trace_service).
func (m *message) traceKind() bounce.Kind {
	if m.tflags&(deliver.FlagUserVerify|deliver.FlagRecord) != 0 {
		return bounce.Report
	}
	return bounce.Success
}

// traceFlush sends the trace log's notice. After the report of
// sendmail -v the trace_flags record is killed, so that later attempts
// of a deferred message are not reported again
// (qmgr_active_done_25_trace_flush).
func (m *Manager) traceFlush(msg *message, orig *bounce.Original) error {
	if err := m.flushLog(msg.traceKind(), queue.Trace, orig); err != nil {
		return err
	}
	if msg.tflags != deliver.FlagRecord {
		return nil
	}
	f, err := queue.Open(msg.path, true)
	if err == nil {
		err = f.KillAttr(queue.AttrTraceFlags)
		f.Close()
	}
	if err != nil {
		m.deps.Log.Warn("%s: remove %s record: %v", msg.id, queue.AttrTraceFlags, err)
	}
	return nil
}
