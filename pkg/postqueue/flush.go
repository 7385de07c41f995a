package postqueue

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/flush"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Flush service statuses (flush_clnt.h).
const (
	flushOK   = 0
	flushBad  = 3
	flushDeny = 4
)

const mailSystemDown = "Cannot flush mail queue - mail system is down"

// flushQueue is postqueue -f (mail_flush_deferred, mail_flush_maildrop):
// qmgr gets "FADI" (forget dead destinations, ignore time stamps, scan
// deferred and incoming), pickup gets "W".
func (c *cmd) flushQueue() error {
	if err := c.checkACL("authorized_flush_users", "flush the mail queue"); err != nil {
		return err
	}
	if err := c.trigger(c.cfg.Get("queue_service_name"), "FADI"); err != nil {
		return fail(mailSystemDown)
	}
	if err := c.trigger(c.cfg.Get("pickup_service_name"), "W"); err != nil {
		return fail(mailSystemDown)
	}
	return nil
}

// trigger writes a request to public/SERVICE, a UNIX socket or a FIFO
// (mail_trigger). A missing service is an error.
func (c *cmd) trigger(service, req string) error {
	path := filepath.Join(c.cfg.Get("queue_directory"), "public", service)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	timeout, err := c.cfg.Duration("trigger_timeout")
	if err != nil {
		return err
	}
	if st.Mode()&os.ModeNamedPipe != 0 {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		_, err = unix.Write(fd, []byte(req))
		return err
	}
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	_, err = conn.Write([]byte(req))
	return err
}

// flushFile is postqueue -i.
func (c *cmd) flushFile(id string) error {
	if err := c.checkACL("authorized_flush_users", "flush the mail queue"); err != nil {
		return err
	}
	if !queue.ValidID(id) {
		return fail("Cannot flush queue ID - invalid name: \"%s\"", truncate100(id))
	}
	st, err := c.flushRequest(attr.List{{Name: "request", Value: "send_file"}, {Name: "queue_id", Value: id}})
	switch {
	case err != nil:
		return fail(mailSystemDown)
	case st == flushOK:
		return nil
	case st == flushBad:
		return fail("Invalid request: \"%s\"", id)
	}
	return fail("Unexpected flush server reply status %d", st)
}

// flushSite is postqueue -s: the site must be a valid host name or
// address literal and eligible for fast flush (fast_flush_domains).
func (c *cmd) flushSite(site string) error {
	if err := c.checkACL("authorized_flush_users", "flush the mail queue"); err != nil {
		return err
	}
	if !validSite(site) {
		return fail("Cannot flush mail queue - invalid destination: \"%s\"", truncate100(site))
	}
	list, err := resolve.NewDomainList("fast_flush_domains", c.cfg.Get("fast_flush_domains"),
		resolve.ParentStyle(c.cfg, "fast_flush_domains"), dict.Options{Param: c.cfg.Get})
	if err != nil {
		return fail(mailSystemDown)
	}
	defer list.Close()
	ok, err := list.Match(site)
	if err != nil {
		return fail(mailSystemDown)
	}
	if !ok {
		return fail("Flush service is not configured for destination \"%s\"", site)
	}
	st, err := c.flushRequest(attr.List{{Name: "request", Value: "send_site"}, {Name: "site", Value: site}})
	switch {
	case err != nil:
		return fail(mailSystemDown)
	case st == flushOK:
		return nil
	case st == flushBad:
		return fail("Invalid request: \"%s\"", site)
	case st == flushDeny:
		return fail("Flush service is not configured for destination \"%s\"", site)
	}
	return fail("Unknown flush server reply status %d", st)
}

// flushRequest asks the flush service (queue_flush_protocol, Postfix's
// announcement) and returns its status.
func (c *cmd) flushRequest(req attr.List) (int, error) {
	path := filepath.Join(c.cfg.Get("queue_directory"), "public", c.cfg.Get("flush_service_name"))
	timeout, err := c.cfg.Duration("ipc_timeout")
	if err != nil {
		return 0, err
	}
	conn, err := attr.Dial("unix", path, attr.Null, timeout)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if err := conn.ExpectProtocol(flush.Protocol); err != nil {
		return 0, err
	}
	reply, err := conn.Call(req)
	if err != nil {
		return 0, err
	}
	v, err := reply.Need("status")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// validSite is valid_hostname or valid_mailhost_literal.
func validSite(s string) bool {
	if strings.HasPrefix(s, "[") {
		inner, ok := strings.CutSuffix(s[1:], "]")
		if !ok {
			return false
		}
		inner = strings.TrimPrefix(inner, "IPv6:")
		return net.ParseIP(inner) != nil
	}
	if s == "" || len(s) > 255 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch >= 0x80) {
				return false
			}
		}
	}
	return true
}

func truncate100(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
