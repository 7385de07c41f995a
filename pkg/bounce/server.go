package bounce

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
)

// The bounce daemon's protocol (cmd/bounce on the stock master.cf
// services bounce, defer and trace). Postern's queue manager and delivery
// agents do this work in-process; the daemon serves the same requests
// for other clients. Attribute lists, null encoding:
//
//	bounce → client   protocol=bounce_protocol
//	client → bounce   nrequest=N, queue_name, queue_id, then for
//	                  N=0 (append): recipient, original_recipient, offset,
//	                    dsn_orig_rcpt, notify_flags, status, action, reason,
//	                    diag_type, diag_text, mta_type, mta_mname
//	                  N=1 (flush): nothing more
//	                  N=2 (warn): nothing more
//	                  N=5 (trace flush): flags (512 or 1024 for the
//	                    report of sendmail -bv or -v)
//	bounce → client   status=0 (done) or status=-1 (try again later)
//
// The service name picks the log: "bounce" appends to and flushes
// bounce/ID (non-delivery notice), "defer" defer/ID (flush returns
// expired mail with the failure template; warn sends a delay warning),
// "trace" trace/ID (success notice, or delivery report). The sender and the message come
// from the queue file itself.

// Request numbers (global/bounce.h BOUNCE_CMD_*).
const (
	CmdAppend = 0
	CmdFlush  = 1
	CmdWarn   = 2
	CmdTrace  = 5
)

// traceReportFlags are the request flags of a trace flush that ask for
// the verify template (DEL_REQ_FLAG_USR_VRFY | DEL_REQ_FLAG_RECORD).
const traceReportFlags = 1<<9 | 1<<10

// ProtocolName is announced by the daemon.
const ProtocolName = "bounce_protocol"

// Serve answers one request on c for the named service (bounce, defer
// or trace).
func (s *Service) Serve(c *attr.Conn, service string, l *queue.Layout) error {
	if err := c.Announce(ProtocolName); err != nil {
		return err
	}
	req, err := c.Recv()
	if err != nil {
		return err
	}
	status := "0"
	if err := s.handle(req, service, l); err != nil {
		s.log.Warn("%v", err)
		status = "-1"
	}
	return c.Send(attr.List{{Name: "status", Value: status}})
}

func (s *Service) handle(req attr.List, service string, l *queue.Layout) error {
	n, err := req.Number("nrequest")
	if err != nil {
		return err
	}
	qname, _ := req.Get("queue_name")
	id, err := req.Need("queue_id")
	if err != nil || !queue.ValidID(id) {
		return fmt.Errorf("bad queue id in request: %q", id)
	}
	logQueue, err := logFor(service)
	if err != nil {
		return err
	}
	switch n {
	case CmdAppend:
		return l.AppendLog(logQueue, id, recordOf(req))
	case CmdFlush, CmdWarn, CmdTrace:
		kind := map[int64]Kind{CmdFlush: Failure, CmdWarn: Delay, CmdTrace: Success}[n]
		if flags, _ := req.Number("flags"); n == CmdTrace && flags&traceReportFlags != 0 {
			kind = Report
		}
		return s.flush(kind, logQueue, qname, id, l, n != CmdWarn)
	}
	return fmt.Errorf("unknown request: %d", n)
}

func logFor(service string) (string, error) {
	switch service {
	case "bounce":
		return queue.Bounce, nil
	case "defer":
		return queue.Defer, nil
	case "trace":
		return queue.Trace, nil
	}
	return "", fmt.Errorf("unsupported service name: %s (want bounce, defer or trace)", service)
}

// flush sends the notice for a log and, unless it is a warning, removes
// the log.
func (s *Service) flush(kind Kind, logQueue, qname, id string, l *queue.Layout, remove bool) error {
	if qname == "" {
		qname = queue.Active
	}
	path := l.Path(qname, id)
	env, err := queue.ReadEnvelope(path)
	if err != nil {
		return fmt.Errorf("%s: %v", id, err)
	}
	recs, err := l.ReadLog(logQueue, id)
	if err != nil || len(recs) == 0 {
		return err
	}
	if err := s.Notify(kind, &Original{QueueName: qname, Path: path, Envelope: env}, recs); err != nil {
		return err
	}
	if remove {
		if err := os.Remove(l.Path(logQueue, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func recordOf(req attr.List) queue.LogRecord {
	get := func(n string) string { v, _ := req.Get(n); return v }
	r := queue.LogRecord{
		Recipient: get("recipient"), OrigRcpt: get("original_recipient"), DSNOrcpt: get("dsn_orig_rcpt"),
		Status: get("status"), Action: get("action"), Reason: get("reason"),
		DiagType: get("diag_type"), DiagText: get("diag_text"), MTAType: get("mta_type"), MTAName: get("mta_mname"),
	}
	r.Offset, _ = strconv.ParseInt(get("offset"), 10, 64)
	r.Notify, _ = strconv.Atoi(get("notify_flags"))
	return r
}
