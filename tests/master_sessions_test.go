package tests

import (
	"bufio"
	"fmt"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// TestMasterSessionLimit: a single server that serves up to three
// clients per process (Options.Sessions) under maxproc 5 serves five
// clients at once, in two processes (three and the budget that is left,
// two), while the others wait in the listen queue; maxproc still counts
// concurrent sessions, as in Postfix.
func TestMasterSessionLimit(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, nil, "127.0.0.1:{port:echo} inet n - n - 5 testd sessions\n")
	stopWatch := watchChildren(t, inst, "testd", 2)
	defer stopWatch()

	const n = 8
	conns := make([]*client, n)
	greeted := make(chan int, n)
	for i := range conns {
		cl := &client{t: t, c: inst.Dial(t, "echo")}
		cl.r = bufio.NewReader(cl.c)
		conns[i] = cl
		go func(i int) {
			if line, err := cl.r.ReadString('\n'); err == nil {
				fmt.Sscanf(line, "hello %d", &cl.pid)
				greeted <- i
			}
		}(i)
	}
	var served []int
	for len(served) < 5 {
		select {
		case i := <-greeted:
			served = append(served, i)
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d clients served, want 5", len(served))
		}
	}
	select {
	case i := <-greeted:
		t.Fatalf("client %d served beyond the session limit", i)
	case <-time.After(500 * time.Millisecond):
	}
	perPID := map[int]int{}
	for _, i := range served {
		perPID[conns[i].pid]++
	}
	if len(perPID) != 2 {
		t.Errorf("sessions per process %v, want two processes", perPID)
	}
	for pid, k := range perPID {
		if k > 3 {
			t.Errorf("process %d serves %d clients, want at most 3", pid, k)
		}
	}
	// Each client that leaves lets one waiting client in.
	for done := 0; done < n; done++ {
		i := served[done]
		if got := conns[i].ask("ping"); got != "ping" {
			t.Fatalf("echo %q", got)
		}
		conns[i].quit()
		if len(served) < n {
			select {
			case j := <-greeted:
				served = append(served, j)
			case <-time.After(30 * time.Second):
				t.Fatalf("no waiting client served after client %d left", i)
			}
		}
	}
}

// TestMasterSessionReload: after a reload, a child serving several
// sessions accepts no new client and gives back each session that ends,
// so that a new child takes the next client while the old one still
// serves its others (as each single-server process of Postfix frees its
// slot when its client leaves).
func TestMasterSessionReload(t *testing.T) {
	t.Parallel()
	const cf = "127.0.0.1:{port:echo} inet n - n - 3 testd sessions\n"
	inst := harness.Start(t, nil, cf)
	old := []*client{dialTestd(t, inst, "echo"), dialTestd(t, inst, "echo"), dialTestd(t, inst, "echo")}
	for _, cl := range old[1:] {
		if cl.pid != old[0].pid {
			t.Fatalf("pids %d and %d: want one process for three sessions", old[0].pid, cl.pid)
		}
	}
	inst.WriteMasterCF(t, cf)
	inst.Reload(t)
	inst.WaitLog(t, `postfix/master\[\d+\]: reload -- version 3\.7\.11, configuration `+inst.ConfigDir+`$`)

	// All three sessions are held: a new client waits.
	waiting := &client{t: t, c: inst.Dial(t, "echo")}
	waiting.r = bufio.NewReader(waiting.c)
	greeted := make(chan struct{})
	go func() {
		if line, err := waiting.r.ReadString('\n'); err == nil {
			fmt.Sscanf(line, "hello %d", &waiting.pid)
		}
		close(greeted)
	}()
	select {
	case <-greeted:
		t.Fatalf("client served beyond the limit (pid %d)", waiting.pid)
	case <-time.After(500 * time.Millisecond):
	}
	old[0].quit()
	select {
	case <-greeted:
	case <-time.After(30 * time.Second):
		t.Fatal("no client served after an old session ended")
	}
	if waiting.pid == 0 || waiting.pid == old[0].pid {
		t.Errorf("new client served by pid %d, want a new process (old %d)", waiting.pid, old[0].pid)
	}
	for _, cl := range old[1:] {
		if got := cl.ask("still here"); got != "still here" {
			t.Errorf("old session: %q", got)
		}
		cl.quit()
	}
	waiting.quit()
}
