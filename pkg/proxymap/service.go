package proxymap

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Params lists the parameters NewService reads.
var Params = []string{"proxy_read_maps", "proxy_write_maps", "ipc_timeout"}

// Service names (MAIL_SERVICE_PROXYMAP, MAIL_SERVICE_PROXYWRITE).
const (
	ServiceRead  = "proxymap"
	ServiceWrite = "proxywrite"
)

// Service is the server side of proxymap(8) or proxywrite.
type Service struct {
	Writer   bool            // the proxywrite service
	Approved map[string]bool // type:name tables that may be proxied
	Param    func(string) string
	Timeout  time.Duration // each reply write ($ipc_timeout)
	Warn     func(format string, args ...any)

	mu     sync.Mutex
	tables map[string]dict.Dict // open instances by name and flags
}

// NewService sets up the service that master.cf calls service: proxymap
// or proxywrite (post_jail_init).
func NewService(cfg *config.Config, service string, warn func(string, ...any)) (*Service, error) {
	s := &Service{Param: cfg.Get, Warn: warn, tables: map[string]dict.Dict{}}
	switch service {
	case ServiceWrite:
		s.Writer = true
	case ServiceRead:
	default:
		return nil, fmt.Errorf("service name must be one of %s or %s", ServiceRead, ServiceRead)
	}
	param := s.listParam()
	s.Approved = approvedTables(cfg.Get(param), param, warn)
	var err error
	if s.Timeout, err = cfg.Duration("ipc_timeout"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) listParam() string {
	if s.Writer {
		return "proxy_write_maps"
	}
	return "proxy_read_maps"
}

// Serve talks the protocol on c until the client closes it.
func (s *Service) Serve(c net.Conn) {
	conn := attr.NewConn(c, attr.Null, 0)
	conn.SetLimits(attr.Limits{MaxString: 1 << 20, MaxAttrs: 16})
	cur := map[string]*cursor{}
	if s.send(conn, attr.List{{Name: attr.ProtoName, Value: Protocol}}) != nil {
		return
	}
	for {
		req, err := conn.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.warn("%s socket: %v", s.serviceName(), err)
			}
			return
		}
		if s.send(conn, s.dispatch(req, cur)) != nil {
			return
		}
	}
}

func (s *Service) serviceName() string {
	if s.Writer {
		return ServiceWrite
	}
	return ServiceRead
}

func (s *Service) send(conn *attr.Conn, l attr.List) error {
	if s.Timeout > 0 {
		conn.NetConn().SetWriteDeadline(time.Now().Add(s.Timeout))
	}
	return conn.Send(l)
}

// dispatch answers one request (proxymap_service).
func (s *Service) dispatch(req attr.List, cur map[string]*cursor) attr.List {
	if len(req) == 0 || req[0].Name != AttrRequest {
		return status(StatBad)
	}
	args := req[1:]
	switch name := req[0].Value; name {
	case ReqLookup:
		return s.lookup(args)
	case ReqOpen:
		return s.open(args)
	case ReqUpdate:
		return s.update(args)
	case ReqDelete:
		return s.delete(args)
	case ReqSequence:
		return s.sequence(args, cur)
	default:
		s.warn("unrecognized request: \"%s\", ignored", name)
		return status(StatBad)
	}
}

func status(st int) attr.List { return attr.List{{Name: AttrStatus, Value: formatInt(st)}} }

// fields returns exactly the named attributes in order, with the flags
// (always the second) parsed.
func fields(l attr.List, names ...string) ([]string, int, bool) {
	out, ok := l.Strict(names...)
	if !ok {
		return nil, 0, false
	}
	flags, ok := parseInt(out[1])
	return out, flags, ok
}

// find returns the open table for a request (proxy_map_find), or the
// status to answer.
func (s *Service) find(name string, flags int) (dict.Dict, string, int) {
	for strings.HasPrefix(name, "proxy:") {
		name = strings.TrimPrefix(name, "proxy:")
	}
	if !strings.Contains(name, ":") {
		return nil, name, StatBad
	}
	if !s.Approved[name] {
		access := "read-only"
		if s.Writer {
			access = "read-write"
		}
		s.warn("request for unapproved table: \"%s\"", name)
		s.warn("to approve this table for %s access, list proxy:%s in main.cf:%s", access, name, s.listParam())
		return nil, name, StatDeny
	}
	df := dictFlags(flags)
	key := fmt.Sprintf("%s\x00%d", name, df)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.tables[key]; ok {
		return d, name, StatOK
	}
	d, err := dict.Open(name, dict.Options{Flags: df, Param: s.Param, Warn: func(m string) { s.warn("%s", m) }})
	if err != nil {
		typ, nm, _ := strings.Cut(name, ":")
		s.warn("%s:%s is unavailable. %v", typ, nm, err)
		d = surrogate{name: name, err: err}
	}
	s.tables[key] = d
	return d, name, StatOK
}

func (s *Service) open(args attr.List) attr.List {
	v, flags, ok := fields(args, AttrTable, AttrFlags)
	if !ok {
		return attr.List{{Name: AttrStatus, Value: formatInt(StatBad)}, {Name: AttrFlags, Value: "0"}}
	}
	d, _, st := s.find(v[0], flags)
	if st != StatOK {
		return attr.List{{Name: AttrStatus, Value: formatInt(st)}, {Name: AttrFlags, Value: "0"}}
	}
	reply := (flags &^ flagImplMask) | implFlags(d)
	return attr.List{{Name: AttrStatus, Value: formatInt(StatOK)}, {Name: AttrFlags, Value: formatInt(reply)}}
}

func (s *Service) lookup(args attr.List) attr.List {
	v, flags, ok := fields(args, AttrTable, AttrFlags, AttrKey)
	st, value := StatBad, ""
	if ok {
		var d dict.Dict
		if d, _, st = s.find(v[0], flags); st == StatOK {
			st, value = lookupStatus(d, v[2])
		}
	}
	return attr.List{{Name: AttrStatus, Value: formatInt(st)}, {Name: AttrValue, Value: value}}
}

// lookupStatus maps a lookup's three outcomes to the protocol's.
func lookupStatus(d dict.Dict, key string) (int, string) {
	value, found, err := d.Lookup(key)
	switch {
	case err != nil && isConfigError(err):
		return StatConfig, ""
	case err != nil:
		return StatRetry, ""
	case !found:
		return StatNoKey, ""
	}
	return StatOK, value
}

func (s *Service) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(format, args...)
	}
}

// Close closes the open tables.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, d := range s.tables {
		d.Close()
		delete(s.tables, k)
	}
}
