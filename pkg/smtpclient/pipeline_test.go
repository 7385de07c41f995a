package smtpclient

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// pipelineServer answers nothing after EHLO until it has read DATA: a
// client that waits for each reply before the next command never gets
// there. It records the command groups it received.
func pipelineServer(t *testing.T, dataReply string) (addr string, groups chan []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	groups = make(chan []string, 4)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReader(c)
		fmt.Fprintf(c, "220 mx.example ESMTP\r\n")
		var group []string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				fmt.Fprintf(c, "250-mx.example\r\n250 PIPELINING\r\n")
			case cmd == "DATA":
				groups <- append(group, cmd)
				group = nil
				fmt.Fprintf(c, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 unknown\r\n%s\r\n", dataReply)
				if strings.HasPrefix(dataReply, "354") {
					readData(br)
					fmt.Fprintf(c, "250 2.0.0 Ok: queued\r\n")
				}
			case cmd == "QUIT":
				fmt.Fprintf(c, "221 Bye\r\n")
				return
			case cmd == "RSET":
				groups <- []string{cmd}
				fmt.Fprintf(c, "250 2.0.0 Ok\r\n")
			default:
				group = append(group, cmd)
			}
		}
	}()
	return ln.Addr().String(), groups
}

// TestPipelining: with PIPELINING, MAIL FROM, the RCPT TOs and DATA are
// sent before any reply is read; replies are matched in order.
func TestPipelining(t *testing.T) {
	addr, groups := pipelineServer(t, "354 End data with <CR><LF>.<CR><LF>")
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": addr})
	m := newMessage(t, "s@example.org", testContent, "a@example.com", "b@example.com")
	r := run(t, m, cfg, "[192.0.2.9]")
	if statuses(r) != "sent bounced" {
		t.Fatalf("statuses %s\n%s", statuses(r), lg)
	}
	g := <-groups
	if strings.Join(g, "|") != "MAIL FROM:<s@example.org>|RCPT TO:<a@example.com>|RCPT TO:<b@example.com>|DATA" {
		t.Errorf("pipelined group %q", g)
	}
	lg.has(t, "to=<b@example.com>", "status=bounced (host 192.0.2.9[192.0.2.9] said: 550 5.1.1 unknown (in reply to RCPT TO command))")
}

// TestPipeliningDataRejected: DATA refused after an accepted recipient
// fails the message, and the session is reset.
func TestPipeliningDataRejected(t *testing.T) {
	addr, groups := pipelineServer(t, "554 5.5.1 Error: no valid recipients")
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": addr})
	m := newMessage(t, "s@example.org", testContent, "a@example.com", "b@example.com")
	r := run(t, m, cfg, "[192.0.2.9]")
	if statuses(r) != "bounced bounced" {
		t.Fatalf("statuses %s\n%s", statuses(r), lg)
	}
	<-groups
	if g := <-groups; len(g) != 1 || g[0] != "RSET" {
		t.Errorf("after the rejected DATA: %q, want RSET", g)
	}
	lg.has(t, "to=<a@example.com>", "status=bounced (host 192.0.2.9[192.0.2.9] said: 554 5.5.1 Error: no valid recipients (in reply to DATA command))")
}
