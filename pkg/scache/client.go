package scache

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/attr"
)

// Client talks to the scache service (scache_clnt.c). Not for
// concurrent use.
type Client struct {
	Path    string        // $queue_directory/private/scache
	Timeout time.Duration // $connection_cache_protocol_timeout

	uc *net.UnixConn
	r  *attr.Reader
	w  *attr.Writer
}

// Close drops the connection.
func (c *Client) Close() {
	if c.uc != nil {
		c.uc.Close()
		c.uc = nil
	}
}

func (c *Client) connect() error {
	if c.uc != nil {
		return nil
	}
	conn, err := net.DialTimeout("unix", c.Path, c.Timeout)
	if err != nil {
		return err
	}
	c.uc = conn.(*net.UnixConn)
	c.r, c.w = attr.NewReader(c.uc, attr.Null), attr.NewWriter(c.uc, attr.Null)
	l, err := c.recv()
	if err == nil {
		if v, _ := l.Get(attr.ProtoName); v != Protocol {
			err = fmt.Errorf("unexpected protocol %q", v)
		}
	}
	if err != nil {
		c.Close()
	}
	return err
}

func (c *Client) send(l attr.List) error {
	c.uc.SetDeadline(time.Now().Add(c.Timeout))
	return c.w.Write(l)
}

func (c *Client) recv() (attr.List, error) {
	c.uc.SetDeadline(time.Now().Add(c.Timeout))
	return c.r.Read()
}

func replyStatus(l attr.List) (int, error) {
	v, err := l.Need(AttrStatus)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// SaveEndp hands connection fd to the cache for endpoint label; fd is
// closed in this process either way (scache_clnt_save_endp).
func (c *Client) SaveEndp(ttl int, label, prop string, fd int) error {
	defer unix.Close(fd)
	if err := c.connect(); err != nil {
		return err
	}
	err := c.send(attr.List{{Name: AttrRequest, Value: ReqSaveEndp}, {Name: AttrTTL, Value: strconv.Itoa(ttl)},
		{Name: AttrLabel, Value: label}, {Name: AttrProperty, Value: prop}})
	if err == nil {
		_, err = c.recv() // dummy
	}
	if err == nil {
		err = sendFD(c.uc, fd, c.Timeout)
	}
	var l attr.List
	if err == nil {
		l, err = c.recv()
	}
	if err != nil {
		c.Close()
		return err
	}
	if st, err := replyStatus(l); err != nil || st != StatOK {
		return fmt.Errorf("descriptor save failed with status %d", st)
	}
	return nil
}

// SaveDest binds destination label to endpoint endpLabel.
func (c *Client) SaveDest(ttl int, label, prop, endpLabel string) error {
	if err := c.connect(); err != nil {
		return err
	}
	l, err := c.call(attr.List{{Name: AttrRequest, Value: ReqSaveDest}, {Name: AttrTTL, Value: strconv.Itoa(ttl)},
		{Name: AttrLabel, Value: label}, {Name: AttrProperty, Value: prop}, {Name: AttrLabel, Value: endpLabel}})
	if err != nil {
		return err
	}
	if st, err := replyStatus(l); err != nil || st != StatOK {
		return fmt.Errorf("destination save failed with status %d", st)
	}
	return nil
}

func (c *Client) call(req attr.List) (attr.List, error) {
	err := c.send(req)
	var l attr.List
	if err == nil {
		l, err = c.recv()
	}
	if err != nil {
		c.Close()
	}
	return l, err
}

// ErrNotFound is returned by the find requests for a miss.
var ErrNotFound = errors.New("not found")

// FindEndp takes a cached connection to endpoint label: the descriptor
// and its property.
func (c *Client) FindEndp(label string) (int, string, error) {
	fd, props, err := c.find(attr.List{{Name: AttrRequest, Value: ReqFindEndp}, {Name: AttrLabel, Value: label}}, 1)
	if err != nil {
		return -1, "", err
	}
	return fd, props[0], nil
}

// FindDest takes a cached connection for destination label: the
// descriptor, the destination and the endpoint property.
func (c *Client) FindDest(label string) (int, string, string, error) {
	fd, props, err := c.find(attr.List{{Name: AttrRequest, Value: ReqFindDest}, {Name: AttrLabel, Value: label}}, 2)
	if err != nil {
		return -1, "", "", err
	}
	return fd, props[0], props[1], nil
}

func (c *Client) find(req attr.List, nprops int) (int, []string, error) {
	if err := c.connect(); err != nil {
		return -1, nil, err
	}
	l, err := c.call(req)
	if err != nil {
		return -1, nil, err
	}
	if st, err := replyStatus(l); err != nil || st != StatOK {
		return -1, nil, ErrNotFound
	}
	var props []string
	for _, a := range l[1:] {
		props = append(props, a.Value)
	}
	if len(props) != nprops {
		c.Close()
		return -1, nil, fmt.Errorf("malformed reply: %d properties", len(props))
	}
	if err := c.send(attr.List{{Name: AttrDummy, Value: ""}}); err != nil {
		c.Close()
		return -1, nil, err
	}
	fd, err := recvFD(c.uc, c.Timeout)
	if err != nil {
		c.Close()
		return -1, nil, err
	}
	c.send(attr.List{{Name: AttrDummy, Value: ""}})
	return fd, props, nil
}
