package master

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// Network addresses of inet services, as Postfix's inet_proto.c,
// own_inet_addr.c, inet_addr_host.c and host_port.c compute them.

// protocols are the address families that inet_protocols enables and
// that the kernel supports.
type protocols struct{ v4, v6 bool }

// inetProtocols parses inet_protocols ("all", "ipv4", "ipv6", a list).
// A family the kernel lacks is disabled with Postfix's warning.
func inetProtocols(value string) (protocols, error) {
	var p protocols
	for _, w := range config.SplitList(value) {
		switch strings.ToLower(w) {
		case "all":
			p.v4, p.v6 = true, true
		case "ipv4":
			p.v4 = true
		case "ipv6":
			p.v6 = true
		default:
			return p, fmt.Errorf("bad inet_protocols value: %s", value)
		}
	}
	if p.v6 && !familySupported(unix.AF_INET6) {
		maillog.Warn("inet_protocols: disabling IPv6 name/address support: Address family not supported by protocol")
		p.v6 = false
	}
	if p.v4 && !familySupported(unix.AF_INET) {
		maillog.Warn("inet_protocols: disabling IPv4 name/address support: Address family not supported by protocol")
		p.v4 = false
	}
	return p, nil
}

func familySupported(family int) bool {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

func (p protocols) allows(ip net.IP) bool {
	if ip.To4() != nil {
		return p.v4
	}
	return p.v6
}

// wildcardAddrs is wildcard_inet_addr_list: one wildcard per family.
func (p protocols) wildcardAddrs() []net.IP {
	var out []net.IP
	if p.v4 {
		out = append(out, net.IPv4zero)
	}
	if p.v6 {
		out = append(out, net.IPv6unspecified)
	}
	return out
}

// interfaceAddrs returns the addresses that inet_interfaces selects:
// "all" (the wildcards), "loopback-only" (the loopback interface
// addresses) or a list of addresses and host names, each of which must
// be the address of a local interface.
func interfaceAddrs(value string, p protocols) ([]net.IP, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "all":
		return p.wildcardAddrs(), nil
	case "loopback-only":
		return loopbackAddrs(p)
	}
	var out []net.IP
	for _, host := range config.SplitList(value) {
		ips := hostAddrs(host, p)
		if len(ips) == 0 {
			return nil, fmt.Errorf("config variable inet_interfaces: host not found: %s", host)
		}
		out = append(out, ips...)
	}
	out = uniqAddrs(out)
	return out, checkLocal(out, p)
}

func loopbackAddrs(p protocols) ([]net.IP, error) {
	local, err := localAddrs(p)
	if err != nil {
		return nil, err
	}
	var out []net.IP
	for _, ip := range local {
		if ip.IsLoopback() {
			out = append(out, ip)
		}
	}
	return out, nil
}

// localAddrs lists the addresses of the active interfaces.
func localAddrs(p protocols) ([]net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil || len(addrs) == 0 {
		return nil, errors.New("could not find any active network interfaces")
	}
	var out []net.IP
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && p.allows(ipn.IP) {
			out = append(out, ipn.IP)
		}
	}
	return out, nil
}

func checkLocal(ips []net.IP, p protocols) error {
	local, err := localAddrs(p)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		found := false
		for _, l := range local {
			found = found || l.Equal(ip)
		}
		if !found {
			return fmt.Errorf("parameter inet_interfaces: no local interface found for %s", ip)
		}
	}
	return nil
}

// hostAddrs is inet_addr_host: the addresses of a numeric address (in
// [] or not) or host name, limited to the enabled families.
func hostAddrs(host string, p protocols) []net.IP {
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	host = strings.TrimPrefix(strings.TrimPrefix(host, "IPv6:"), "ipv6:")
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else if found, err := net.LookupIP(host); err == nil {
		ips = found
	}
	var out []net.IP
	for _, ip := range ips {
		if p.allows(ip) {
			out = append(out, ip)
		}
	}
	return uniqAddrs(out)
}

func uniqAddrs(ips []net.IP) []net.IP {
	var out []net.IP
	for _, ip := range ips {
		dup := false
		for _, o := range out {
			dup = dup || o.Equal(ip)
		}
		if !dup {
			out = append(out, ip)
		}
	}
	return out
}

// splitHostPort is host_port(): "[host]:port", "[host]:", "host:port",
// ":port" or "port". host is "" when none is given.
func splitHostPort(name string) (host, port string, err error) {
	if strings.HasPrefix(name, "[") {
		end := strings.IndexByte(name, ']')
		if end < 0 {
			return "", "", errors.New("missing \"]\"")
		}
		host, rest := name[1:end], name[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", "", errors.New("garbage after \"]\"")
		}
		port = strings.TrimPrefix(rest, ":")
		if h, ok := strings.CutPrefix(strings.ToLower(host), "ipv6:"); ok {
			if net.ParseIP(h) == nil {
				return "", "", errors.New("malformed IPv6 address")
			}
			host = host[5:]
		}
		return checkHostPort(host, port)
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return checkHostPort(name[:i], name[i+1:])
	}
	return checkHostPort("", name)
}

func checkHostPort(host, port string) (string, string, error) {
	if port == "" {
		return "", "", errors.New("missing service information")
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return "", "", errors.New("valid hostname or network address required")
	}
	if port[0] >= '0' && port[0] <= '9' {
		if _, err := strconv.Atoi(port); err != nil {
			return "", "", errors.New("garbage after numerical service")
		}
	}
	return host, port, nil
}

func validHostname(h string) bool {
	if len(h) > 255 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			ok := c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
			if !ok {
				return false
			}
		}
	}
	return true
}

// lookupPort converts a numeric or symbolic (/etc/services) TCP port.
func lookupPort(port string) (int, error) {
	n, err := net.LookupPort("tcp", port)
	if err != nil {
		return 0, fmt.Errorf("unknown service: %s/tcp", port)
	}
	return n, nil
}

// allLoopback reports whether every address is a loopback address: such
// a service never runs in stress mode (MASTER_FLAG_LOCAL_ONLY).
func allLoopback(ips []net.IP) bool {
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}
