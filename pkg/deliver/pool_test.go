package deliver

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/attr"
)

// serveKeep runs Serve for every connection on private/test and counts
// the connections; the client keeps connections.
func serveKeep(t *testing.T, env *Env, agent Agent) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	ln, err := net.Listen("unix", filepath.Join(env.Layout.Dir, "private", "test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer c.Close()
				if err := Serve(context.Background(), c, env, agent); err != nil {
					t.Errorf("Serve: %v", err)
				}
			}()
		}
	}()
	return &Client{QueueDir: env.Layout.Dir, IPCTimeout: 5 * time.Second, Keep: true}, &n
}

// oneRcpt is req for recipient i only.
func oneRcpt(req *Request, i int) *Request {
	r := *req
	r.Recipients = []Recipient{req.Recipients[i]}
	return &r
}

var sendAll = AgentFunc(func(ctx context.Context, d *Delivery) error {
	for _, i := range d.Pending() {
		d.Record(Outcome{Rcpt: i, Status: Sent, Relay: "none", DSN: Simple("2.0.0", "ok")})
	}
	return nil
})

func deliverAll(t *testing.T, c *Client, req *Request, pause time.Duration) {
	t.Helper()
	for i := range req.Recipients {
		time.Sleep(pause)
		reply, err := c.Deliver(context.Background(), oneRcpt(req, i))
		if err != nil || reply.Results[0].Status != Sent {
			t.Fatalf("delivery %d: %+v %v", i, reply, err)
		}
	}
}

// TestKeptConnection: an agent with KeepIdle takes the next requests on
// the same connection.
func TestKeptConnection(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
	env := testEnv(l, &logSink{})
	env.KeepIdle = time.Minute
	c, conns := serveKeep(t, env, sendAll)
	deliverAll(t, c, req, 0)
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestKeptConnectionEnds: an agent that will not keep (KeepWhile says
// no: it is on its way out), or that closed an idle connection, gets a
// new connection for the next request, and no request fails.
func TestKeptConnectionEnds(t *testing.T) {
	for _, c := range []struct {
		name  string
		idle  time.Duration
		while func() bool
		pause time.Duration
	}{
		{"draining", time.Minute, func() bool { return false }, 0},
		{"idle timeout", 20 * time.Millisecond, nil, 100 * time.Millisecond},
	} {
		l, req := testQueue(t, "a@example.com", "b@example.com", "c@example.com")
		env := testEnv(l, &logSink{})
		env.KeepIdle, env.KeepWhile = c.idle, c.while
		cl, conns := serveKeep(t, env, sendAll)
		deliverAll(t, cl, req, c.pause)
		if n := conns.Load(); n != 3 {
			t.Errorf("%s: %d connections, want 3", c.name, n)
		}
	}
}

// TestKeptConnectionClosedUnread: an agent that closes a kept connection
// with the next request unread (it reached its end just then) makes the
// client send the request again over a new connection; the first
// connection's agent never saw it.
func TestKeptConnectionClosedUnread(t *testing.T) {
	l, req := testQueue(t, "a@example.com", "b@example.com")
	env := testEnv(l, &logSink{})
	env.KeepIdle = time.Minute
	ln, err := net.Listen("unix", filepath.Join(l.Dir, "private", "test"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if conns.Add(1) > 1 {
				go Serve(context.Background(), c, env, sendAll)
				continue
			}
			// The first connection: one request, a reply that offers
			// to keep the connection, then a close once the next
			// request is there, without reading it.
			ac := attr.NewConn(c, attr.Null, 5*time.Second)
			ac.Announce(Protocol)
			l, _ := ac.Recv()
			r, _ := decodeRequest(l)
			reply := Handle(context.Background(), r, env, sendAll)
			reply.Keep = true
			ac.Send(encodeReply(reply))
			waitReadable(c)
			c.Close()
		}
	}()
	c := &Client{QueueDir: l.Dir, IPCTimeout: 5 * time.Second, Keep: true}
	deliverAll(t, c, req, 0)
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func waitReadable(c net.Conn) {
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 1)
	rc.Read(func(fd uintptr) bool {
		_, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return !errors.Is(err, unix.EAGAIN)
	})
}

// TestPoolGivesBack: while a new connection to a transport waits for an
// agent, a finished connection is not kept: it holds an agent session
// the waiting one needs.
func TestPoolGivesBack(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var p pool
	p.dialing("smtp", 1)
	if p.put("smtp", a) {
		t.Error("kept a connection while another waits for an agent")
	}
	if !p.put("relay", a) {
		t.Error("did not keep a connection to another transport")
	}
	p.dialing("smtp", -1)
	if !p.put("smtp", b) {
		t.Error("did not keep a connection once nobody waits")
	}
}
