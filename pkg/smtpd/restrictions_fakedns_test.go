package smtpd

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDNS is a recursive name server for tests: it answers from a small
// zone over UDP and TCP on one loopback address and port, as a real
// resolver would (CNAMEs followed within the zone, NXDOMAIN for unknown
// names, NODATA for a known name without the type asked for).
type fakeDNS struct {
	addr  string
	udp   *net.UDPConn
	tcp   net.Listener
	mu    sync.Mutex
	zone  map[string][]fakeRR // lower-case name
	fail  map[string]int      // name -> response code to answer with
	asked []string            // "name/TYPE" in arrival order
	wg    sync.WaitGroup
}

// dnsTypePTR is for the client name lookups of tests (RFC 1035 3.3.12).
const dnsTypePTR uint16 = 12

type fakeRR struct {
	typ  uint16
	data []byte // wire-format record data
}

// startFakeDNS serves on addr ("127.0.0.1:0" for any port) until the
// test ends.
func startFakeDNS(t testing.TB, addr string) *fakeDNS {
	t.Helper()
	f := &fakeDNS{zone: map[string][]fakeRR{}, fail: map[string]int{}}
	// The TCP port is the UDP one: with "127.0.0.1:0" another test's
	// connection may hold it over TCP, so a few ports are tried.
	for try := 0; ; try++ {
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		f.udp, f.addr = u.(*net.UDPConn), u.LocalAddr().String()
		if f.tcp, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		u.Close()
		if !strings.HasSuffix(addr, ":0") || try == 10 {
			t.Fatal(err)
		}
	}
	f.wg.Add(2)
	go f.serveUDP()
	go f.serveTCP()
	t.Cleanup(func() { f.udp.Close(); f.tcp.Close(); f.wg.Wait() })
	return f
}

// dns returns a stub resolver that asks only this server.
func (f *fakeDNS) dns() *DNS {
	return &DNS{Servers: []string{f.addr}, Timeout: 2 * time.Second, Attempts: 1}
}

// add adds a record: A/AAAA "addr", MX "pref host" (host "." is a null
// MX), NS/CNAME "host", TXT "text".
func (f *fakeDNS) add(name string, typ uint16, value string) *fakeDNS {
	var data []byte
	switch typ {
	case dnsTypeA, dnsTypeAAAA:
		data = netip.MustParseAddr(value).AsSlice()
	case dnsTypeMX:
		pref, host, _ := strings.Cut(value, " ")
		n, _ := strconv.Atoi(pref)
		data = binary.BigEndian.AppendUint16(nil, uint16(n))
		data, _ = appendDNSName(data, host)
	case dnsTypeNS, dnsTypeCNAME, dnsTypePTR:
		data, _ = appendDNSName(nil, value)
	case dnsTypeTXT:
		data = append([]byte{byte(len(value))}, value...)
	}
	f.mu.Lock()
	k := strings.ToLower(name)
	f.zone[k] = append(f.zone[k], fakeRR{typ, data})
	f.mu.Unlock()
	return f
}

// failWith makes queries for name get response code rcode.
func (f *fakeDNS) failWith(name string, rcode int) *fakeDNS {
	f.mu.Lock()
	f.fail[strings.ToLower(name)] = rcode
	f.mu.Unlock()
	return f
}

func (f *fakeDNS) queries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

func (f *fakeDNS) serveUDP() {
	defer f.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, from, err := f.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		if r := f.answer(buf[:n], 512); r != nil {
			f.udp.WriteTo(r, from)
		}
	}
}

func (f *fakeDNS) serveTCP() {
	defer f.wg.Done()
	for {
		c, err := f.tcp.Accept()
		if err != nil {
			return
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err == nil {
			q := make([]byte, binary.BigEndian.Uint16(l[:]))
			if _, err := io.ReadFull(c, q); err == nil {
				if r := f.answer(q, 65535); r != nil {
					c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(r))), r...))
				}
			}
		}
		c.Close()
	}
}

// answer builds the reply to query q; replies longer than limit are
// truncated to the header and question with TC set.
func (f *fakeDNS) answer(q []byte, limit int) []byte {
	m, err := parseDNSMsg(q)
	if err != nil || m.qdcount != 1 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, m.qname+"/"+dnsTypeName(m.qtype))
	rcode, answers := f.resolve(m.qname, m.qtype)
	r := binary.BigEndian.AppendUint16(nil, m.id)
	r = binary.BigEndian.AppendUint16(r, uint16(dnsFlagQR|dnsFlagRD|1<<7|rcode))
	r = append(r, 0, 1, 0, byte(len(answers)), 0, 0, 0, 0)
	r, _ = appendDNSName(r, m.qname)
	r = binary.BigEndian.AppendUint16(r, m.qtype)
	r = binary.BigEndian.AppendUint16(r, dnsClassIN)
	qlen := len(r)
	for _, a := range answers {
		r = append(r, a...)
	}
	if len(r) > limit {
		r = r[:qlen]
		r[2] |= dnsFlagTC >> 8
		r[7] = 0
	}
	return r
}

