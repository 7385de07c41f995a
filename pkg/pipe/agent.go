package pipe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
)

// Agent is the pipe delivery agent of one master.cf service.
type Agent struct {
	Service   string   // master.cf service name: the transport, and relay= in the log
	Args      []string // the command attributes
	Ident     Ident
	Privs     *mailbox.Privs // nil when the agent is not root
	TimeLimit time.Duration  // $TRANSPORT_time_limit
	Export    []string       // $export_environment
	Delims    string         // $recipient_delimiter
	NoSplit   func(local string) bool
	OrigRcpt  bool   // $enable_original_recipient
	ConfigDir string // for warnings: "file DIR/master.cf"
	Program   string // "pipe"
	Now       func() time.Time
	Warn      func(format string, args ...any)
	// Fatal ends the process, as msg_fatal() does (bad attributes,
	// a request without nexthop).
	Fatal func(format string, args ...any)

	once  sync.Once
	attrs *Attrs
}

// Deliver is deliver_message().
func (a *Agent) Deliver(ctx context.Context, d *deliver.Delivery) error {
	req := d.Req
	if req.Nexthop == "" {
		a.Fatal("empty nexthop hostname")
		return fmt.Errorf("empty nexthop hostname")
	}
	at := a.attributes()
	if at == nil {
		return fmt.Errorf("bad command attributes")
	}
	n := len(req.Recipients)
	for _, f := range []struct {
		bit    int
		letter string
	}{{mailbox.CopyDelivered, "D"}, {mailbox.CopyOrigRcpt, "O"}} {
		if at.Flags&f.bit != 0 && n > 1 {
			a.warn("pipe flag `%s' requires %s_destination_recipient_limit = 1", f.letter, a.Service)
			a.all(d, deliver.Simple("4.3.5", "mail system configuration error"))
			return nil
		}
	}
	if at.SizeLimit != 0 && d.File.MessageSize > at.SizeLimit {
		a.all(d, deliver.Simple("5.2.3", "message too large"))
		return nil
	}
	if d.Verify() {
		for i := range req.Recipients {
			d.Sent(i, a.Service, deliver.Simple("2.0.0", "delivers to command: "+at.Argv[0]))
		}
		return nil
	}
	if at.Flags&mailbox.CopyDelivered != 0 {
		loop, err := deliveredTo(d.Content(), req.Recipients[0].Address)
		if err != nil {
			return err
		}
		if loop {
			a.all(d, deliver.Simple("5.4.6", "mail forwarding loop for "+req.Recipients[0].Address))
			return nil
		}
	}
	return a.deliver(ctx, d, at)
}

// attributes parses the command attributes at the first delivery; a
// bad attribute is fatal.
func (a *Agent) attributes() *Attrs {
	a.once.Do(func() {
		at, err := ParseAttrs(a.Args, a.Ident)
		if err != nil {
			a.Fatal("%v", err)
			return
		}
		a.attrs = at
	})
	return a.attrs
}

func (a *Agent) deliver(ctx context.Context, d *deliver.Delivery, at *Attrs) error {
	req := d.Req
	sender := req.Sender
	if sender == "" {
		sender = at.NullSender
	}
	x := a.expander(d, at, sender)
	argv, err := x.expand(at.Argv)
	if err != nil {
		a.warn("%v", err)
		a.all(d, deliver.Simple("4.3.5", "mail system configuration error"))
		return nil
	}
	rc := req.Recipients[0]
	env := envelope{sender: sender, origRcpt: origOf(rc), delivered: rc.Address, enableOrigRcpt: a.OrigRcpt, now: a.now()}
	pfx := prefix(at.Flags, env, at.EOL)
	c := &command{argv: argv, cred: mailbox.Cred{UID: at.UID, GID: at.GID}, dir: at.Dir, chroot: at.Chroot,
		env: a.environ(), timeout: a.TimeLimit, program: a.Program}
	out := run(ctx, a.Privs, c, func(w io.Writer) error {
		return copyMessage(w, pfx, d.Content(), at.Flags, at.EOL)
	})
	a.record(d, at, out)
	return nil
}

// record is eval_command_status().
func (a *Agent) record(d *deliver.Delivery, at *Attrs, out outcome) {
	if !out.ok {
		a.all(d, out.dsn)
		return
	}
	text := strings.TrimRight(out.output, " \t\r\n")
	saved := ""
	if text != "" {
		if len(text) > 100 {
			text = text[:100]
		}
		saved = " (" + text + ")"
	}
	dsn := deliver.Simple("2.0.0", "delivered via "+a.Service+" service"+saved)
	dsn.Action = "relayed"
	if at.Flags&optFinal != 0 {
		dsn.Action = "delivered"
	}
	for i := range d.Req.Recipients {
		d.Sent(i, a.Service, dsn)
	}
}

// all gives every recipient the same failure: bounced for a 5.x.x
// status, deferred otherwise.
func (a *Agent) all(d *deliver.Delivery, dsn deliver.DSN) {
	if strings.HasPrefix(dsn.Status, "4") {
		d.DeferAll(a.Service, dsn)
		return
	}
	d.BounceAll(a.Service, dsn)
}

// expander sets the macros of a request (deliver_message).
func (a *Agent) expander(d *deliver.Delivery, at *Attrs, sender string) *expander {
	req := d.Req
	if sender != "" && at.Flags&optQuoteLocal != 0 {
		sender = quoteLocal(sender)
	}
	nexthop := req.Nexthop
	if at.Flags&optFoldHost != 0 {
		nexthop = strings.ToLower(nexthop)
	}
	vars := map[string]string{
		"sender": sender, "nexthop": nexthop, "size": strconv.FormatInt(d.File.MessageSize, 10),
		"client_address": req.ClientAddr, "client_helo": req.ClientHelo, "client_hostname": req.ClientName,
		"client_port": req.ClientPort, "client_protocol": req.ClientProto, "sasl_method": req.SASLMethod,
		"sasl_username": req.SASLUsername, "sasl_sender": req.SASLSender, "queue_id": req.QueueID,
	}
	x := &expander{vars: vars, flags: at.Flags, delims: a.Delims, noSplit: a.NoSplit, warn: a.Warn,
		where: fmt.Sprintf("file %s/master.cf: service %s", a.ConfigDir, a.Service)}
	for _, rc := range req.Recipients {
		x.rcpts = append(x.rcpts, rcptInfo{address: rc.Address, orig: origOf(rc)})
	}
	return x
}

// origOf is the original recipient; Postern leaves it empty when it is
// the recipient itself.
func origOf(rc deliver.Recipient) string {
	if rc.OrigAddress != "" {
		return rc.OrigAddress
	}
	return rc.Address
}

// environ is clean_env($export_environment) and PATH.
func (a *Agent) environ() []string {
	var env []string
	for _, e := range a.Export {
		if strings.Contains(e, "=") {
			env = append(env, e)
		} else if v, ok := os.LookupEnv(e); ok {
			env = append(env, e+"="+v)
		}
	}
	return append(env, "PATH="+defaultPath)
}

// deliveredTo reports whether the message header has "Delivered-To:"
// with addr, compared without regard to case (delivered_hdr_find).
func deliveredTo(content io.Reader, addr string) (bool, error) {
	r := bufio.NewReader(content)
	want := strings.ToLower(addr)
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return false, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimRight(name, " \t"), "Delivered-To") &&
			strings.ToLower(strings.TrimSpace(value)) == want {
			return true, nil
		}
		if err != nil {
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
	}
}

func (a *Agent) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Agent) warn(format string, args ...any) {
	if a.Warn != nil {
		a.Warn(format, args...)
	}
}
