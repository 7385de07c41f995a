package flush

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Params lists the parameters NewService reads.
var Params = []string{"fast_flush_domains", "fast_flush_refresh_time", "fast_flush_purge_time",
	"parent_domain_matches_subdomains", "queue_service_name", "ipc_timeout", "trigger_timeout",
	"queue_directory", "hash_queue_names", "hash_queue_depth", "enable_long_queue_ids"}

// Service is the server side of flush(8).
type Service struct {
	Layout      *queue.Layout
	Domains     Matcher       // $fast_flush_domains
	RefreshTime time.Duration // $fast_flush_refresh_time
	PurgeTime   time.Duration // $fast_flush_purge_time
	IPCTimeout  time.Duration // $ipc_timeout
	// Trigger sends qmgr a request ("F", "I"); nil sends it to
	// public/$queue_service_name.
	Trigger func(req string)
	Now     func() time.Time
	Warn    func(format string, args ...any)
	// Fatal reports trouble with a log file that Postfix treats as
	// fatal (the process exits and the master starts another).
	Fatal func(format string, args ...any)
}

// NewService reads the configuration. queueDir is the queue directory
// as the process sees it ("/" inside the chroot jail); the domain list
// tables are opened now, before the jail.
func NewService(cfg *config.Config, queueDir string, warn, fatal func(string, ...any)) (*Service, error) {
	layout, err := queue.NewLayoutIn(cfg, queueDir)
	if err != nil {
		return nil, err
	}
	s := &Service{Layout: layout, Now: time.Now, Warn: warn, Fatal: fatal}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"fast_flush_refresh_time", &s.RefreshTime}, {"fast_flush_purge_time", &s.PurgeTime},
		{"ipc_timeout", &s.IPCTimeout}} {
		if *d.dst, err = cfg.Duration(d.name); err != nil {
			return nil, err
		}
	}
	list, err := resolve.NewDomainList("fast_flush_domains", cfg.Get("fast_flush_domains"),
		resolve.ParentStyle(cfg, "fast_flush_domains"), dict.Options{Param: cfg.Get})
	if err != nil {
		return nil, err
	}
	s.Domains = list
	trigTimeout, err := cfg.Duration("trigger_timeout")
	if err != nil {
		return nil, err
	}
	qmgr := cfg.Get("queue_service_name")
	s.Trigger = func(req string) {
		if err := mailTrigger(queueDir, qmgr, []byte(req), trigTimeout); err != nil {
			s.warn("%v", err)
		}
	}
	return s, nil
}

// Serve handles one client (flush_service): announce, read one request,
// act and answer.
func (s *Service) Serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(s.IPCTimeout))
	w := attr.NewWriter(c, attr.Null)
	w.Write(attr.List{{Name: attr.ProtoName, Value: Protocol}}) // a trigger client may be gone
	br := bufio.NewReader(c)
	req, rest, ok := s.receive(br)
	if !ok {
		w.Write(statusReply(StatBad))
		return
	}
	st, reply, after := s.dispatch(req, rest)
	if !reply {
		return
	}
	w.Write(statusReply(st))
	if after != nil {
		c.Close()
		after()
	}
}

func statusReply(st int) attr.List {
	return attr.List{{Name: AttrStatus, Value: FormatStatus(st)}}
}

// receive reads a request (flush_request_receive): at most two bytes are
// a trigger, read as text up to a NUL; anything longer is an attribute
// list whose first attribute is the request name.
func (s *Service) receive(br *bufio.Reader) (string, attr.List, bool) {
	if _, err := br.Peek(1); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.warn("timeout while waiting for data from %s", "client")
		}
		return "", nil, false
	}
	if br.Buffered() <= 2 {
		b, err := br.ReadBytes(0)
		if err != nil && !errors.Is(err, io.EOF) || len(b) == 0 {
			s.warn("end-of-input while reading request from %s", "client")
			return "", nil, false
		}
		if b[len(b)-1] == 0 {
			b = b[:len(b)-1]
		}
		return string(b), nil, true
	}
	r := attr.NewReader(br, attr.Null)
	r.Limits = attr.Limits{MaxString: 4096, MaxAttrs: 8}
	l, err := r.Read()
	if err != nil || len(l) == 0 || l[0].Name != AttrRequest {
		return "", nil, false
	}
	return l[0].Value, l[1:], true
}

// dispatch runs a request and says whether to answer, with what, and
// what to do after answering (refresh and purge complete in the
// background, as far as the client is concerned).
func (s *Service) dispatch(req string, rest attr.List) (int, bool, func()) {
	switch req {
	case ReqAdd:
		v, ok := rest.Strict(AttrSite, AttrQueueID)
		if !ok || !queue.ValidID(v[1]) {
			return StatBad, true, nil
		}
		return s.add(v[0], v[1]), true, nil
	case ReqSendSite:
		v, ok := rest.Strict(AttrSite)
		if !ok {
			return StatBad, true, nil
		}
		return s.sendSite(v[0]), true, nil
	case ReqSendFile:
		v, ok := rest.Strict(AttrQueueID)
		if !ok {
			return StatBad, true, nil
		}
		return s.sendFile(v[0]), true, nil
	case ReqRefresh, wakeup:
		return StatOK, true, func() { s.refresh(s.RefreshTime) }
	case ReqPurge:
		return StatOK, true, func() { s.refresh(0) }
	}
	// Postfix answers nothing to an unknown request.
	return 0, false, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(format, args...)
	}
}

func (s *Service) fatal(format string, args ...any) {
	if s.Fatal != nil {
		s.Fatal(format, args...)
		return
	}
	s.warn(format, args...)
}

func (s *Service) trigger(req string) {
	if s.Trigger != nil {
		s.Trigger(req)
	}
}
