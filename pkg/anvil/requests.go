package anvil

import "sync"

// Requester is what a server process asks anvil (anvil_clnt.h): Client
// over the socket, Direct in the same process. Every method counts for
// the ident Ident(service, addr). An error means that anvil could not
// answer; the caller then applies no limit.
type Requester interface {
	Connect(service, addr string) (count, rate int, err error)
	Disconnect(service, addr string) error
	Message(service, addr string) (rate int, err error)
	Recipient(service, addr string) (rate int, err error)
	NewTLS(service, addr string) (rate int, err error)
	NewTLSStatus(service, addr string) (rate int, err error)
	Auth(service, addr string) (rate int, err error)
}

// Connect registers a connection (anvil_clnt_connect).
func (c *Client) Connect(service, addr string) (count, rate int, err error) {
	v, err := c.request(ReqConnect, Ident(service, addr), AttrCount, AttrRate)
	if err != nil {
		return 0, 0, err
	}
	return v[0], v[1], nil
}

// Disconnect registers the end of a connection (anvil_clnt_disconnect).
func (c *Client) Disconnect(service, addr string) error {
	_, err := c.request(ReqDisconnect, Ident(service, addr))
	return err
}

func (c *Client) rate(req, service, addr string) (int, error) {
	v, err := c.request(req, Ident(service, addr), AttrRate)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// Message registers a MAIL command (anvil_clnt_mail).
func (c *Client) Message(service, addr string) (int, error) { return c.rate(ReqMessage, service, addr) }

// Recipient registers a RCPT or VRFY command (anvil_clnt_rcpt).
func (c *Client) Recipient(service, addr string) (int, error) {
	return c.rate(ReqRecipient, service, addr)
}

// NewTLS registers a new TLS session (anvil_clnt_newtls).
func (c *Client) NewTLS(service, addr string) (int, error) { return c.rate(ReqNewTLS, service, addr) }

// NewTLSStatus reads the new TLS session rate (anvil_clnt_newtls_stat).
func (c *Client) NewTLSStatus(service, addr string) (int, error) {
	return c.rate(ReqNewTLSStatus, service, addr)
}

// Auth registers an AUTH command (anvil_clnt_auth).
func (c *Client) Auth(service, addr string) (int, error) { return c.rate(ReqAuth, service, addr) }

// Lookup reads everything anvil knows about a client (anvil_clnt_lookup).
func (c *Client) Lookup(service, addr string) (Counts, error) {
	v, err := c.request(ReqLookup, Ident(service, addr), AttrCount, AttrRate, AttrMail, AttrRcpt, AttrNewTLS, AttrAuth)
	if err != nil {
		return Counts{}, err
	}
	return Counts{Count: v[0], Rate: v[1], Mail: v[2], Rcpt: v[3], NewTLS: v[4], Auth: v[5]}, nil
}

// Direct asks a Table in the same process, through its own Local, with
// the same results as a Client talking to an anvil server on that table.
type Direct struct{ L *Local }

func (d Direct) Connect(service, addr string) (int, int, error) {
	count, rate := d.L.Connect(Ident(service, addr))
	return count, rate, nil
}

func (d Direct) Disconnect(service, addr string) error {
	d.L.Disconnect(Ident(service, addr))
	return nil
}

func (d Direct) Message(service, addr string) (int, error) {
	return d.L.Message(Ident(service, addr)), nil
}

func (d Direct) Recipient(service, addr string) (int, error) {
	return d.L.Recipient(Ident(service, addr)), nil
}

func (d Direct) NewTLS(service, addr string) (int, error) {
	return d.L.NewTLS(Ident(service, addr)), nil
}

func (d Direct) NewTLSStatus(service, addr string) (int, error) {
	return d.L.NewTLSStatus(Ident(service, addr)), nil
}

func (d Direct) Auth(service, addr string) (int, error) { return d.L.Auth(Ident(service, addr)), nil }

// Pool hands out Requesters, one per SMTP session at a time, and keeps
// the ones given back for later sessions. anvil counts one remote client
// per connection, so a process serving several sessions at once needs
// one connection each; a process serving one session at a time (smtpd
// under the master) keeps one connection for its whole life, as Postfix.
type Pool struct {
	New  func() Requester
	mu   sync.Mutex
	free []Requester
}

// NewPool returns a pool of clients of e.
func NewPool(e *Endpoint) *Pool {
	return &Pool{New: func() Requester { return e.NewClient() }}
}

// NewDirectPool returns a pool of Direct requesters on t.
func NewDirectPool(t *Table) *Pool {
	return &Pool{New: func() Requester { return Direct{L: t.Open()} }}
}

// Get returns a free Requester or a new one.
func (p *Pool) Get() Requester {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		r := p.free[n-1]
		p.free = p.free[:n-1]
		return r
	}
	return p.New()
}

// Put gives r back for another session.
func (p *Pool) Put(r Requester) {
	p.mu.Lock()
	p.free = append(p.free, r)
	p.mu.Unlock()
}
