package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtpd"
	"github.com/postern/postern/pkg/smtperr"
)

// standalone is sendmail -bs: an SMTP session on standard input and
// output. Postfix's sendmail runs "smtpd -S", which, not being the mail
// system, hands each message to postdrop; Postern runs pkg/smtpd in
// this process in its stand-alone mode (no restrictions, TLS, SASL or
// anvil, as Postfix's) with the same queue: every message becomes a
// maildrop file through postdrop, so the submitting user owns it and
// pickup logs the uid. The client is localhost[127.0.0.1]; the session
// logs as smtpd, as Postfix's does.
func standalone(r *submit.Reporter, cfg *config.Config, env Env, verbose int) error {
	r.InitLog(cfg, "smtpd")
	q := &postdropQueue{r: r, cfg: cfg, verbose: verbose}
	srv, err := smtpd.New(cfg, smtpd.Deps{Queue: q, StandAlone: true})
	if err != nil {
		return submit.Fatalf(submit.ExUnavailable, "%v", err)
	}
	srv.Serve(&stdioConn{r: env.Stdin, w: env.Stdout})
	return nil
}

// postdropQueue is an smtpd.Queue that submits through postdrop.
type postdropQueue struct {
	r       *submit.Reporter
	cfg     *config.Config
	verbose int
}

// Begin starts a postdrop for one message.
func (q *postdropQueue) Begin(m smtpd.Meta) (smtpd.Message, error) {
	pd, err := startPostdrop(q.r, q.cfg, q.verbose)
	if err != nil {
		return nil, err
	}
	// Postfix's stand-alone smtpd sets no rewrite context: pickup's
	// default, local, applies.
	pd.sw.String(submit.RecAttr, queue.AttrRewrite+"=local")
	if m.Encoding != "" {
		pd.sw.String(submit.RecAttr, queue.AttrEncoding+"="+m.Encoding)
	}
	return &postdropMessage{pd: pd, meta: m, cfg: q.cfg}, nil
}

// postdropMessage streams one SMTP transaction to postdrop.
type postdropMessage struct {
	pd      *postdropProc
	meta    smtpd.Meta
	cfg     *config.Config
	rcpts   []string
	content bool
}

func (m *postdropMessage) QueueID() string { return m.pd.id }

func (m *postdropMessage) SetSender(addr string, ret int, envid string) error {
	sw := m.pd.sw
	switch ret {
	case smtpd.RetFull:
		sw.String(submit.RecAttr, queue.AttrDSNRet+"=FULL")
	case smtpd.RetHdrs:
		sw.String(submit.RecAttr, queue.AttrDSNRet+"=HDRS")
	}
	if envid != "" {
		sw.String(submit.RecAttr, queue.AttrDSNEnvID+"="+envid)
	}
	return sw.String(submit.RecSender, addr)
}

func (m *postdropMessage) AddRecipient(addr, orcpt string, notify int) error {
	m.rcpts = append(m.rcpts, addr)
	return m.pd.sw.Recipient(addr, orcpt, notify)
}

func (m *postdropMessage) Write(p []byte) error {
	m.startContent()
	_, err := m.pd.sw.Write(p)
	return err
}

// startContent begins the content with the Received: header Postfix's
// smtpd writes itself when it runs stand-alone (its cleanup does not
// know the client).
func (m *postdropMessage) startContent() {
	if m.content {
		return
	}
	m.content = true
	m.pd.sw.Record(submit.RecContent, nil)
	mt := m.meta
	helo := mt.Helo
	if helo == "" {
		helo = mt.ClientName
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Received: from %s (%s [%s])\n", helo, mt.ClientName, mt.ClientAddr)
	by := fmt.Sprintf("\tby %s (%s) with %s id %s", m.cfg.Get("myhostname"), m.cfg.Get("mail_name"), mt.Protocol, m.pd.id)
	date := time.Now().Format("Mon, _2 Jan 2006 15:04:05 -0700 (MST)")
	if len(m.rcpts) == 1 {
		fmt.Fprintf(&b, "%s\n\tfor <%s>; %s\n", by, addr.QuoteLocal(m.rcpts[0]), date)
	} else {
		fmt.Fprintf(&b, "%s;\n\t%s\n", by, date)
	}
	m.pd.sw.Write([]byte(b.String()))
}

// Commit ends the message and returns postdrop's verdict as the reply
// smtpd gives (cleanup_stat_map of cleanup_strerror.c).
func (m *postdropMessage) Commit() (string, error) {
	sw := m.pd.sw
	m.startContent()
	sw.Record(submit.RecExtract, nil)
	sw.Record(submit.RecEnd, nil)
	status, why := m.pd.finish()
	if status == submit.StatOK {
		return m.pd.id, nil
	}
	code, enh := 451, "4.3.0"
	switch {
	case status&submit.StatBad != 0:
	case status&submit.StatRcpt != 0:
		code, enh = 550, "5.1.0"
	case status&submit.StatSize != 0:
		code, enh = 552, "5.3.4"
	case status&submit.StatNoPerm != 0:
		code, enh = 550, "5.7.1"
	}
	if why == "" {
		why = submit.StatusText(status)
	}
	return "", smtperr.New(code, enh, "Error: %s", why)
}

func (m *postdropMessage) Abort() { m.pd.wait() }

// stdioConn is a net.Conn over standard input and output. Deadlines
// apply when the descriptors support them (pipes, terminals) and are
// ignored otherwise.
type stdioConn struct {
	r io.Reader
	w io.Writer
}

type stdioAddr struct{}

func (stdioAddr) Network() string { return "stdio" }
func (stdioAddr) String() string  { return "stdio" }

func (c *stdioConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *stdioConn) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *stdioConn) Close() error                { return nil }
func (c *stdioConn) LocalAddr() net.Addr         { return stdioAddr{} }
func (c *stdioConn) RemoteAddr() net.Addr        { return stdioAddr{} }

func (c *stdioConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *stdioConn) SetReadDeadline(t time.Time) error {
	if f, ok := c.r.(*os.File); ok {
		f.SetReadDeadline(t)
	}
	return nil
}

func (c *stdioConn) SetWriteDeadline(t time.Time) error {
	if f, ok := c.w.(*os.File); ok {
		f.SetWriteDeadline(t)
	}
	return nil
}
