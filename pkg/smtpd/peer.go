package smtpd

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The client's identity (smtpd_peer.c): address, port, and a host name
// that is only believed when the forward lookup of the reverse name
// gives the address back ("unknown" otherwise).

type nameStatus int

const (
	nameOK     nameStatus = iota // SMTPD_PEER_CODE_OK
	nameTemp                     // temporary lookup failure
	namePerm                     // no name
	nameForged                   // name does not resolve to the address
)

type peer struct {
	name, reverseName      string
	nameStat, revStat      nameStatus
	addr                   string // IPv6 without brackets or prefix
	rfcAddr                string // "IPv6:..." for IPv6
	port                   string
	family                 string // "inet", "inet6" or "" for non-IP
	serverAddr, serverPort string
	namaddr                string // name[addr] or name[addr]:port
}

// NameResolver does the DNS work of peer identification; *net.Resolver
// implements it.
type NameResolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// peerLookupLimit bounds the reverse and forward lookups together.
// XXX: Postfix relies on the resolver's own timeouts; Postern bounds the
// whole lookup so that a dead name server cannot hold a session.
const peerLookupLimit = 20 * time.Second

// identify fills in s.client from the connection.
func (s *session) identify(ctx context.Context) {
	c := &s.client
	remote, ok := tcpAddr(s.conn.RemoteAddr())
	if !ok {
		*c = peer{name: "localhost", reverseName: "localhost", addr: "127.0.0.1",
			rfcAddr: "127.0.0.1", port: "0", serverAddr: "127.0.0.1", serverPort: "0"}
		c.namaddr = c.name + "[" + c.addr + "]"
		return
	}
	ip := remote.Addr().Unmap()
	c.addr, c.rfcAddr, c.family = ip.String(), ip.String(), "inet"
	if ip.Is6() {
		c.rfcAddr, c.family = "IPv6:"+c.addr, "inet6"
	}
	c.port = strconv.Itoa(int(remote.Port()))
	if local, ok := tcpAddr(s.conn.LocalAddr()); ok {
		c.serverAddr, c.serverPort = local.Addr().Unmap().String(), strconv.Itoa(int(local.Port()))
	}
	s.lookupName(ctx, ip)
	c.namaddr = c.name + "[" + c.addr + "]"
	if s.p.portLogging {
		c.namaddr += ":" + c.port
	}
}

func tcpAddr(a net.Addr) (netip.AddrPort, bool) {
	switch t := a.(type) {
	case *net.TCPAddr:
		return t.AddrPort(), true
	}
	return netip.AddrPort{}, false
}

// lookupName does the reverse lookup and its forward confirmation
// (smtpd_peer_sockaddr_to_hostname).
func (s *session) lookupName(ctx context.Context, ip netip.Addr) {
	c := &s.client
	c.name, c.reverseName = "unknown", "unknown"
	c.nameStat, c.revStat = namePerm, namePerm
	if !s.p.peernameLookup {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, peerLookupLimit)
	defer cancel()
	name, st := s.reverseName(ctx, ip)
	if st != nameOK {
		c.nameStat, c.revStat = st, st
		return
	}
	c.reverseName, c.revStat = name, nameOK
	if st := s.confirmName(ctx, name, ip); st != nameOK {
		c.nameStat = st
		return
	}
	c.name, c.nameStat = name, nameOK
}

func (s *session) reverseName(ctx context.Context, ip netip.Addr) (string, nameStatus) {
	names, err := s.srv.deps.Names.LookupAddr(ctx, ip.String())
	if err != nil || len(names) == 0 {
		if isTempDNS(err) {
			return "", nameTemp
		}
		return "", namePerm
	}
	name := strings.TrimSuffix(names[0], ".")
	if validHostAddr(name) {
		s.srv.log.Warn("numeric hostname: %s", name)
		return "", namePerm
	}
	if !validHostname(name) {
		return "", namePerm
	}
	return name, nameOK
}

// confirmName checks that name resolves to ip.
func (s *session) confirmName(ctx context.Context, name string, ip netip.Addr) nameStatus {
	addrs, err := s.srv.deps.Names.LookupIPAddr(ctx, name)
	if err != nil {
		s.srv.log.Warn("hostname %s does not resolve to address %s: %s", name, ip, gaiError(err))
		if isTempDNS(err) {
			return nameTemp
		}
		return nameForged
	}
	for _, a := range addrs {
		if x, ok := netip.AddrFromSlice(a.IP); ok && x.Unmap() == ip {
			return nameOK
		}
	}
	s.srv.log.Warn("hostname %s does not resolve to address %s", name, ip)
	return nameForged
}

func isTempDNS(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && (de.IsTemporary || de.IsTimeout) && !de.IsNotFound ||
		errors.Is(err, context.DeadlineExceeded)
}

// gaiError words a lookup error as gai_strerror() does.
func gaiError(err error) string {
	if isTempDNS(err) {
		return "Temporary failure in name resolution"
	}
	return "Name or service not known"
}
