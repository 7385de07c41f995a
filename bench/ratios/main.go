// Command ratios reads mta-bench JSON lines and prints, per workload, the
// medians of Postern and of the real Postfix measured in the same run and
// their ratio Postern/Postfix: the figures issue "Performance" asks for.
//
//	go run ./bench/ratios FILE.jsonl...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type run struct {
	Kind     string  `json:"kind"`
	Target   string  `json:"target"`
	Label    string  `json:"label"`
	Sessions int     `json:"sessions"`
	Size     int     `json:"size"`
	Rcpts    int     `json:"rcpts"`
	Mode     string  `json:"mode"`
	E2ERate  float64 `json:"e2e_rate"`
	CPUms    float64 `json:"mta_cpu_ms_per_msg"`
	PSS      float64 `json:"peak_pss_mb"`
	P50      float64 `json:"lat_p50_ms"`
	P99      float64 `json:"lat_p99_ms"`
	Lost     int     `json:"lost"`
	Dup      int     `json:"dup"`
}

type metric struct {
	name   string
	get    func(run) float64
	better string // "higher" or "lower"
}

var metrics = []metric{
	{"msg/s", func(r run) float64 { return r.E2ERate }, "higher"},
	{"CPU ms/msg", func(r run) float64 { return r.CPUms }, "lower"},
	{"PSS MB", func(r run) float64 { return r.PSS }, "lower"},
	{"p50 ms", func(r run) float64 { return r.P50 }, "lower"},
	{"p99 ms", func(r run) float64 { return r.P99 }, "lower"},
}

func main() {
	groups := map[string]map[string][]run{} // workload -> target kind -> runs
	for _, path := range os.Args[1:] {
		if err := read(path, groups); err != nil {
			fmt.Fprintln(os.Stderr, "ratios:", err)
			os.Exit(1)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("%-28s %-11s %12s %12s %8s\n", "workload", "metric", "Postern", "Postfix", "ratio")
	for _, k := range keys {
		pe, pf := groups[k]["postern"], groups[k]["postfix"]
		if len(pe) == 0 || len(pf) == 0 {
			continue
		}
		for _, m := range metrics {
			a, b := median(pe, m.get), median(pf, m.get)
			ratio := "-"
			if b != 0 {
				ratio = fmt.Sprintf("%.2f", a/b)
			}
			fmt.Printf("%-28s %-11s %12.2f %12.2f %8s\n", k, m.name, a, b, ratio)
		}
		fmt.Printf("%-28s %-11s %12d %12d\n", k, "lost/dup", sum(pe, func(r run) int { return r.Lost + r.Dup }), sum(pf, func(r run) int { return r.Lost + r.Dup }))
	}
}

func read(path string, groups map[string]map[string][]run) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r run
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Kind != "run" {
			continue
		}
		kind := "postern"
		if r.Target == "postfix" {
			kind = "postfix"
		} else if !strings.HasPrefix(r.Target, "postfix-compatible") {
			continue
		}
		key := fmt.Sprintf("%s %s s=%d %dB r=%d", r.Label, r.Mode, r.Sessions, r.Size, r.Rcpts)
		if groups[key] == nil {
			groups[key] = map[string][]run{}
		}
		groups[key][kind] = append(groups[key][kind], r)
	}
	return sc.Err()
}

func median(rs []run, get func(run) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = get(r)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func sum(rs []run, get func(run) int) int {
	n := 0
	for _, r := range rs {
		n += get(r)
	}
	return n
}
