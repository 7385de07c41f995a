package tests

// Load: 500 concurrent connections from one address against a
// connection count limit of 50 (on Postern and on the real Postfix), and
// anvil's memory with 20,000 distinct clients per round (100,000 under
// POSTERN_SOAK=1).

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

const (
	loadClients = 500
	loadLimit   = 50
)

// loadService is one smtpd service whose process limit is above the
// number of clients: with one process per session the default of 100
// would otherwise limit first.
var loadService = anvilService{name: "load", overrides: []string{
	"smtpd_client_connection_count_limit=" + strconv.Itoa(loadLimit)}, maxproc: "600"}

// holdConnections opens n connections at once, reads each greeting and
// keeps the connections open until all have answered; it returns how
// many got 220 and how many 421.
func holdConnections(t *testing.T, addr string, n int, held func()) (ok, refused int, others []string) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	conns := make(chan net.Conn, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 60*time.Second)
			if err != nil {
				mu.Lock()
				others = append(others, err.Error())
				mu.Unlock()
				return
			}
			conns <- c
			c.SetDeadline(time.Now().Add(180 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(line, "220 "):
				ok++
			case strings.HasPrefix(line, "421 4.7.0 ") && strings.Contains(line, "Error: too many connections from 127.0.0.1"):
				refused++
			default:
				others = append(others, fmt.Sprintf("%q %v", line, err))
			}
		}()
	}
	wg.Wait()
	if held != nil {
		held()
	}
	close(conns)
	for c := range conns {
		c.Close()
	}
	return ok, refused, others
}

// TestAnvilLoadConnectionCount: 500 concurrent connections from
// 127.0.0.1 against smtpd_client_connection_count_limit = 50 and a
// process limit of 600: exactly 50 sessions, 450 refused, on Postern
// and on Postfix.
func TestAnvilLoadConnectionCount(t *testing.T) {
	if testing.Short() {
		t.Skip("500 smtpd processes")
	}
	master := masterLines([]anvilService{loadService}, func(string) string { return "{port:load}" }) +
		"anvil unix - - n - 1 anvil\n"
	inst := harness.Start(t, anvilMainCF, master)
	inst.WaitListen(t, "load")
	start := time.Now()
	ok, refused, others := holdConnections(t, inst.Addr(t, "load"), loadClients, func() {
		// anvil's own count, once the refused sessions have gone.
		sock := filepath.Join(inst.QueueDir, "private", "anvil")
		ident := "ident=" + inst.Addr(t, "load") + ":127.0.0.1"
		var got string
		harness.Eventually(t, "anvil's count of the held sessions", func() bool {
			c := anvilDial(t, sock)
			defer c.Close()
			c.Write([]byte("request=lookup\n" + ident + "\n\n"))
			got = c.list(t)
			return strings.HasPrefix(got, fmt.Sprintf("status=0\ncount=%d\nrate=%d\n", loadLimit, loadClients))
		})
	})
	t.Logf("postern: %d greeted, %d refused in %v", ok, refused, time.Since(start).Round(time.Millisecond))
	if ok != loadLimit || refused != loadClients-loadLimit || len(others) > 0 {
		t.Errorf("postern: %d greeted, %d refused, others %q", ok, refused, others)
	}
	inst.WaitLogCount(t, `postfix/smtpd\[\d+\]: warning: Connection concurrency limit exceeded: \d+ from unknown\[127\.0\.0\.1\] for service 127\.0\.0\.1:\d+`,
		loadClients-loadLimit)

	real := startRealPostfix(t, anvilMainCF, []anvilService{loadService})
	anvilWaitListen(t, real.ports["load"])
	start = time.Now()
	ok, refused, others = holdConnections(t, real.addr("load"), loadClients, nil)
	t.Logf("postfix: %d greeted, %d refused in %v", ok, refused, time.Since(start).Round(time.Millisecond))
	if ok != loadLimit || refused != loadClients-loadLimit || len(others) > 0 {
		t.Errorf("postfix: %d greeted, %d refused, others %q", ok, refused, others)
	}
}

