package tests

// Thousands of idle connections (a connection-exhaustion attack): 2000
// TCP connections from 40 loopback addresses (10000 from 100 with
// POSTERN_SOAK=1) that never send a byte, against smtpd with maxproc 30
// (sessions: a process may serve several, docs/architecture.md),
// smtpd_client_connection_count_limit = 10 and smtpd_timeout = 3s. The
// master never runs more than 30 sessions, the connections
// beyond them wait in the listen queue (or are refused by the kernel),
// anvil refuses an address's 11th concurrent session with 421, idle
// sessions end at smtpd_timeout, nothing crashes, and once the attack
// stops a legitimate client is served at once.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

const (
	idleMaxproc = 30
	idleLimit   = 10
	idleTimeout = 3 * time.Second
)

// idleConn is one attacking connection and what it saw.
type idleConn struct {
	addr     string
	greeting string    // first reply line, "" if none came
	at       time.Time // when it came
}

func TestHostileIdleConnections(t *testing.T) {
	nconn, naddr := 2000, 40
	if os.Getenv("POSTERN_SOAK") == "1" {
		nconn, naddr = 10000, 100
	}
	sink := startRecordSink(t)
	inst := harness.New(t, append(e2eNullClient(sink.port()), "smtpd_client_connection_count_limit = "+fmt.Sprint(idleLimit),
		"smtpd_client_event_limit_exceptions =", "smtpd_timeout = 3s", "smtpd_peername_lookup = no"),
		regexp.MustCompile(`(?m)^(127\.0\.0\.1:\{port:smtp\}\s+inet(?:\s+\S+){4}\s+)-`).
			ReplaceAllString(e2eMasterCF(t, "local", "virtual"), fmt.Sprintf("${1}%d", idleMaxproc)))
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	addr := inst.Addr(t, "smtp")

	stop := make(chan struct{})
	maxProcs := watchProcs(inst, stop)
	start := time.Now()
	// The attack lasts twice smtpd_timeout: sessions time out, the
	// listen queue moves.
	conns, established := openIdle(addr, nconn, naddr, start.Add(2*idleTimeout))
	for _, c := range established {
		c.Close()
	}
	close(stop)
	checkIdleConns(t, conns, start, naddr, int(maxProcs.Load()), len(established))

	// The attack is over: a legitimate client is served.
	c := dialSMTP(t, addr)
	if g := c.reply(); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("greeting after the attack: %q", g)
	}
	c.cmd("EHLO client.example")
	c.cmd("MAIL FROM:<a@example.com>")
	c.cmd("RCPT TO:<b@example.net>")
	c.cmd("DATA")
	if r := c.cmd("Subject: after\r\n\r\nhello\r\n."); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("message after the attack: %q", r)
	}
	c.cmd("QUIT")
	harness.Eventually(t, "the message at the next hop", func() bool { return sink.count() == 1 })
	inst.WaitLog(t, `warning: Connection concurrency limit exceeded: 11 from unknown\[127\.0\.0\.\d+\] for service`)
	checkNoCrash(t, inst.Log())
}

// watchProcs samples the number of smtpd processes until stop and
// returns the largest it saw.
func watchProcs(inst *harness.Instance, stop chan struct{}) *atomic.Int64 {
	var most atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if n := int64(len(inst.Children("smtpd", "-t", "inet"))); n > most.Load() {
				most.Store(n)
			}
		}
	}()
	return &most
}

// openIdle opens n connections, address after address (n/naddr each,
// from 127.0.0.2 on), up to 200 dials at a time, and reads each one's
// first reply line until the end of the attack.
func openIdle(addr string, n, naddr int, until time.Time) ([]*idleConn, []net.Conn) {
	conns := make([]*idleConn, n)
	var mu sync.Mutex
	var established []net.Conn
	sem := make(chan struct{}, 200)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		ic := &idleConn{addr: fmt.Sprintf("127.0.0.%d", 2+i*naddr/n)}
		conns[i] = ic
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ic.addr)}}
			c, err := d.Dial("tcp", addr)
			<-sem
			if err != nil {
				return
			}
			mu.Lock()
			established = append(established, c)
			mu.Unlock()
			c.SetReadDeadline(until)
			if l, err := bufio.NewReader(c).ReadString('\n'); err == nil {
				mu.Lock()
				ic.greeting, ic.at = strings.TrimSpace(l), time.Now()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return conns, established
}

// checkIdleConns checks the process limit and the per-address limit
// over the first smtpd_timeout (no idle session can have ended then).
func checkIdleConns(t *testing.T, conns []*idleConn, start time.Time, naddr, maxProcs, established int) {
	greeted := map[string]int{}
	var served, refused, waiting int
	for _, c := range conns {
		switch {
		case strings.HasPrefix(c.greeting, "220 "):
			served++
			if c.at.Sub(start) < idleTimeout-500*time.Millisecond {
				greeted[c.addr]++
			}
		case strings.HasPrefix(c.greeting, "421 4.7.0 client.example.com Error: too many connections from "+c.addr):
			refused++
		case c.greeting == "":
			waiting++
		default:
			t.Errorf("unexpected greeting %q", c.greeting)
		}
	}
	early := 0
	for a, n := range greeted {
		early += n
		if n > idleLimit {
			t.Errorf("%s had %d sessions at once, limit %d", a, n, idleLimit)
		}
	}
	if maxProcs > idleMaxproc || early > idleMaxproc {
		t.Errorf("%d smtpd processes, %d sessions at once; maxproc %d", maxProcs, early, idleMaxproc)
	}
	if refused == 0 {
		t.Error("anvil refused no connection")
	}
	t.Logf("idle connections: %d tried from %d addresses, %d established, %d served (%d in the first %v), "+
		"%d refused by anvil, %d never greeted; at most %d smtpd processes (maxproc %d sessions)",
		len(conns), naddr, established, served, early, idleTimeout, refused, waiting, maxProcs, idleMaxproc)
}
