package scache

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// Params lists the parameters NewService reads.
var Params = []string{"connection_cache_ttl_limit", "connection_cache_status_update_time", "ipc_timeout"}

// Service is the server side of scache(8).
type Service struct {
	Cache    *Cache
	TTLLimit time.Duration // $connection_cache_ttl_limit
	StatTime time.Duration // $connection_cache_status_update_time
	Timeout  time.Duration // descriptor exchange and replies ($ipc_timeout)
	Now      func() time.Time
	Info     func(format string, args ...any)
	Warn     func(format string, args ...any)

	mu       sync.Mutex
	st       stats
	nextDump time.Time
}

// stats are the counters of one statistics interval.
type stats struct {
	start                          time.Time
	destHits, destMiss             int
	endpHits, endpMiss             int
	destCount, endpCount, sessions int // maxima
}

// NewService reads the configuration.
func NewService(cfg *config.Config, info, warn func(string, ...any)) (*Service, error) {
	s := &Service{Cache: NewCache(), Info: info, Warn: warn, Now: time.Now}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"connection_cache_ttl_limit", &s.TTLLimit}, {"connection_cache_status_update_time", &s.StatTime},
		{"ipc_timeout", &s.Timeout}} {
		var err error
		if *d.dst, err = cfg.Duration(d.name); err != nil {
			return nil, err
		}
	}
	s.st.start = s.now()
	return s, nil
}

// Serve talks the protocol on c until the client closes it.
func (s *Service) Serve(c net.Conn) {
	uc, _ := c.(*net.UnixConn)
	r := attr.NewReader(c, attr.Null)
	r.Limits = attr.Limits{MaxString: 4096, MaxAttrs: 16}
	w := attr.NewWriter(c, attr.Null)
	sess := &session{s: s, c: c, uc: uc, r: r, w: w}
	if sess.send(attr.List{{Name: attr.ProtoName, Value: Protocol}}) != nil {
		return
	}
	for {
		req, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.warn("scache socket: %v", err)
			}
			return
		}
		if !sess.dispatch(req) {
			return
		}
	}
}

type session struct {
	s  *Service
	c  net.Conn
	uc *net.UnixConn // nil when the client is not on a UNIX socket
	r  *attr.Reader
	w  *attr.Writer
}

func (x *session) send(l attr.List) error {
	x.c.SetWriteDeadline(time.Now().Add(x.s.Timeout))
	return x.w.Write(l)
}

// dispatch runs one request (scache_service); false ends the connection.
func (x *session) dispatch(req attr.List) bool {
	if len(req) == 0 || req[0].Name != AttrRequest {
		return false
	}
	args := req[1:]
	switch name := req[0].Value; name {
	case ReqSaveEndp:
		return x.saveEndp(args)
	case ReqFindEndp:
		return x.findEndp(args)
	case ReqSaveDest:
		return x.saveDest(args)
	case ReqFindDest:
		return x.findDest(args)
	default:
		x.s.warn("unrecognized request: \"%s\", ignored", name)
		return x.send(statusList(StatBad)) == nil
	}
}

func statusList(st int, props ...string) attr.List {
	l := attr.List{{Name: AttrStatus, Value: strconv.Itoa(st)}}
	for _, p := range props {
		l.Str(AttrProperty, p)
	}
	return l
}

// ttl parses a TTL attribute and applies the limit; false when it is
// not a positive number.
func (s *Service) ttl(v string) (time.Duration, bool) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || int32(uint32(n)) <= 0 {
		return 0, false
	}
	d := time.Duration(n) * time.Second
	if d > s.TTLLimit {
		d = s.TTLLimit
	}
	return d, true
}

