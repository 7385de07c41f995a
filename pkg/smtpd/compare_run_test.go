package smtpd

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCompareWithPostfix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real Postfix")
	}
	o := startOracle(t)
	posterns := map[string]*testServer{}
	for _, v := range oracleVariants {
		settings := map[string]string{}
		for k, val := range oracleBase {
			settings[k] = val
		}
		for k, val := range v.overrides {
			settings[k] = val
		}
		ts := startServer(t, settings, func(d *Deps) { d.FreeSpace = freeSpace })
		ts.q.mu.Lock()
		ts.q.hexIDs = true
		ts.q.mu.Unlock()
		posterns[v.name] = ts
	}
	o.smtpdLines(t, len(oracleVariants)) // the connections of waitPort
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			addr := fmt.Sprintf("127.0.0.1:%d", o.ports[sc.variant])
			want := runScript(t, addr, sc)
			wantLog := normalize(o.smtpdLines(t, 1))
			ts := posterns[sc.variant]
			got := runScript(t, ts.ln.Addr().String(), sc)
			ts.waitLog(t, "info: disconnect from")
			gotLog := normalize(ts.takeLog())
			t.Logf("postfix replies:\n%s\npostfix log:\n%s", strings.Join(want, "\n"), strings.Join(wantLog, "\n"))
			compareLines(t, "reply", want, got)
			compareLines(t, "log", wantLog, gotLog)
		})
	}
}

// runScript plays a script and returns the normalized replies.
func runScript(t *testing.T, addr string, sc script) []string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	var out []string
	read := func(wait time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(wait))
		rep, err := readReply(r)
		if err != nil {
			out = append(out, "("+err.Error()+")")
			return false
		}
		out = append(out, rep)
		return true
	}
	read(10 * time.Second)
	for _, st := range sc.steps {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(st.send)); err != nil {
			out = append(out, "(EOF)")
			return normalize(out)
		}
		for i := 0; i < st.replies; i++ {
			if !read(10 * time.Second) {
				return normalize(out)
			}
		}
	}
	if n := len(sc.steps); n > 0 && sc.steps[n-1].replies == 0 {
		return normalize(out)
	}
	for read(5 * time.Second) {
	}
	return normalize(out)
}

func readReply(r *bufio.Reader) (string, error) {
	var lines []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			if len(lines) == 0 && l == "" {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					return "", fmt.Errorf("timeout")
				}
				return "", fmt.Errorf("EOF")
			}
			return strings.Join(append(lines, l), "\n"), nil
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(lines, "\n"), nil
		}
	}
}

var (
	qidRE  = regexp.MustCompile(`\b[0-9A-F]{10,12}\b`)
	freeRE = regexp.MustCompile(`free space in mail queue: \d+ bytes`)
)

func normalize(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimPrefix(l, "info: ")
		l = freeRE.ReplaceAllString(l, "free space in mail queue: N bytes")
		out = append(out, qidRE.ReplaceAllString(l, "QID"))
	}
	return out
}

func compareLines(t *testing.T, what string, want, got []string) {
	t.Helper()
	n := max(len(want), len(got))
	for i := 0; i < n; i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("%s %d:\n postfix: %q\n postern: %q", what, i, w, g)
		}
	}
}

// takeLog returns and clears the log lines recorded so far.
func (ts *testServer) takeLog() []string {
	ts.log.mu.Lock()
	defer ts.log.mu.Unlock()
	l := ts.log.lines
	ts.log.lines = nil
	return l
}

var _ sync.Mutex
