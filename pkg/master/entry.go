package master

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// service is one master.cf entry as the master runs it (MASTER_SERV).
type service struct {
	extName string   // service field as written: "smtp", "127.0.0.1:2525"
	name    string   // canonical endpoint: "25", "[127.0.0.1]:2525", "private/smtp"
	typ     string   // inet, unix, unix-dgram, fifo, pass
	path    string   // $daemon_directory/command
	argv    []string // the child's argument vector; argv[0] is the command
	stress  int      // index in argv of "stress=..." or -1
	maxProc int      // 0: no limit
	wakeup  int      // seconds; 0: none
	// condWake: wakeups start only after the first child was started
	// ("N?" in the wakeup column).
	condWake  bool
	throttle  time.Duration // $service_throttle_time
	addrs     []net.IP      // inet: addresses to listen on
	port      int           // inet: port number
	localOnly bool          // inet: loopback addresses only

	listenFDs []int
	status    *statusPipe
	avail     int // children ready to take a client
	total     int // children alive
	reserved  int // sum of the children's limits: sessions counted against maxProc
	throttled bool
	listening bool // the master watches listenFDs
	busyWarn  time.Time
	stressEnd time.Time
	wakeSeq   int // cancels the pending wakeup timer
	thrSeq    int // cancels the pending unthrottle timer
	deleting  bool
}

// entryEnv is what building a service needs besides its master.cf line.
type entryEnv struct {
	cfg        *config.Config
	interfaces string // inet_interfaces as read at master start
	protocols  protocols
	foreground bool // master -d: children get -d
	verbose    bool // master -v: children get -v
}

// newService is get_master_ent(): the canonical name, the endpoints and
// the child's argument vector of one master.cf entry.
func newService(env *entryEnv, e *config.Service) (*service, error) {
	s := &service{extName: e.Name, typ: e.Type, stress: -1}
	var err error
	if s.typ == "inet" {
		err = s.setInet(env, e.Name)
	} else {
		class := "public"
		if e.IsPrivate() {
			class = "private"
		}
		s.name = class + "/" + e.Name
	}
	if err != nil {
		return nil, fmt.Errorf("%s: line %d: %v", env.cfg.Dir+"/master.cf", e.Line, err)
	}
	if s.maxProc, err = e.ProcessLimit(env.cfg); err != nil {
		return nil, err
	}
	s.wakeup, s.condWake = e.WakeupTime()
	s.condWake = s.condWake && s.wakeup > 0
	if s.throttle, err = env.cfg.Duration("service_throttle_time"); err != nil {
		return nil, err
	}
	s.path = env.cfg.Get("daemon_directory") + "/" + e.Command
	s.buildArgv(env, e)
	return s, nil
}

// setInet resolves an inet service's addresses: its own host, or every
// inet_interfaces address; and gives it its canonical name.
func (s *service) setInet(env *entryEnv, name string) error {
	host, port, err := splitHostPort(name)
	if err != nil {
		return fmt.Errorf("%v in \"%s\"", err, name)
	}
	s.name = name
	if n, perr := lookupPort(port); perr == nil {
		s.port = n
		s.name = strconv.Itoa(n)
		if host != "" {
			s.name = "[" + canonicalHost(host) + "]:" + s.name
		}
	} else {
		return perr
	}
	if host != "" {
		s.addrs = hostAddrs(host, env.protocols)
		if len(s.addrs) == 0 {
			return fmt.Errorf("bad hostname or network address: %s", name)
		}
	} else if s.addrs, err = interfaceAddrs(env.interfaces, env.protocols); err != nil {
		return err
	}
	if len(s.addrs) == 0 {
		return fmt.Errorf("no valid IP address found: %s", name)
	}
	s.localOnly = allLoopback(s.addrs)
	return nil
}

func canonicalHost(host string) string {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return host
}

// buildArgv builds the child's arguments exactly as Postfix's master:
// command [-l] [-z] [-n name] -t type [-d] [-v] [-u] [-c]
// [-o stress=] [-s N] args.
func (s *service) buildArgv(env *entryEnv, e *config.Service) {
	a := []string{e.Command}
	if s.maxProc == 1 {
		a = append(a, "-l")
	}
	if s.maxProc == 0 {
		a = append(a, "-z")
	}
	if filepath.Base(e.Command) != e.Name {
		a = append(a, "-n", e.Name)
	}
	a = append(a, "-t", e.Type)
	if env.foreground {
		a = append(a, "-d")
	}
	if env.verbose {
		a = append(a, "-v")
	}
	if e.IsUnpriv() {
		a = append(a, "-u")
	}
	if e.IsChroot(env.cfg) {
		a = append(a, "-c")
	}
	if s.typ == "inet" && !s.localOnly && s.maxProc > 1 {
		a = append(a, "-o", "stress=")
		s.stress = len(a) - 1
	}
	if n := s.fdCount(); n > 1 {
		a = append(a, "-s", strconv.Itoa(n))
	}
	s.argv = append(a, e.Args...)
}

// fdCount is the number of listening descriptors the service has.
func (s *service) fdCount() int {
	if s.typ == "inet" {
		return len(s.addrs)
	}
	return 1
}

// childArgv returns the argument vector for a new child, with
// "stress=yes" while the service is in stress mode.
func (s *service) childArgv(now time.Time) []string {
	if s.stress < 0 || !now.Before(s.stressEnd) {
		return s.argv
	}
	a := append([]string(nil), s.argv...)
	a[s.stress] = "stress=yes"
	return a
}

// key identifies a service across reloads: endpoint and type.
func (s *service) key() string { return s.name + "\x00" + s.typ }

// disabled is match_service_match over master_service_disable: patterns
// "type" or "name/type", "!" negates, the first match wins.
func disabled(patterns []string, e *config.Service) bool {
	for _, p := range patterns {
		match := true
		for strings.HasPrefix(p, "!") {
			p, match = p[1:], !match
		}
		if !strings.Contains(p, "/") && strings.Contains(p, ".") {
			p = p[:strings.LastIndexByte(p, '.')] + "/" + p[strings.LastIndexByte(p, '.')+1:]
		}
		subject := e.Type
		if strings.Contains(p, "/") {
			subject = e.Name + "/" + e.Type
		}
		if strings.EqualFold(subject, p) {
			return match
		}
	}
	return false
}
