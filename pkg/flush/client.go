package flush

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/resolve"
)

// Matcher decides whether a destination is eligible for fast flush
// ($fast_flush_domains); an error is a failed table lookup.
type Matcher interface {
	Match(name string) (bool, error)
}

// Client asks the flush service (flush_clnt.c). Each request is one
// connection, as mail_command_client() makes it.
type Client struct {
	Path    string        // the service socket: $queue_directory/public/$flush_service_name
	Timeout time.Duration // connect and each read or write ($ipc_timeout)
	// Domains is $fast_flush_domains: Add and SendSite ask the server
	// only for a destination that matches. nil means every destination.
	Domains Matcher
	// Disabled is set when $fast_flush_domains is empty: Refresh and
	// Purge then answer StatDeny without asking.
	Disabled bool
	// Service is $flush_service_name, for warnings.
	Service string
	closer  func()
}

// NewClient reads queue_directory (as queueDir: "/" inside the chroot
// jail), flush_service_name, ipc_timeout and fast_flush_domains.
func NewClient(cfg *config.Config, queueDir string) (*Client, error) {
	timeout, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return nil, err
	}
	value, err := cfg.Value("fast_flush_domains")
	if err != nil {
		return nil, err
	}
	list, err := resolve.NewDomainList("fast_flush_domains", value,
		resolve.ParentStyle(cfg, "fast_flush_domains"), dict.Options{Param: cfg.Get})
	if err != nil {
		return nil, err
	}
	service := cfg.Get("flush_service_name")
	return &Client{
		Path:    filepath.Join(queueDir, "public", service),
		Timeout: timeout, Domains: list, Disabled: value == "", Service: service, closer: list.Close,
	}, nil
}

// Close releases the tables of $fast_flush_domains.
func (c *Client) Close() {
	if c.closer != nil {
		c.closer()
	}
}

// Add tells the server that message id is queued for site (flush_add):
// StatOK, StatDeny for a destination that is not eligible, StatFail
// with an error when the lookup or the server failed.
func (c *Client) Add(site, id string) (int, error) {
	if st, err := c.eligible(site); st != StatOK {
		return st, err
	}
	return c.call(attr.List{{Name: AttrRequest, Value: ReqAdd}, {Name: AttrSite, Value: site},
		{Name: AttrQueueID, Value: id}})
}

// Deferred records a deferred recipient of message id in its domain's
// log, as defer.c does after each deferral; a failure other than an
// ineligible domain is reported to warn with Postfix's words
// ("ID: flush service failure"). Addresses without a domain are skipped.
func (c *Client) Deferred(id, rcpt string, warn func(format string, args ...any)) {
	i := strings.LastIndexByte(rcpt, '@')
	if i < 0 || i == len(rcpt)-1 {
		return
	}
	switch st, _ := c.Add(rcpt[i+1:], id); st {
	case StatOK, StatDeny:
	default:
		service := c.Service
		if service == "" {
			service = "flush"
		}
		if warn != nil {
			warn("%s: %s service failure", id, service)
		}
	}
}

// SendSite requests delivery of the mail queued for site
// (flush_send_site): ETRN, sendmail -qR, postqueue -s.
func (c *Client) SendSite(site string) (int, error) {
	if st, err := c.eligible(site); st != StatOK {
		return st, err
	}
	return c.call(attr.List{{Name: AttrRequest, Value: ReqSendSite}, {Name: AttrSite, Value: site}})
}

// SendFile requests delivery of one deferred message (flush_send_file):
// postqueue -i.
func (c *Client) SendFile(id string) (int, error) {
	return c.call(attr.List{{Name: AttrRequest, Value: ReqSendFile}, {Name: AttrQueueID, Value: id}})
}

// Refresh asks the server to refresh logs that were not read lately
// (flush_refresh).
func (c *Client) Refresh() (int, error) {
	if c.Disabled {
		return StatDeny, nil
	}
	return c.call(attr.List{{Name: AttrRequest, Value: ReqRefresh}})
}

// Purge asks the server to refresh every log (flush_purge).
func (c *Client) Purge() (int, error) {
	if c.Disabled {
		return StatDeny, nil
	}
	return c.call(attr.List{{Name: AttrRequest, Value: ReqPurge}})
}

func (c *Client) eligible(site string) (int, error) {
	if c.Domains == nil {
		return StatOK, nil
	}
	ok, err := c.Domains.Match(site)
	switch {
	case err != nil:
		return StatFail, err
	case !ok:
		return StatDeny, nil
	}
	return StatOK, nil
}

// call is mail_command_client(): connect, check the announcement, send
// the request, read the status.
func (c *Client) call(req attr.List) (int, error) {
	conn, err := attr.Dial("unix", c.Path, attr.Null, c.Timeout)
	if err != nil {
		return StatFail, fmt.Errorf("connect to %s: %w", c.Path, err)
	}
	defer conn.Close()
	if err := conn.ExpectProtocol(Protocol); err != nil {
		return StatFail, err
	}
	reply, err := conn.Call(req)
	if err != nil {
		return StatFail, fmt.Errorf("%s: %w", c.Path, err)
	}
	v, err := reply.Need(AttrStatus)
	if err != nil {
		return StatFail, err
	}
	st, err := ParseStatus(v)
	if err != nil {
		return StatFail, fmt.Errorf("malformed numerical data while reading %s: %.100s", AttrStatus, v)
	}
	return st, nil
}
