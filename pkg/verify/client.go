package verify

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// Client asks the verify service. It keeps one connection, as Postfix's
// clnt_stream does, and is safe for concurrent use (requests are
// serialized).
type Client struct {
	Path    string        // $queue_directory/private/$address_verify_service_name
	Timeout time.Duration // connect and each request ($ipc_timeout)
	// Sleep is time.Sleep; tests replace it.
	Sleep func(time.Duration)

	mu   sync.Mutex
	conn *attr.Conn
}

// NewClient reads address_verify_service_name and ipc_timeout; queueDir
// is the queue directory as the process sees it ("/" in the jail).
func NewClient(cfg *config.Config, queueDir string) (*Client, error) {
	timeout, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return nil, err
	}
	return &Client{Path: filepath.Join(queueDir, "private", cfg.Get("address_verify_service_name")),
		Timeout: timeout}, nil
}

// Result is the answer to a query.
type Result struct {
	Status int    // RcptOK, RcptDefer, RcptBounce or RcptTodo
	Reason string // what the delivery agent said, or InProgress
}

// Query asks for an address's status (verify_clnt_query). An error means
// the service could not be reached or answered StatBad/StatFail.
func (c *Client) Query(addr string) (Result, error) {
	reply, err := c.call(attr.List{{Name: AttrRequest, Value: ReqQuery}, {Name: AttrAddress, Value: addr}})
	if err != nil {
		return Result{}, err
	}
	v, _ := reply.Get(AttrRcptStatus)
	st, err := parseInt(v)
	if err != nil {
		return Result{}, fmt.Errorf("verify service: malformed %s: %.100s", AttrRcptStatus, v)
	}
	why, _ := reply.Get(AttrReason)
	return Result{Status: st, Reason: why}, nil
}

// QueryPoll is smtpd's loop around Query (smtpd_check.c check_verify):
// while a probe is under way, ask again up to count times in all,
// delay apart ($address_verify_poll_count, $address_verify_poll_delay).
func (c *Client) QueryPoll(addr string, count int, delay time.Duration) (Result, error) {
	for n := 1; ; n++ {
		res, err := c.Query(addr)
		if err != nil || res.Status != RcptTodo || n >= count {
			return res, err
		}
		c.sleep(delay)
	}
}

// Update stores the outcome of a probe (verify_clnt_update), as a
// delivery agent does for a request with DEL_REQ_FLAG_MTA_VRFY.
func (c *Client) Update(addr string, status int, reason string) error {
	_, err := c.call(attr.List{{Name: AttrRequest, Value: ReqUpdate}, {Name: AttrAddress, Value: addr},
		{Name: AttrRcptStatus, Value: formatInt(status)}, {Name: AttrReason, Value: reason}})
	return err
}

// Close drops the connection.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
}

// call sends a request and checks the status of the reply; a broken
// connection is reopened and the request tried once more.
func (c *Client) call(req attr.List) (attr.List, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var reply attr.List
	var err error
	for try := 0; try < 2; try++ {
		if reply, err = c.try(req); err == nil {
			break
		}
		c.drop()
		if try == 0 {
			c.sleep(time.Second) // verify_clnt.c sleeps before it recovers
		}
	}
	if err != nil {
		return nil, fmt.Errorf("problem talking to service %s: %w", filepath.Base(c.Path), err)
	}
	v, _ := reply.Get(AttrStatus)
	st, perr := parseInt(v)
	switch {
	case perr != nil:
		return nil, fmt.Errorf("verify service: malformed %s: %.100s", AttrStatus, v)
	case st == StatBad:
		return nil, fmt.Errorf("verify service: bad request format")
	case st != StatOK:
		return nil, fmt.Errorf("verify service: request failed")
	}
	return reply, nil
}

func (c *Client) try(req attr.List) (attr.List, error) {
	if c.conn == nil {
		conn, err := attr.Dial("unix", c.Path, attr.Null, c.Timeout)
		if err != nil {
			return nil, err
		}
		if err := conn.ExpectProtocol(Protocol); err != nil {
			conn.Close()
			return nil, err
		}
		c.conn = conn
	}
	return c.conn.Call(req)
}

func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *Client) sleep(d time.Duration) {
	if c.Sleep != nil {
		c.Sleep(d)
		return
	}
	time.Sleep(d)
}
