package qmgr

import (
	"context"
	"time"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Resolver resolves recipients in-process (trivial-rewrite's resolve
// service); *resolve.Resolver is one.
type Resolver interface {
	Resolve(sender, recipient string) resolve.Result
}

// Notifier sends delivery status notifications (the bounce, defer and
// trace services): Failure for bounce logs and for expired mail, Delay
// for delay warnings, Success for NOTIFY=SUCCESS, Report for sendmail
// -v. A nil error means the
// notice was queued (or was not needed); the caller then removes the log.
type Notifier interface {
	Notify(kind bounce.Kind, orig *bounce.Original, recs []queue.LogRecord) error
}

// Logger receives the queue manager's log records.
type Logger interface {
	Info(format string, args ...any)
	Warn(format string, args ...any)
}

// Deps are the queue manager's collaborators.
type Deps struct {
	Layout   *queue.Layout
	Limits   func(transport string) Limits
	Resolver Resolver
	Agent    Agent
	Notifier Notifier
	Log      Logger
	Now      func() time.Time // nil: time.Now
	Workers  int              // file-updating workers; 0: 4
}

// Manager is the queue manager: it moves mail from the incoming and
// deferred queues into the active queue, resolves and schedules the
// recipients, hands deliveries to agents and disposes of each message
// when all its recipients have been tried. All in-core state belongs to
// the goroutine running Run; delivery attempts and file updates run in
// goroutines that report back through the events channel.
type Manager struct {
	set   Settings
	deps  Deps
	now   func() time.Time
	sched *Scheduler

	messages int          // in the active queue, in core
	rcpts    int          // in-core recipients
	denv     *deliver.Env // bookkeeping for qmgr's own decisions
	scans    [2]*scanner
	nextScan int
	deferRun time.Time // next periodic deferred queue scan

	triggers chan []byte
	events   chan func()
	jobs     chan func()
	pending  int // delivery goroutines and jobs not yet reported
	stopping bool
}

// New returns a Manager. Run starts it.
func New(set Settings, deps Deps) *Manager {
	set.adjust(nil)
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Workers <= 0 {
		deps.Workers = 4
	}
	m := &Manager{
		set:      set,
		deps:     deps,
		now:      deps.Now,
		triggers: make(chan []byte, 64),
		events:   make(chan func(), 1024),
		jobs:     make(chan func(), 4*set.ActiveLimit+64),
	}
	m.sched = NewScheduler(deps.Limits, set.MinBackoff, set.TransportRetry)
	m.denv = &deliver.Env{Layout: deps.Layout, DelayRes: set.DelayResolution, SoftBounce: set.SoftBounce,
		Info: deps.Log.Info, Warn: deps.Log.Warn, Now: deps.Now}
	m.scans[scanIncoming] = newScanner(queue.Incoming)
	m.scans[scanDeferred] = newScanner(queue.Deferred)
	return m
}

// Trigger passes trigger bytes (W, I, D, A, F) to the running manager
// (qmgr_trigger_event). It never blocks; excess triggers collapse.
func (m *Manager) Trigger(b []byte) {
	select {
	case m.triggers <- append([]byte(nil), b...):
	default:
	}
}

// Scheduler exposes the in-core scheduler (tests, benchmarks).
func (m *Manager) Scheduler() *Scheduler { return m.sched }

// Start recovers from a previous run: every file left in the active
// queue goes back to incoming (qmgr_move), then the incoming scan and
// the periodic deferred scan begin (qmgr_post_init).
func (m *Manager) Start() error {
	if err := m.recoverActive(); err != nil {
		return err
	}
	m.scans[scanIncoming].request(scanStart)
	m.scans[scanDeferred].request(scanStart)
	m.deferRun = m.now().Add(m.set.QueueRunDelay)
	return nil
}

// Run starts the workers and runs the event loop until ctx is done, then
// waits for deliveries in progress to report.
func (m *Manager) Run(ctx context.Context) error {
	stop := make(chan struct{})
	defer close(stop)
	for i := 0; i < m.deps.Workers; i++ {
		go m.worker(stop)
	}
	for {
		m.step()
		if !m.wait(ctx) {
			break
		}
	}
	m.stopping = true
	for m.pending > 0 {
		(<-m.events)()
	}
	return ctx.Err()
}

// step does everything that can be done without waiting: timers,
// deliveries, and feeding the active queue.
func (m *Manager) step() {
	now := m.now()
	m.sched.Advance(now)
	if !now.Before(m.deferRun) {
		m.scans[scanDeferred].request(scanStart)
		m.deferRun = now.Add(m.set.QueueRunDelay)
	}
	m.drain(now)
	for i := 0; i < feedBatch && m.feedOne(); i++ {
		// Finished deliveries free slots for the next ones: handle them
		// between reading messages, so that a long incoming queue does
		// not hold up delivery.
		m.readyEvents()
		m.drain(m.now())
	}
}

// readyEvents handles the events that are waiting, without blocking.
func (m *Manager) readyEvents() {
	for {
		select {
		case ev := <-m.events:
			ev()
		default:
			return
		}
	}
}

// feedBatch is how many messages one step may bring into the active
// queue before looking at events again.
const feedBatch = 64

// wait blocks until something happens; false means ctx is done.
func (m *Manager) wait(ctx context.Context) bool {
	var timeout <-chan time.Time
	if m.moreToFeed() {
		timeout = closedTime
	} else {
		d := m.deferRun.Sub(m.now())
		if w, ok := m.sched.NextWake(); ok && w.Sub(m.now()) < d {
			d = w.Sub(m.now())
		}
		t := time.NewTimer(max(d, time.Millisecond))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case b := <-m.triggers:
		m.trigger(b)
	case ev := <-m.events:
		ev()
	case <-timeout:
	}
	m.readyEvents()
	return true
}

var closedTime = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// worker runs file-updating jobs off the event loop.
func (m *Manager) worker(stop <-chan struct{}) {
	for {
		select {
		case job := <-m.jobs:
			job()
		case <-stop:
			return
		}
	}
}

// async runs work on a worker, then done in the event loop.
func (m *Manager) async(work func(), done func()) {
	m.pending++
	job := func() {
		work()
		m.events <- func() { m.pending--; done() }
	}
	select {
	case m.jobs <- job:
	default:
		work()
		m.pending--
		done()
	}
}
