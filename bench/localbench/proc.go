package main

// proc.go: CPU and memory of an instance's process tree, from /proc.
//
// CPU of the tree = sum over the master and its live descendants of
// utime+stime+cutime+cstime: a child that exits is reaped by its parent,
// whose cutime/cstime then carries its CPU, so the delta between two
// instants is what the whole tree used, short-lived processes included.

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const clkTck = 100.0

type procInfo struct {
	pid, ppid int
	cpu       int64 // utime+stime+cutime+cstime, ticks
	own       int64 // utime+stime, ticks
	start     int64
	state     byte
	comm      string
}

func readProcStat(pid int) (procInfo, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	lp, rp := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if lp < 0 || rp < 0 || rp+2 >= len(b) {
		return procInfo{}, false
	}
	f := strings.Fields(string(b[rp+2:]))
	if len(f) < 20 {
		return procInfo{}, false
	}
	p := procInfo{pid: pid, comm: string(b[lp+1 : rp]), state: f[0][0]}
	p.ppid, _ = strconv.Atoi(f[1])
	for _, i := range []int{11, 12, 13, 14} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		p.cpu += v
		if i < 13 {
			p.own += v
		}
	}
	p.start, _ = strconv.ParseInt(f[19], 10, 64)
	return p, true
}

// processTree returns root and all its live descendants.
func processTree(root int) []procInfo {
	ents, _ := os.ReadDir("/proc")
	all := map[int]procInfo{}
	kids := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProcStat(pid); ok {
			all[pid] = p
			kids[p.ppid] = append(kids[p.ppid], pid)
		}
	}
	r, ok := all[root]
	if !ok {
		return nil
	}
	out := []procInfo{r}
	for i := 0; i < len(out); i++ {
		for _, k := range kids[out[i].pid] {
			out = append(out, all[k])
		}
	}
	return out
}

// treeCPU returns the CPU seconds the tree has used so far.
func treeCPU(root int) float64 {
	var t int64
	for _, p := range processTree(root) {
		t += p.cpu
	}
	return float64(t) / clkTck
}

// memKB returns Rss and Pss (KiB) of one process from smaps_rollup.
func memKB(pid int) (rss, pss int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fs[1], 10, 64)
		switch fs[0] {
		case "Rss:":
			rss = v
		case "Pss:":
			pss = v
		}
	}
	return rss, pss
}

// sampler polls a tree for its peak summed PSS and for the peak RSS of
// the processes named comm (e.g. qmgr).
type sampler struct {
	root     int
	comm     string
	mu       sync.Mutex
	peakPSS  int64 // KiB, whole tree
	peakComm int64 // KiB, RSS of the processes named comm
	stop     chan struct{}
	done     chan struct{}
	first    bool
	per      map[[2]int64]*ownCPU // (pid, start) -> own CPU seen
}

// ownCPU is one process's own CPU: at the first sample and the last.
type ownCPU struct {
	comm        string
	base, ticks int64
}

func startSampler(root int, comm string, every time.Duration) *sampler {
	s := &sampler{root: root, comm: comm, stop: make(chan struct{}), done: make(chan struct{}),
		first: true, per: map[[2]int64]*ownCPU{}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				s.sample()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	var pss, comm int64
	procs := processTree(s.root)
	s.own(procs)
	for _, p := range procs {
		if p.state == 'Z' {
			continue
		}
		r, ps := memKB(p.pid)
		pss += ps
		if p.comm == s.comm {
			comm += r
		}
	}
	s.mu.Lock()
	s.peakPSS = max(s.peakPSS, pss)
	s.peakComm = max(s.peakComm, comm)
	s.mu.Unlock()
}

// finish stops sampling and returns the peaks in MiB.
func (s *sampler) finish() (treePSS, commRSS float64) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.peakPSS) / 1024, float64(s.peakComm) / 1024
}

// own records each process's own CPU; a process that starts after the
// first sample counts from zero, one that exits loses its last interval.
func (s *sampler) own(procs []procInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range procs {
		k := [2]int64{int64(p.pid), p.start}
		e := s.per[k]
		if e == nil {
			e = &ownCPU{comm: p.comm}
			if s.first {
				e.base = p.own
			}
			s.per[k] = e
		}
		e.ticks = p.own
	}
	s.first = false
}

// byComm returns the CPU seconds each command name used while sampled.
func (s *sampler) byComm() map[string]float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]float64{}
	for _, e := range s.per {
		if d := e.ticks - e.base; d > 0 {
			m[e.comm] += float64(d) / clkTck
		}
	}
	return m
}
