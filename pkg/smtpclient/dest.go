package smtpclient

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Destination is one parsed nexthop entry (smtp_parse_destination):
// "[host]:port", "host:service", "[host]", "host"; for LMTP also
// "inet:host:port" and "unix:/path".
type Destination struct {
	Raw  string // as written
	Host string // host name or address, without brackets
	Port int    // 0 for UNIX-domain sockets
	NoMX bool   // [host]: no MX lookup
	Unix string // UNIX-domain socket path ("unix:" form)
}

// SplitDestinations splits a nexthop list ("host1, [host2]:587") on
// commas and white space (argv_split with CHARS_COMMA_SP).
func SplitDestinations(nexthop string) []string {
	return strings.FieldsFunc(nexthop, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// ParseDestination parses one destination; defService is the port or
// service name used when the destination has none (smtp_tcp_port,
// lmtp_tcp_port). lmtp selects LMTP syntax ("unix:" and "inet:").
func ParseDestination(dest, defService string, lmtp bool) (Destination, error) {
	d := Destination{Raw: dest}
	s := dest
	if lmtp {
		if p, ok := strings.CutPrefix(s, "unix:"); ok {
			d.Unix = p
			return d, nil
		}
		s = strings.TrimPrefix(s, "inet:")
	}
	host, service, err := hostPort(s, defService)
	if err != nil {
		return d, fmt.Errorf("%s in server description: %s", err, dest)
	}
	d.NoMX = strings.HasPrefix(s, "[")
	if len(host) > 5 && strings.EqualFold(host[:5], "ipv6:") {
		host = host[5:]
	}
	d.Host = host
	if d.Port, err = servicePort(service); err != nil {
		return d, fmt.Errorf("%v for destination: %s", err, dest)
	}
	return d, nil
}

// hostPort splits "[host]:port", "host:port", "[host]" or "host"
// (util/host_port.c).
func hostPort(s, defService string) (host, service string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", fmt.Errorf("missing \"]\"")
		}
		host, rest := s[1:end], s[end+1:]
		switch {
		case rest == "":
			return host, defService, nil
		case strings.HasPrefix(rest, ":") && rest != ":":
			return host, rest[1:], nil
		}
		return "", "", fmt.Errorf("garbage after \"]\"")
	}
	host, service, found := strings.Cut(s, ":")
	if !found || service == "" {
		service = defService
	}
	if host == "" {
		return "", "", fmt.Errorf("missing host")
	}
	if strings.Contains(service, ":") {
		return "", "", fmt.Errorf("bad port")
	}
	return host, service, nil
}

// servicePort converts a port number or service name (getservbyname).
func servicePort(service string) (int, error) {
	if service != "" && digits(service) == len(service) {
		n, err := strconv.Atoi(service)
		if err != nil || n == 0 || n >= 65536 {
			return 0, fmt.Errorf("bad network port: %s", service)
		}
		return n, nil
	}
	n, err := net.LookupPort("tcp", service)
	if err != nil || service == "" {
		return 0, fmt.Errorf("unknown service: %s/tcp", service)
	}
	return n, nil
}
