package qmgr

import (
	"slices"
	"strings"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/resolve"
)

// routed is one resolved recipient: bound to a destination queue, or
// with a decision qmgr takes itself.
type routed struct {
	r rcptRef
	q *destQueue
	d *decision
}

// schedule resolves the message's unfinished recipients, sorts them as
// Postfix does and puts them in delivery entries (qmgr_message_resolve,
// qmgr_message_sort, qmgr_message_assign). Decisions qmgr makes itself
// are recorded by a worker.
func (m *Manager) schedule(msg *message) {
	now := m.now()
	var pending []rcptRef
	for i := range msg.env.Recipients {
		if !msg.rcpt(rcptRef(i)).Done {
			pending = append(pending, rcptRef(i))
		}
	}
	var rs []routed
	for _, r := range m.redirect(msg, pending) {
		q, d := m.route(msg, r)
		rs = append(rs, routed{r: r, q: q, d: d})
	}
	if len(rs) > 1 {
		slices.SortStableFunc(rs, func(a, b routed) int { return compareRouted(msg, a, b) })
	}
	var own []decision
	var entries []*Entry
	current := map[*destQueue]*Entry{}
	for _, x := range rs {
		if x.d != nil {
			own = append(own, *x.d)
			continue
		}
		e := current[x.q]
		if e == nil || e.full() {
			e = &Entry{msg: msg, queue: x.q}
			current[x.q] = e
			msg.refs++
			entries = append(entries, e)
		}
		e.Rcpts = append(e.Rcpts, x.r)
		msg.nrcpt++
	}
	m.rcpts += msg.nrcpt
	for _, e := range entries {
		m.sched.add(e, now)
	}
	if len(own) > 0 {
		m.recordOwn(msg, own)
	}
	if msg.refs == 0 {
		m.messageDone(msg)
	}
}

// compareRouted is qmgr_message_sort_compare: by transport, queue name,
// recipient domain (case-insensitive), then address. A decision counts
// as the queue Postfix would have used: the retry transport for a
// deferral, the error transport for a bounce, none (last) for a drop.
func compareRouted(msg *message, a, b routed) int {
	ta, qa, oka := routeKey(a)
	tb, qb, okb := routeKey(b)
	switch {
	case oka && !okb:
		return -1
	case !oka && okb:
		return 1
	case oka && okb:
		if c := strings.Compare(ta, tb); c != 0 {
			return c
		}
		if c := strings.Compare(qa, qb); c != 0 {
			return c
		}
	}
	return compareAddr(msg.address(a.r), msg.address(b.r))
}

// compareAddr orders addresses by domain (case-insensitive; none last),
// then address.
func compareAddr(aa, ab string) int {
	ia, ib := strings.LastIndexByte(aa, '@'), strings.LastIndexByte(ab, '@')
	switch {
	case ia < 0 && ib >= 0:
		return 1
	case ia >= 0 && ib < 0:
		return -1
	case ia >= 0 && ib >= 0:
		if c := strings.Compare(strings.ToLower(aa[ia:]), strings.ToLower(ab[ib:])); c != 0 {
			return c
		}
	}
	return strings.Compare(aa, ab)
}

func routeKey(x routed) (transport, queue string, ok bool) {
	if x.q != nil {
		return x.q.t.name, x.q.name, true
	}
	switch x.d.action {
	case deliver.Deferred:
		return "retry", x.d.dsn.Status + " " + x.d.dsn.Reason, true
	case deliver.Bounced:
		return "error", x.d.dsn.Status + " " + x.d.dsn.Reason, true
	}
	return "", "", false
}

// full reports whether the entry reached its transport's recipient limit.
func (e *Entry) full() bool {
	lim := e.queue.t.lim.RecipientLimit
	return lim > 0 && len(e.Rcpts) >= lim
}

// route resolves one recipient to a live destination queue, or returns
// the decision to take instead.
func (m *Manager) route(msg *message, r rcptRef) (*destQueue, *decision) {
	address := msg.address(r) // the file's, or the redirect address
	own := func(a deliver.Status, status, reason string) (*destQueue, *decision) {
		return nil, &decision{rcpt: r, action: a, dsn: DSN{Status: status, Reason: reason}}
	}
	if address == "" {
		return own(deliver.Bounced, "5.1.3", "null recipient address")
	}
	// A content filter overrides the resolver (filter.go).
	// qmgr_resolve_one: a failed lookup goes to the retry service, a
	// malformed address to the error service.
	rt, filtered := m.filterRoute(msg, address)
	if !filtered {
		rt = m.resolveFor(msg, address)
	}
	switch {
	case rt.Flags&resolve.FlagFail != 0:
		return own(deliver.Deferred, "4.3.0", "address resolver failure")
	case rt.Flags&resolve.FlagError != 0:
		return own(deliver.Bounced, "5.1.3", "bad address syntax")
	}
	if msg.forceExpire {
		return own(deliver.Deferred, "4.7.0", "message is administratively expired")
	}
	if rt.Recipient != "" {
		msg.setAddress(r, rt.Recipient)
	}
	if rt.Flags&resolve.ClassLocal != 0 && m.isDoubleBounce(rt.Recipient) {
		return own(deliver.Sent, "2.0.0", "undeliverable postmaster notification discarded")
	}
	if !msg.ignoreDefer && slices.Contains(m.set.DeferTransports, rt.Transport) {
		return own(deliver.Deferred, "4.3.2", "deferred transport")
	}
	name := m.queueName(rt)
	if msg.flushEach {
		m.sched.Revive(rt.Transport, name, m.now())
	}
	q, dead := m.sched.Lookup(rt.Transport, name, rt.Nexthop)
	if dead != nil {
		return own(deliver.Deferred, dead.Status, dead.Reason)
	}
	return q, nil
}

// queueName is the destination queue of a route: the next hop, or with a
// recipient limit of 1 the recipient's local part (without address
// extension) at the next hop, so that each recipient is its own
// destination (qmgr_message_resolve). Lower case.
func (m *Manager) queueName(rt resolve.Result) string {
	if rt.Transport == "error" || rt.Transport == "retry" || m.sched.RecipientLimit(rt.Transport) != 1 {
		return strings.ToLower(rt.Nexthop)
	}
	local := rt.Recipient
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	if d := m.set.RecipientDelimiter; d != "" {
		if i := strings.IndexAny(local, d); i > 0 {
			local = local[:i]
		}
	}
	return strings.ToLower(local + "@" + rt.Nexthop)
}

// isDoubleBounce reports whether a local address is $double_bounce_sender.
func (m *Manager) isDoubleBounce(addr string) bool {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local = addr[:at]
	}
	return strings.EqualFold(local, m.set.DoubleBounceSender)
}