// TestAnvilMemory: anvil under its master, driven over private/anvil
// with 20,000 distinct idents per round (100,000 under POSTERN_SOAK=1)
// for three rounds. Between
// rounds the clients' connection closes, and the entries expire one
// time unit later: each round's "max cache size" is one round's worth,
// never the sum, and anvil's resident memory does not grow from round
// to round.
func TestAnvilMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("60,000 anvil requests")
	}
	// Each client connection of anvil counts one remote client at a
	// time (a connect drops the previous one), so an entry expires one
	// time unit after the next connect on the same connection: the unit
	// must outlast a round for the round to fill the table.
	// The quick form has 20,000 idents a round (filled in about a
	// second on a loaded machine, well inside the 4s unit);
	// POSTERN_SOAK=1 has 100,000 with a unit of 20s.
	n, unit := 20000, fmt.Sprintf("%ds", 4*harness.RaceScale) // a race-built anvil fills slower
	if os.Getenv("POSTERN_SOAK") == "1" {
		n, unit = 100000, "20s"
	}
	// (Under -race both scale: waitEmpty's probes, one per status
	// update, must stay fewer than 10 within a unit.)
	inst := harness.Start(t, []string{"anvil_rate_time_unit = " + unit,
		fmt.Sprintf("anvil_status_update_time = %ds", harness.RaceScale)},
		"anvil unix - - n - 1 anvil\n")
	sock := filepath.Join(inst.QueueDir, "private", "anvil")
	harness.Eventually(t, "private/anvil", func() bool { _, err := os.Stat(sock); return err == nil })
	var peaks []int64
	for round := 0; round < 3; round++ {
		off := int64(len(inst.Log()))
		c := anvilDial(t, sock)
		c.pipeline(t, n, func(i int) string {
			return fmt.Sprintf("request=connect\nident=smtp:10.%d.%d.%d\n\n", round, i>>8, i&255)
		})
		// A mark after the round: two connections from one more ident,
		// whose "max connection count 2" line comes in the statistics
		// after the round's last insert.
		mark := fmt.Sprintf("mark:%d", round)
		for i := 0; i < 2; i++ {
			m := anvilDial(t, sock)
			m.pipeline(t, 1, func(int) string { return "request=connect\nident=" + mark + "\n\n" })
			defer m.Close()
		}
		size := maxCacheSize(t, inst, off, mark)
		rss := anvilRSS(t, inst)
		peaks = append(peaks, rss)
		c.Close()
		t.Logf("round %d: %d idents, max cache size %d, anvil RSS %d kB", round+1, n, size, rss)
		if size < n || size > n+20 { // the marks and probes of earlier rounds may still be there
			t.Errorf("round %d: max cache size %d, want %d", round+1, size, n)
		}
		waitEmpty(t, inst, sock)
	}
	if peaks[2] > peaks[0]*5/4 {
		t.Errorf("anvil RSS grew from %d kB to %d kB", peaks[0], peaks[2])
	}
	t.Logf("anvil RSS after expiry: %d kB", anvilRSS(t, inst))
	if t.Failed() {
		t.Log(inst.Log())
	}
}

// anvilProto is a raw anvil protocol connection.
type anvilProto struct {
	net.Conn
	r *bufio.Reader
}

func anvilDial(t *testing.T, path string) *anvilProto {
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(120 * time.Second))
	a := &anvilProto{Conn: c, r: bufio.NewReaderSize(c, 1<<16)}
	if got := a.list(t); got != "protocol=anvil_protocol\n\n" {
		t.Fatalf("announcement %q", got)
	}
	return a
}

func (a *anvilProto) list(t *testing.T) string {
	var b strings.Builder
	for {
		l, err := a.r.ReadString('\n')
		if err != nil {
			t.Fatalf("anvil: %v after %q", err, b.String())
		}
		b.WriteString(l)
		if l == "\n" {
			return b.String()
		}
	}
}

// pipeline sends n requests in batches and reads their replies.
func (a *anvilProto) pipeline(t *testing.T, n int, req func(int) string) {
	const batch = 1000
	w := bufio.NewWriterSize(a.Conn, 1<<16)
	for i := 0; i < n; i += batch {
		for j := i; j < i+batch && j < n; j++ {
			w.WriteString(req(j))
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		for j := i; j < i+batch && j < n; j++ {
			if l := a.list(t); !strings.HasPrefix(l, "status=0\n") {
				t.Fatalf("reply %q", l)
			}
		}
	}
}

var cacheSizeRE = regexp.MustCompile(`postfix/anvil\[\d+\]: statistics: max cache size (\d+) at `)

// waitCacheSize waits for the first "max cache size" line after byte
// offset off of the log.
func waitCacheSize(t *testing.T, inst *harness.Instance, off int64) int {
	t.Helper()
	var size int
	harness.Eventually(t, "a statistics line", func() bool {
		m := cacheSizeRE.FindStringSubmatch(inst.Log()[off:])
		if m != nil {
			size, _ = strconv.Atoi(m[1])
		}
		return m != nil
	})
	return size
}

// maxCacheSize waits for the statistics that name mark as the maximal
// connection count and returns the largest "max cache size" logged
// since byte offset off, up to those statistics.
func maxCacheSize(t *testing.T, inst *harness.Instance, off int64, mark string) int {
	t.Helper()
	re := regexp.MustCompile(`statistics: max connection count 2 for \(` + mark + `\) at .*\n.*statistics: max cache size \d+ at `)
	var upto int
	harness.Eventually(t, "the statistics after "+mark, func() bool {
		loc := re.FindStringIndex(inst.Log()[off:])
		if loc != nil {
			upto = loc[1]
		}
		return loc != nil
	})
	size := 0
	for _, m := range cacheSizeRE.FindAllStringSubmatch(inst.Log()[off:][:upto], -1) {
		n, _ := strconv.Atoi(m[1])
		size = max(size, n)
	}
	return size
}

// waitEmpty probes until a new entry finds the table empty but for the
// probes of the last time unit: its interval's "max cache size" is
// small.
func waitEmpty(t *testing.T, inst *harness.Instance, sock string) {
	t.Helper()
	for i := 0; ; i++ {
		off := int64(len(inst.Log()))
		c := anvilDial(t, sock)
		c.pipeline(t, 1, func(int) string { return fmt.Sprintf("request=connect\nident=probe:%d\n\n", i) })
		c.Close()
		if waitCacheSize(t, inst, off) < 10 {
			return
		}
		if i > 100 {
			t.Fatal("the table never emptied")
		}
	}
}

// anvilRSS returns the resident set size of the anvil process in kB.
func anvilRSS(t *testing.T, inst *harness.Instance) int64 {
	t.Helper()
	p := inst.Children("anvil")
	if len(p) != 1 {
		t.Fatalf("anvil processes: %v", p)
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p[0].PID))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no VmRSS")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb
}
