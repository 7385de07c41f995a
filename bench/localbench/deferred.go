package main

// deferred.go: the queue manager with a large deferred queue. The
// instance relays everything to [127.0.0.1]:PORT where nothing listens, so
// N messages end up in the deferred queue (the first ones after a refused
// connection, the rest at once since the destination is then throttled);
// then a counting sink opens on PORT and `postqueue -f` is timed until
// the sink has every message.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

func runDeferredAll(o *options, ts []mtaTarget) ([]result, error) {
	sizes, err := parseSizes(o.sizes)
	if err != nil {
		return nil, err
	}
	var rs []result
	for i := 0; i < o.repeat; i++ {
		for _, n := range sizes {
			for _, t := range ts {
				r, err := runDeferred(o, t, n)
				if err != nil {
					return rs, err
				}
				o.record(r)
				rs = append(rs, r)
			}
		}
	}
	return rs, nil
}

// countFiles counts the regular files below dir (a hashed queue dir).
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func runDeferred(o *options, t mtaTarget, n int) (result, error) {
	port, err := freePort(30300, nil)
	if err != nil {
		return result{}, err
	}
	sinkPort, err := freePort(port+1, nil)
	if err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp(o.workdir, "deferbench-"+t.name+"-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	in := &instance{t: t, dir: dir, port: port, extra: []string{
		"mydestination =", "local_recipient_maps =", "alias_maps =", "alias_database =",
		fmt.Sprintf("relayhost = [127.0.0.1]:%d", sinkPort),
	}}
	in.extra = append(in.extra, o.sets...)
	current = in
	defer in.stop()
	if err := in.start(); err != nil {
		return result{}, err
	}
	fmt.Fprintf(os.Stderr, "localbench: %s deferred, %d x %d bytes\n", t.name, n, o.size)
	r, err := measureDeferred(o, in, n, sinkPort)
	r.Target = t.name
	return r, err
}

func measureDeferred(o *options, in *instance, n, sinkPort int) (result, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", in.port)
	deferred := filepath.Join(in.dir, "spool", "deferred")
	t0 := time.Now()
	if ok, err := sendAll(addr, "r@relay.example", n, o.sessions, o.size); err != nil || ok != int64(n) {
		return result{}, fmt.Errorf("sent %d of %d: %v\n%s", ok, n, err, in.logTail(10))
	}
	if !waitCount(func() int { return countFiles(deferred) }, n, 20*time.Minute) {
		return result{}, fmt.Errorf("%d of %d deferred\n%s", countFiles(deferred), n, in.logTail(10))
	}
	fill := time.Since(t0).Seconds()
	time.Sleep(2 * time.Second)
	idle := startSampler(in.pid, "qmgr", time.Second)
	_, qIdle := idle.finish()
	k, err := startSink(sinkPort)
	if err != nil {
		return result{}, err
	}
	defer k.close()
	in.remember()
	cpu0 := treeCPU(in.pid)
	smp := startSampler(in.pid, "qmgr", 500*time.Millisecond)
	t1 := time.Now()
	if out, err := in.command("postqueue", "-f"); err != nil {
		smp.finish()
		return result{}, fmt.Errorf("postqueue -f: %v: %s", err, out)
	}
	done := waitCount(func() int { return int(k.count.Load()) }, n, 30*time.Minute)
	el := time.Since(t1).Seconds()
	cpu := treeCPU(in.pid) - cpu0
	pss, qPeak := smp.finish()
	if !done {
		return result{}, fmt.Errorf("sink got %d of %d\n%s", k.count.Load(), n, in.logTail(10))
	}
	return result{Kind: "deferred", Msgs: n, Sessions: o.sessions, Size: o.size,
		Seconds: el, Rate: float64(n) / el, CPUPer1k: cpu * 1000 / float64(n), PeakPSS: pss,
		FillS: fill, QmgrIdle: qIdle, QmgrPeak: qPeak, Delivered: k.count.Load(),
		CPUByComm: smp.byComm()}, nil
}