func (x *session) saveEndp(args attr.List) bool {
	const myname = "scache_save_endp_service"
	v, ok := args.Strict(AttrTTL, AttrLabel, AttrProperty)
	ttl, okTTL := x.s.ttl(valueAt(v, 0))
	if !ok || !okTTL {
		x.s.warn("%s: bad or missing request parameter", myname)
		return x.send(statusList(StatBad)) == nil
	}
	if x.send(attr.List{{Name: AttrDummy, Value: ""}}) != nil {
		return false
	}
	fd, err := x.recv()
	if err != nil {
		x.s.warn("%s: unable to receive file descriptor: %s", myname, config.Strerror(err))
		x.send(statusList(StatFail))
		return false
	}
	x.s.Cache.SaveEndp(ttl, v[1], v[2], fd)
	x.s.noteSize()
	return x.send(statusList(StatOK)) == nil
}

func (x *session) findEndp(args attr.List) bool {
	v, ok := args.Strict(AttrLabel)
	if !ok {
		x.s.warn("scache_find_endp_service: bad or missing request parameter")
		return x.send(statusList(StatBad, "")) == nil
	}
	fd, prop := x.s.Cache.FindEndp(v[0])
	if fd < 0 {
		x.s.count(func(st *stats) { st.endpMiss++ })
		return x.send(statusList(StatFail, "")) == nil
	}
	x.s.count(func(st *stats) { st.endpHits++ })
	if x.send(statusList(StatOK, prop)) != nil {
		unix.Close(fd)
		return false
	}
	return x.handOver("scache_find_endp_service", fd)
}

func (x *session) saveDest(args attr.List) bool {
	v, ok := args.Strict(AttrTTL, AttrLabel, AttrProperty, AttrLabel)
	ttl, okTTL := x.s.ttl(valueAt(v, 0))
	if !ok || !okTTL {
		x.s.warn("scache_save_dest_service: bad or missing request parameter")
		return x.send(statusList(StatBad)) == nil
	}
	x.s.Cache.SaveDest(ttl, v[1], v[2], v[3])
	x.s.noteSize()
	return x.send(statusList(StatOK)) == nil
}

func (x *session) findDest(args attr.List) bool {
	v, ok := args.Strict(AttrLabel)
	if !ok {
		x.s.warn("scache_find_dest_service: bad or missing request parameter")
		return x.send(statusList(StatBad, "", "")) == nil
	}
	fd, destProp, endpProp := x.s.Cache.FindDest(v[0])
	if fd < 0 {
		x.s.count(func(st *stats) { st.destMiss++ })
		return x.send(statusList(StatFail, "", "")) == nil
	}
	x.s.count(func(st *stats) { st.destHits++ })
	if x.send(statusList(StatOK, destProp, endpProp)) != nil {
		unix.Close(fd)
		return false
	}
	return x.handOver("scache_find_dest_service", fd)
}

// handOver sends a found descriptor between the two dummy lists and
// closes the server's copy.
func (x *session) handOver(myname string, fd int) bool {
	defer unix.Close(fd)
	if err := x.expectDummy(); err != nil {
		x.s.warn("%s: cannot send file descriptor: %s", myname, config.Strerror(err))
		return false
	}
	if x.uc == nil {
		x.s.warn("%s: cannot send file descriptor: %s", myname, "not a UNIX-domain socket")
		return false
	}
	if err := sendFD(x.uc, fd, x.s.Timeout); err != nil {
		x.s.warn("%s: cannot send file descriptor: %s", myname, config.Strerror(err))
		return false
	}
	if err := x.expectDummy(); err != nil {
		x.s.warn("%s: cannot send file descriptor: %s", myname, config.Strerror(err))
		return false
	}
	return true
}

func (x *session) expectDummy() error {
	x.c.SetReadDeadline(time.Now().Add(x.s.Timeout))
	l, err := x.r.Read()
	x.c.SetReadDeadline(time.Time{})
	if err != nil {
		return err
	}
	if _, ok := l.Strict(AttrDummy); !ok {
		return fmt.Errorf("unexpected attribute list, expected %s", AttrDummy)
	}
	return nil
}

func (x *session) recv() (int, error) {
	if x.uc == nil {
		return -1, errors.New("not a UNIX-domain socket")
	}
	return recvFD(x.uc, x.s.Timeout)
}

func valueAt(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return ""
}
