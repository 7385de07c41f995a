package postsuper

import (
	"github.com/postern/postern/pkg/getopt"
	"github.com/postern/postern/pkg/maillog"
)

// Actions (postsuper.c ACTION_*).
const (
	actStruct = 1 << iota
	actPurge
	actDeleteOne
	actDeleteAll
	actRequeueOne
	actRequeueAll
	actHoldOne
	actHoldAll
	actReleaseOne
	actReleaseAll
	actStructRed
	actExpireOne
	actExpireAll
	actExpRelOne
	actExpRelAll

	actDefault = actStruct | actPurge
	actByID    = actDeleteOne | actRequeueOne | actHoldOne | actReleaseOne | actExpireOne | actExpRelOne
	actRepair  = actPurge | actStruct | actStructRed
)

// actionOf maps an option to its action; ALL selects the mass form.
func actionOf(o getopt.Opt) int {
	all := o.Arg == "ALL"
	pick := func(one, many int) int {
		if all {
			return many
		}
		return one
	}
	switch o.C {
	case 'd':
		return pick(actDeleteOne, actDeleteAll)
	case 'e':
		return pick(actExpireOne, actExpireAll)
	case 'f':
		return pick(actExpRelOne, actExpRelAll)
	case 'h':
		return pick(actHoldOne, actHoldAll)
	case 'H':
		return pick(actReleaseOne, actReleaseAll)
	case 'r':
		return pick(actRequeueOne, actRequeueAll)
	case 'p':
		return actPurge
	case 's':
		return actStruct
	case 'S':
		return actStruct | actStructRed
	}
	return 0
}

// execute runs the repair pass, then each operation in command-line
// order, then reports.
func (p *prog) execute(opts []getopt.Opt, queues []string) error {
	for _, o := range opts {
		p.actions |= actionOf(o)
	}
	if p.actions == 0 {
		p.actions = actDefault
	}
	if len(queues) == 0 {
		queues = defaultQueues
	}
	for _, q := range queues {
		if _, ok := queueInfos[q]; !ok {
			return fatalf("invalid directory name: %s", q)
		}
	}
	if p.actions&actRepair != 0 {
		if err := p.super(queues, p.actions&actRepair); err != nil {
			return p.incomplete(err)
		}
		// Names that had to change were left as NEWID#FIX: finish them.
		if p.counts.inodeMismatch > 0 {
			if err := p.super(queues, p.actions&actRepair); err != nil {
				return p.incomplete(err)
			}
		}
	}
	if p.actions&actByID != 0 && (p.counts.inodeMismatch > 0 || p.counts.inodeFixed > 0) {
		p.say(maillog.LevelError, "QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS")
		return fatalf("CHECK YOUR QUEUE IDS AND RE-ISSUE THE COMMAND")
	}
	for _, o := range opts {
		if err := p.operate(o, queues); err != nil {
			return err
		}
	}
	p.report()
	return nil
}

// incomplete adds Postfix's warning to a fatal error during repair.
func (p *prog) incomplete(err error) error {
	if p.counts.inodeMismatch > 0 || p.counts.inodeFixed > 0 || p.counts.positionMismatch > 0 {
		p.warn("OPERATION INCOMPLETE -- RERUN COMMAND TO FIX THE QUEUE FIRST")
	}
	return err
}

// operate runs one option: ALL, "-" (IDs on stdin) or one ID.
func (p *prog) operate(o getopt.Opt, queues []string) error {
	ops := map[byte]struct {
		one  byID
		mass int
	}{
		'd': {p.deleteOne, actDeleteAll}, 'e': {p.expireOne, actExpireAll},
		'f': {p.expRelOne, actExpRelAll}, 'h': {p.holdOne, actHoldAll},
		'H': {p.releaseOne, actReleaseAll}, 'r': {p.requeueOne, actRequeueAll},
	}
	op, ok := ops[o.C]
	if !ok {
		return nil // c, p, s, S, v: done already
	}
	switch o.Arg {
	case "ALL":
		return p.super(queues, op.mass)
	case "-":
		return p.stream(op.one, queues)
	}
	return op.one(queues, o.Arg)
}

// report writes the summaries of the operations asked for.
func (p *prog) report() {
	c, a := p.counts, p.actions
	line := func(mask int, what string, n int) {
		if a&mask != 0 {
			p.info("%s: %d message%s", what, n, plural(n))
		}
	}
	line(actRequeueOne|actRequeueAll, "Requeued", c.requeued)
	line(actDeleteOne|actDeleteAll, "Deleted", c.deleted)
	line(actExpireOne|actExpireAll|actExpRelOne|actExpRelAll, "Force-expired", c.expired)
	line(actHoldOne|actHoldAll, "Placed on hold", c.held)
	line(actReleaseOne|actReleaseAll|actExpRelOne|actExpRelAll, "Released from hold", c.released)
	if c.inodeFixed > 0 {
		p.info("Renamed to match inode number: %d message%s", c.inodeFixed, plural(c.inodeFixed))
	}
	if c.inodeMismatch > 0 || c.inodeFixed > 0 {
		p.warn("QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS")
	}
}

func plural(n int) string {
	if n != 1 {
		return "s"
	}
	return ""
}
