package main

// report.go: the tables of medians and ratios Postern/Postfix.

import (
	"fmt"
	"sort"
)

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medians returns, per target, the median of f over the runs that match.
func medians(rs []result, keep func(result) bool, f func(result) float64) map[string]float64 {
	by := map[string][]float64{}
	for _, r := range rs {
		if keep(r) {
			by[r.Target] = append(by[r.Target], f(r))
		}
	}
	out := map[string]float64{}
	for t, xs := range by {
		out[t] = median(xs)
	}
	return out
}

func ratio(m map[string]float64) string {
	a, okA := m["postern"]
	b, okB := m["postfix"]
	if !okA || !okB || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

type column struct {
	name string
	f    func(result) float64
	fmt  string
}

func printTable(rs []result, keep func(result) bool, cols []column) {
	fmt.Printf("%-8s", "")
	for _, c := range cols {
		fmt.Printf(" %14s", c.name)
	}
	fmt.Println()
	ms := make([]map[string]float64, len(cols))
	for i, c := range cols {
		ms[i] = medians(rs, keep, c.f)
	}
	for _, t := range []string{"postfix", "postern"} {
		if _, ok := ms[0][t]; !ok {
			continue
		}
		fmt.Printf("%-8s", t)
		for i, c := range cols {
			fmt.Printf(" %14s", fmt.Sprintf(c.fmt, ms[i][t]))
		}
		fmt.Println()
	}
	fmt.Printf("%-8s", "ratio")
	for i := range cols {
		fmt.Printf(" %14s", ratio(ms[i]))
	}
	fmt.Println()
}

// printByComm prints the CPU per program of each target's last run.
func printByComm(rs []result) {
	last := map[string]result{}
	for _, r := range rs {
		last[r.Target] = r
	}
	for _, t := range []string{"postfix", "postern"} {
		r, ok := last[t]
		if !ok {
			continue
		}
		names := make([]string, 0, len(r.CPUByComm))
		for n := range r.CPUByComm {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return r.CPUByComm[names[i]] > r.CPUByComm[names[j]] })
		fmt.Printf("%s CPU s per 1k msgs by program (last run):", t)
		for _, n := range names {
			fmt.Printf(" %s %.2f", n, r.CPUByComm[n]*1000/float64(r.Msgs))
		}
		fmt.Println()
	}
}

func printLocal(rs []result) {
	if len(rs) == 0 {
		return
	}
	r := rs[0]
	runs := len(rs) / 2
	fmt.Printf("\nLocal delivery to Maildir: %d msgs x %d bytes, %d sessions, medians of %d runs (ratio = Postern/Postfix)\n",
		r.Msgs, r.Size, r.Sessions, max(runs, 1))
	printTable(rs, func(result) bool { return true }, []column{
		{"msgs/s", func(r result) float64 { return r.Rate }, "%.0f"},
		{"CPU s/1k msgs", func(r result) float64 { return r.CPUPer1k }, "%.2f"},
		{"peak PSS MB", func(r result) float64 { return r.PeakPSS }, "%.1f"},
		{"accept s", func(r result) float64 { return r.AcceptOnly }, "%.1f"},
	})
	printByComm(rs)
}

func printDeferred(rs []result) {
	var sizes []int
	seen := map[int]bool{}
	for _, r := range rs {
		if !seen[r.Msgs] {
			seen[r.Msgs] = true
			sizes = append(sizes, r.Msgs)
		}
	}
	for _, n := range sizes {
		fmt.Printf("\nDeferred queue of %d messages (%d bytes): postqueue -f to a sink, medians (ratio = Postern/Postfix)\n", n, rs[0].Size)
		printTable(rs, func(r result) bool { return r.Msgs == n }, []column{
			{"fill s", func(r result) float64 { return r.FillS }, "%.0f"},
			{"flush s", func(r result) float64 { return r.Seconds }, "%.1f"},
			{"flush msgs/s", func(r result) float64 { return r.Rate }, "%.0f"},
			{"CPU s/1k msgs", func(r result) float64 { return r.CPUPer1k }, "%.2f"},
			{"qmgr RSS idle", func(r result) float64 { return r.QmgrIdle }, "%.1f"},
			{"qmgr RSS peak", func(r result) float64 { return r.QmgrPeak }, "%.1f"},
			{"tree PSS peak", func(r result) float64 { return r.PeakPSS }, "%.1f"},
		})
		var these []result
		for _, r := range rs {
			if r.Msgs == n {
				these = append(these, r)
			}
		}
		printByComm(these)
	}
}
