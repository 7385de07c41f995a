package smtpd

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// DNS is the stub resolver of the DNS-based restrictions. It asks the
// name servers of resolv.conf(5) the way the C library's res_query()
// does for Postfix's dns_lookup(): one question over UDP (RFC 1035
// 4.2.1), again over TCP when the reply is truncated (4.2.2), servers
// in order, "attempts" rounds, and no search domains. Postern does not
// use Go's resolver here because it consults /etc/hosts, appends search
// domains and does not tell a missing name from a server failure the
// way the restrictions must.
type DNS struct {
	Servers  []string      // "address:port"; empty means 127.0.0.1:53
	Timeout  time.Duration // per query; 0 means 5s (RES_TIMEOUT)
	Attempts int           // rounds over Servers; 0 means 2 (RES_DFLRETRY)
}

// h_errno values (netdb.h).
const (
	hostNotFound = 1 // HOST_NOT_FOUND
	tryAgain     = 2 // TRY_AGAIN
	noRecovery   = 3 // NO_RECOVERY
	noData       = 4 // NO_DATA
)

// hErrnoText is dns_strerror().
func hErrnoText(h int) string {
	switch h {
	case hostNotFound:
		return "Host not found"
	case tryAgain:
		return "Host not found, try again"
	case noRecovery:
		return "Non-recoverable error"
	case noData:
		return "Host found but no data record of requested type"
	}
	return "Unknown error " + strconv.Itoa(h)
}

// SystemDNS reads /etc/resolv.conf; a file that cannot be read gives
// the C library's defaults.
func SystemDNS() *DNS { return ReadResolvConf("/etc/resolv.conf") }

// ReadResolvConf reads the nameserver lines (at most three, MAXNS) and
// the timeout and attempts options of a resolv.conf(5) file.
func ReadResolvConf(path string) *DNS {
	d := &DNS{}
	f, err := os.Open(path)
	if err != nil {
		return d
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") || strings.HasPrefix(fields[0], ";") {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if a, err := netip.ParseAddr(fields[1]); err == nil && len(d.Servers) < 3 {
				d.Servers = append(d.Servers, netip.AddrPortFrom(a, 53).String())
			}
		case "options":
			d.options(fields[1:])
		}
	}
	return d
}

func (d *DNS) options(opts []string) {
	for _, o := range opts {
		name, val, _ := strings.Cut(o, ":")
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			continue
		}
		switch name {
		case "timeout":
			d.Timeout = time.Duration(min(n, 30)) * time.Second
		case "attempts":
			d.Attempts = min(n, 5)
		}
	}
}

func (d *DNS) servers() []string {
	if len(d.Servers) == 0 {
		return []string{"127.0.0.1:53"}
	}
	return d.Servers
}

// resQuery asks for name/qtype as res_query() does. It returns the reply
// and 0, or the h_errno value that res_query() sets: HOST_NOT_FOUND for
// NXDOMAIN, NO_DATA for an empty answer, TRY_AGAIN for SERVFAIL or no
// answer at all, NO_RECOVERY for the other response codes.
func (d *DNS) resQuery(name string, qtype uint16) (*dnsMsg, int) {
	q, err := packDNSQuery(uint16(rand.Uint32()), name, qtype)
	if err != nil {
		return nil, hostNotFound
	}
	attempts, timeout := d.Attempts, d.Timeout
	if attempts <= 0 {
		attempts = 2
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var last *dnsMsg
	for try := 0; try < attempts; try++ {
		for _, srv := range d.servers() {
			m, err := exchangeDNS(srv, q, timeout)
			if err != nil {
				continue
			}
			last = m
			if rc := m.rcode(); rc == rcodeServFail || rc == rcodeNotImp || rc == rcodeRefused {
				continue // res_send() tries the next server
			}
			return m, replyHErrno(m)
		}
	}
	if last == nil {
		return nil, tryAgain
	}
	return last, replyHErrno(last)
}

func replyHErrno(m *dnsMsg) int {
	switch rc := m.rcode(); {
	case rc == rcodeNoError && m.ancount > 0:
		return 0
	case rc == rcodeNoError:
		return noData
	case rc == rcodeNXDomain:
		return hostNotFound
	case rc == rcodeServFail:
		return tryAgain
	}
	return noRecovery
}

// exchangeDNS sends q to server over UDP, and over TCP when the reply
// is truncated. Replies with another ID or question are ignored.
func exchangeDNS(server string, q []byte, timeout time.Duration) (*dnsMsg, error) {
	c, err := net.DialTimeout("udp", server, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(q); err != nil {
		return nil, err
	}
	buf := make([]byte, 65535)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		m, err := parseDNSMsg(buf[:n])
		if err != nil || !sameQuestion(m, q) {
			continue
		}
		if m.truncated() {
			return exchangeDNSTCP(server, q, timeout)
		}
		return m, nil
	}
}

func exchangeDNSTCP(server string, q []byte, timeout time.Duration) (*dnsMsg, error) {
	c, err := net.DialTimeout("tcp", server, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	msg := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
	if _, err := c.Write(append(msg, q...)); err != nil {
		return nil, err
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		return nil, err
	}
	m, err := parseDNSMsg(buf)
	if err != nil {
		return nil, err
	}
	if !sameQuestion(m, q) {
		return nil, errors.New("DNS reply does not match the query")
	}
	return m, nil
}

// sameQuestion checks the ID, the QR bit and the question of a reply.
func sameQuestion(m *dnsMsg, q []byte) bool {
	if m.id != binary.BigEndian.Uint16(q) || m.flags&dnsFlagQR == 0 {
		return false
	}
	if m.qdcount == 0 && m.rcode() != rcodeNoError {
		return true // res_queriesmatch() is not asked for error replies without a question
	}
	qm, err := parseDNSMsg(q)
	if err != nil {
		return false
	}
	return m.qdcount == 1 && strings.EqualFold(m.qname, qm.qname) && m.qtype == qm.qtype
}
