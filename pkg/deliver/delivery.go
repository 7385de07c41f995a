package deliver

import (
	"io"

	"github.com/postern/postern/pkg/queue"
)

// Delivery is one request being served by an agent: the request, the
// open queue file, the time stamps, and the outcome of each recipient.
// Recipients are named by their position in Req.Recipients.
type Delivery struct {
	Req   *Request
	File  *queue.File // opened writable
	Stats Stats       // Handoff is set; the agent sets ConnSetup, ReuseCount, Done

	env      *Env
	results  []Result
	recorded []bool
	hop      DSN
}

// Outcome is one recipient's result as an agent records it.
type Outcome struct {
	Rcpt   int // position in Req.Recipients
	Status Status
	Relay  string // relay= in the log: host[addr]:port, "none", "local", ...
	DSN    DSN
}

// Content returns a reader of the message content (header and body, LF
// line ends).
func (d *Delivery) Content() io.Reader { return d.File.Content() }

// Verify reports whether this is an address probe (sendmail -bv or a
// verify(8) probe): the agent finds out what would happen and records it,
// but does not deliver.
func (d *Delivery) Verify() bool {
	return d.Req.Flags&(FlagUserVerify|FlagMTAVerify) != 0
}

// Pending returns the positions of the recipients without an outcome.
func (d *Delivery) Pending() []int {
	var out []int
	for i, done := range d.recorded {
		if !done {
			out = append(out, i)
		}
	}
	return out
}

// Results returns the outcomes so far, one per recipient; recipients
// without an outcome show as Deferred with an empty DSN.
func (d *Delivery) Results() []Result { return append([]Result(nil), d.results...) }

// SetHopStatus records a failure of the destination as a whole, so that
// qmgr can throttle it (Postfix's request->hop_status). The first one wins.
func (d *Delivery) SetHopStatus(dsn DSN) {
	if d.hop.Status == "" {
		d.hop = dsn
	}
}

// Sent, Defer and Bounce record one recipient's outcome.
func (d *Delivery) Sent(rcpt int, relay string, dsn DSN) {
	d.Record(Outcome{Rcpt: rcpt, Status: Sent, Relay: relay, DSN: dsn})
}

func (d *Delivery) Defer(rcpt int, relay string, dsn DSN) {
	d.Record(Outcome{Rcpt: rcpt, Status: Deferred, Relay: relay, DSN: dsn})
}

func (d *Delivery) Bounce(rcpt int, relay string, dsn DSN) {
	d.Record(Outcome{Rcpt: rcpt, Status: Bounced, Relay: relay, DSN: dsn})
}

// DeferAll defers every recipient without an outcome.
func (d *Delivery) DeferAll(relay string, dsn DSN) {
	d.all(Deferred, relay, dsn)
}

// BounceAll bounces every recipient without an outcome.
func (d *Delivery) BounceAll(relay string, dsn DSN) {
	d.all(Bounced, relay, dsn)
}

func (d *Delivery) all(st Status, relay string, dsn DSN) {
	var outs []Outcome
	for _, i := range d.Pending() {
		outs = append(outs, Outcome{Rcpt: i, Status: st, Relay: relay, DSN: dsn})
	}
	d.Record(outs...)
}

// Reply returns the reply for qmgr.
func (d *Delivery) Reply() *Reply {
	r := &Reply{Results: d.Results()}
	if d.hop.Status != "" {
		r.HopStatus, r.HopReason = d.hop.Status, d.hop.Reason
	}
	return r
}
