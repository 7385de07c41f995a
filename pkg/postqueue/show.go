package postqueue

import (
	"errors"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
	"github.com/postern/postern/pkg/showq"
)

// showQueue lists the queue (show_queue): through the showq service, or
// directly when root and the service is down.
func (c *cmd) showQueue(op byte) error {
	if err := c.checkACL("authorized_mailq_users", "view the mail queue"); err != nil {
		return err
	}
	out := c.formatter(op)
	svc := c.cfg.Get("showq_service_name")
	path := filepath.Join(c.cfg.Get("queue_directory"), "public", svc)
	conn, err := net.DialTimeout("unix", path, 10*time.Second)
	switch {
	case err == nil:
		defer conn.Close()
		ac := attr.NewConn(conn, attr.Null, 0)
		if err := showq.Receive(ac, out.message); err != nil {
			return fail("%s", err)
		}
		return out.close()
	case errors.Is(err, os.ErrPermission):
		return fail("Connect to the %s %s service: %s", c.cfg.Get("mail_name"), svc, errnoText(err))
	case c.env.EUID == 0:
		c.warn("Mail system is down -- accessing queue directly (Connect to the %s %s service: %s)",
			c.cfg.Get("mail_name"), svc, errnoText(err))
		if err := c.scanDirect(out.message); err != nil {
			return fail("%s", err)
		}
		return out.close()
	}
	return fail("Queue report unavailable - mail system is down (Connect to the %s %s service: %s)",
		c.cfg.Get("mail_name"), svc, errnoText(err))
}

// scanDirect reads the queue in this process (showq -S in Postfix).
func (c *cmd) scanDirect(fn func(*showq.Message) error) error {
	l, err := queue.NewLayout(c.cfg)
	if err != nil {
		return err
	}
	dup, err := c.cfg.Int("duplicate_filter_limit")
	if err != nil {
		return err
	}
	opts := showq.Options{EmptyAddr: c.cfg.Get("empty_address_recipient"), DupLimit: dup, Warn: c.warn}
	return showq.Scan(l, opts, fn)
}

// output is a listing format.
type output struct {
	message func(*showq.Message) error
	close   func() error
}

func (c *cmd) formatter(op byte) output {
	if op == 'j' {
		return output{
			message: func(m *showq.Message) error { return showq.JSON(c.env.Stdout, m) },
			close:   func() error { return nil },
		}
	}
	long, _ := c.cfg.Bool("enable_long_queue_ids")
	cp := showq.NewCompat(c.env.Stdout, long)
	return output{message: cp.Message, close: cp.Close}
}

// checkACL applies authorized_mailq_users or authorized_flush_users to
// the real user (check_user_acl_byuid); root and $mail_owner pass.
func (c *cmd) checkACL(param, what string) error {
	uid := c.env.UID
	if uid == 0 || c.isMailOwner(uid) {
		return nil
	}
	acl := c.cfg.Get(param)
	if len(acl) >= 7 && acl[:7] == "static:" {
		return nil
	}
	name := "unknown"
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		name = u.Username
	}
	list, err := resolve.NewStringList(param, acl, dict.Options{Param: c.cfg.Get})
	if err != nil {
		return fail("%s", err)
	}
	defer list.Close()
	if ok, _ := list.Match(name); ok {
		return nil
	}
	return fail("User %s(%d) is not allowed to %s", name, uid, what)
}

func (c *cmd) isMailOwner(uid int) bool {
	u, err := user.Lookup(c.cfg.Get("mail_owner"))
	return err == nil && u.Uid == strconv.Itoa(uid)
}
