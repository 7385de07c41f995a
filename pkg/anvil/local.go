package anvil

// Local is one client of anvil (an smtpd process, over one connection):
// ANVIL_LOCAL. It remembers the ident of its last connect, so that when
// the client goes away without its disconnect (the smtpd process died),
// Close drops that connection from the count.
//
// As in Postfix, a Local holds one remote client at a time: a connect
// for another ident, or the same one again, first drops the connection
// counted by the previous connect (anvil.c's ANVIL_LOCAL_ADD_ONE, "XXX
// allow multiple remote clients per local server"). A process that
// serves several SMTP sessions at once therefore uses one Local (one
// connection) per session; see Pool.
type Local struct {
	t      *Table
	remote *remote // the connection this local server counts, or nil
}

// Open starts a local client.
func (t *Table) Open() *Local { return &Local{t: t} }

// Connect counts a connection from ident and returns the connection
// count and the connection rate, this connection included
// (anvil_remote_connect).
func (l *Local) Connect(ident string) (count, rate int) {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	r := l.connUpdate(ident, now)
	t.max.update(&t.max.connRate, int(r.rate), r.ident, now)
	t.max.update(&t.max.connCount, r.count, r.ident, now)
	return r.count, int(r.rate)
}

// connUpdate creates or updates the entry and links it to this local
// (anvil_remote_conn_update).
func (l *Local) connUpdate(ident string, now int64) *remote {
	t := l.t
	r := t.remotes[ident]
	if r == nil {
		r = t.firstConn(ident, now)
	} else {
		t.nextConn(r, now)
	}
	if l.remote != nil {
		t.dropOne(l.remote, now)
	}
	l.remote = r
	return r
}

// Disconnect forgets the connection from ident, if this local counted
// it (anvil_remote_disconnect).
func (l *Local) Disconnect(ident string) {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	if r := t.remotes[ident]; r != nil && l.remote == r {
		t.dropOne(r, now)
		l.remote = nil
	}
}

// Close drops the connection this local still counts: the client went
// away (anvil_service_done). The entry itself stays until it expires.
func (l *Local) Close() {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	if r := l.remote; r != nil {
		t.dropOne(r, now)
		l.remote = nil
	}
}

// event counts one event of a kind and returns its rate. An ident
// without an entry gets one, counted as a connection of this local, to
// be prepared for a "postfix reload" between connect and the event.
func (l *Local) event(ident string, field func(*remote) *int32, pk func(*peaks) *peak) int {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	r := t.remotes[ident]
	if r == nil {
		r = l.connUpdate(ident, now)
	}
	p := field(r)
	t.incr(r, p, now)
	t.max.update(pk(&t.max), int(*p), r.ident, now)
	return int(*p)
}

// Message counts a message delivery request (anvil_remote_mail).
func (l *Local) Message(ident string) int {
	return l.event(ident, func(r *remote) *int32 { return &r.mail }, func(p *peaks) *peak { return &p.mail })
}

// Recipient counts a recipient address (anvil_remote_rcpt).
func (l *Local) Recipient(ident string) int {
	return l.event(ident, func(r *remote) *int32 { return &r.rcpt }, func(p *peaks) *peak { return &p.rcpt })
}

// NewTLS counts a new (not resumed) TLS session (anvil_remote_newtls).
func (l *Local) NewTLS(ident string) int {
	return l.event(ident, func(r *remote) *int32 { return &r.ntls }, func(p *peaks) *peak { return &p.ntls })
}

// Auth counts an AUTH command (anvil_remote_auth).
func (l *Local) Auth(ident string) int {
	return l.event(ident, func(r *remote) *int32 { return &r.auth }, func(p *peaks) *peak { return &p.auth })
}

// NewTLSStatus returns the new TLS session rate without counting
// (anvil_remote_newtls_stat).
func (l *Local) NewTLSStatus(ident string) int {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	r := t.remotes[ident]
	if r == nil {
		return 0
	}
	t.unstale(r, now)
	return int(r.ntls)
}

// Lookup returns everything known about ident, zeros when nothing is
// (anvil_remote_lookup).
func (l *Local) Lookup(ident string) Counts {
	t := l.t
	now := t.lock()
	defer t.mu.Unlock()
	r := t.remotes[ident]
	if r == nil {
		return Counts{}
	}
	t.unstale(r, now)
	return Counts{Count: r.count, Rate: int(r.rate), Mail: int(r.mail), Rcpt: int(r.rcpt),
		NewTLS: int(r.ntls), Auth: int(r.auth)}
}