// resolve finds the answer records for name/qtype, following CNAMEs.
func (f *fakeDNS) resolve(name string, qtype uint16) (int, [][]byte) {
	var out [][]byte
	for range 8 {
		k := strings.ToLower(name)
		if rc, ok := f.fail[k]; ok {
			return rc, nil
		}
		rrs, known := f.zone[k]
		if !known {
			if len(out) > 0 {
				return rcodeNoError, out
			}
			return rcodeNXDomain, nil
		}
		cname := ""
		for _, rr := range rrs {
			if rr.typ == qtype || rr.typ == dnsTypeCNAME {
				out = append(out, packRR(name, rr))
			}
			if rr.typ == dnsTypeCNAME && qtype != dnsTypeCNAME {
				cname, _, _ = readDNSName(rr.data, 0)
			}
		}
		if cname == "" {
			return rcodeNoError, out
		}
		name = cname
	}
	return rcodeServFail, nil
}

func packRR(name string, rr fakeRR) []byte {
	b, _ := appendDNSName(nil, name)
	b = binary.BigEndian.AppendUint16(b, rr.typ)
	b = binary.BigEndian.AppendUint16(b, dnsClassIN)
	b = binary.BigEndian.AppendUint32(b, 60)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rr.data)))
	return append(b, rr.data...)
}

func TestFakeDNSAndStubResolver(t *testing.T) {
	f := startFakeDNS(t, "127.0.0.1:0")
	f.add("mx.example", dnsTypeA, "192.0.2.1").add("alias.example", dnsTypeCNAME, "mx.example").
		add("null.example", dnsTypeMX, "0 .").failWith("broken.example", rcodeServFail).
		add("refused.example", dnsTypeA, "192.0.2.9").failWith("refused.example", rcodeRefused)
	for i := 0; i < 60; i++ {
		f.add("big.example", dnsTypeTXT, strings.Repeat("x", 40))
	}
	srv := &Server{deps: Deps{DNS: f.dns()}, log: &testLog{}}
	for _, c := range []struct {
		name   string
		qtype  uint16
		status dnsStatus
		why    string
		n      int
	}{
		{"mx.example", dnsTypeA, dnsOK, "", 1},
		{"alias.example", dnsTypeA, dnsOK, "", 1},
		{"mx.example", dnsTypeMX, dnsNotFound, "Host or domain name not found. Name service error for name=mx.example type=MX: Host found but no data record of requested type", 0},
		{"nosuch.example", dnsTypeA, dnsNotFound, "Host or domain name not found. Name service error for name=nosuch.example type=A: Host not found", 0},
		{"null.example", dnsTypeMX, dnsNullMX, "Domain null.example does not accept mail (nullMX)", 0},
		{"broken.example", dnsTypeA, dnsRetry, "Host or domain name not found. Name service error for name=broken.example type=A: Host not found, try again", 0},
		{"refused.example", dnsTypeA, dnsFail, "Host or domain name not found. Name service error for name=refused.example type=A: Non-recoverable error", 0},
		{"1.2.3.4", dnsTypeA, dnsNotFound, "Name service error for 1.2.3.4: invalid host or domain name", 0},
		{"bad..name", dnsTypeA, dnsNotFound, "Name service error for bad..name: invalid host or domain name", 0},
		{"big.example", dnsTypeTXT, dnsOK, "", 60}, // truncated over UDP, complete over TCP
	} {
		r := srv.dnsLookup(c.name, c.qtype)
		if r.status != c.status || r.why != c.why || len(r.rrs) != c.n {
			t.Errorf("%s/%s: status %d why %q records %d", c.name, dnsTypeName(c.qtype), r.status, r.why, len(r.rrs))
		}
	}
}

func TestResolvConf(t *testing.T) {
	path := t.TempDir() + "/resolv.conf"
	write(t, path, "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1\nnameserver bogus\n"+
		"options timeout:3 attempts:4 rotate\n")
	d := ReadResolvConf(path)
	if strings.Join(d.Servers, " ") != "192.0.2.53:53 [::1]:53" || d.Timeout != 3*time.Second || d.Attempts != 4 {
		t.Errorf("%+v", d)
	}
	if d := ReadResolvConf(path + ".none"); len(d.Servers) != 0 || d.servers()[0] != "127.0.0.1:53" {
		t.Errorf("missing file: %+v", d)
	}
}
