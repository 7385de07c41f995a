package main

// local.go: local delivery to Maildir, one user, home_mailbox = Maildir/.

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"time"
)

const warmup = 20

// ensureUser returns the home of name, creating the user if missing.
func ensureUser(name string) (string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		out, err := exec.Command("useradd", "-m", "-s", "/usr/sbin/nologin", name).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("useradd %s: %v: %s", name, err, out)
		}
		if u, err = user.Lookup(name); err != nil {
			return "", err
		}
	}
	if u.HomeDir == "" || u.HomeDir == "/" {
		return "", fmt.Errorf("user %s has no home directory", name)
	}
	return u.HomeDir, nil
}

// countDir returns the number of entries of dir (0 if it is missing).
func countDir(dir string) int {
	f, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	return len(names)
}

// waitCount waits until count() >= want; false on timeout or stall.
func waitCount(count func() int, want int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if count() >= want {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func runLocalAll(o *options, ts []mtaTarget) ([]result, error) {
	home, err := ensureUser(o.user)
	if err != nil {
		return nil, err
	}
	var rs []result
	for i := 0; i < o.repeat; i++ {
		for _, t := range ts {
			r, err := runLocal(o, t, home)
			if err != nil {
				return rs, err
			}
			o.record(r)
			rs = append(rs, r)
		}
	}
	return rs, nil
}

func localExtra() []string {
	return []string{
		"mydestination = $myhostname, localhost, bench.example",
		"home_mailbox = Maildir/",
		"alias_maps =",
		"alias_database =",
	}
}

func runLocal(o *options, t mtaTarget, home string) (result, error) {
	maildir := filepath.Join(home, "Maildir")
	if err := os.RemoveAll(maildir); err != nil {
		return result{}, err
	}
	port, err := freePort(30300, nil)
	if err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp(o.workdir, "localbench-"+t.name+"-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	in := &instance{t: t, dir: dir, port: port, extra: append(localExtra(), o.sets...)}
	current = in
	defer in.stop()
	if err := in.start(); err != nil {
		return result{}, err
	}
	fmt.Fprintf(os.Stderr, "localbench: %s local, %d x %d bytes, %d sessions\n", t.name, o.msgs, o.size, o.sessions)
	r, err := measureLocal(o, in, filepath.Join(maildir, "new"))
	r.Target = t.name
	os.RemoveAll(maildir)
	return r, err
}

func measureLocal(o *options, in *instance, newDir string) (result, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", in.port)
	rcpt := o.user + "@bench.example"
	count := func() int { return countDir(newDir) }
	if _, err := sendAll(addr, rcpt, warmup, 1, o.size); err != nil {
		return result{}, fmt.Errorf("warm-up: %v\n%s", err, in.logTail(20))
	}
	if !waitCount(count, warmup, 60*time.Second) {
		return result{}, fmt.Errorf("warm-up: %d of %d in %s\n%s", count(), warmup, newDir, in.logTail(20))
	}
	in.remember()
	cpu0 := treeCPU(in.pid)
	smp := startSampler(in.pid, "local", 500*time.Millisecond)
	t0 := time.Now()
	ok, err := sendAll(addr, rcpt, o.msgs, o.sessions, o.size)
	accept := time.Since(t0)
	if err != nil || ok != int64(o.msgs) {
		smp.finish()
		return result{}, fmt.Errorf("sent %d of %d: %v", ok, o.msgs, err)
	}
	done := waitCount(count, warmup+o.msgs, 10*time.Minute)
	el := time.Since(t0).Seconds()
	cpu := treeCPU(in.pid) - cpu0
	pss, _ := smp.finish()
	got := count() - warmup
	if !done {
		return result{}, fmt.Errorf("only %d of %d delivered\n%s", got, o.msgs, in.logTail(20))
	}
	return result{Kind: "local", Msgs: o.msgs, Sessions: o.sessions, Size: o.size,
		Seconds: el, Rate: float64(o.msgs) / el, CPUPer1k: cpu * 1000 / float64(o.msgs),
		PeakPSS: pss, Delivered: int64(got), AcceptOnly: accept.Seconds(), CPUByComm: smp.byComm()}, nil
}
