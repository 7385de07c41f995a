// Command localbench measures two things the end-to-end relay benchmark
// (../shared/bench/mta-bench) does not: local delivery to Maildir and the
// queue manager with a large deferred queue, for Postern and for the real
// Postfix side by side, on one machine in one run, with the same main.cf
// apart from command_directory/daemon_directory (bench/local-bench and
// bench/deferred-bench run it; docs/performance.md has the figures).
//
//	localbench [flags] local      N messages over SMTP to one local user
//	                              (mydestination, home_mailbox = Maildir/),
//	                              timed until all N files are in Maildir/new
//	localbench [flags] deferred   fill the deferred queue with N messages
//	                              (relayhost = a closed port), then open a
//	                              counting sink there and time `postqueue -f`
//	                              until the sink has all of them
//
// Reported: messages/s, CPU seconds of the whole instance's process tree
// (master and descendants, reaped children included) per 1,000 messages,
// peak PSS of the tree, qmgr's RSS (deferred), medians over -repeat runs
// and the ratio Postern/Postfix. Needs root (Postfix starts as root; local
// delivery writes as the user); creates the user -user if it is missing.
// A benchmark, not a test: nothing here asserts a time.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

type options struct {
	msgs, sessions, size, repeat int
	sizes                        string
	user, bin, workdir           string
	postfixCmd, postfixDaemon    string
	only                         string
	jsonPath                     string
	sets                         multiFlag
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// result is one run of one target; JSON lines go to -json.
type result struct {
	Kind       string  `json:"kind"` // local or deferred
	Target     string  `json:"target"`
	Msgs       int     `json:"msgs"`
	Sessions   int     `json:"sessions"`
	Size       int     `json:"size"`
	Seconds    float64 `json:"seconds"`        // until all delivered
	Rate       float64 `json:"msgs_per_s"`     // msgs / seconds
	CPUPer1k   float64 `json:"cpu_s_per_1k"`   // tree CPU s per 1,000 msgs
	PeakPSS    float64 `json:"peak_pss_mb"`    // tree, during delivery
	FillS      float64 `json:"fill_s"`         // deferred: until all N deferred
	QmgrIdle   float64 `json:"qmgr_rss_idle"`  // deferred: qmgr RSS MB, queue full, before flush
	QmgrPeak   float64 `json:"qmgr_rss_peak"`  // deferred: qmgr peak RSS MB during the flush
	Delivered  int64   `json:"delivered"`      // files in Maildir/new or messages at the sink
	AcceptOnly float64 `json:"accept_seconds"` // until the client had every 250
	// CPU s per program while measured (own CPU of each process; one
	// that exits between two samples loses its last 0.5 s).
	CPUByComm map[string]float64 `json:"cpu_by_program"`
}

var current *instance // stopped on SIGINT/SIGTERM

func main() {
	o := parseFlags()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		if current != nil {
			current.stop()
		}
		os.Exit(130)
	}()
	if err := run(o, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "localbench:", err)
		os.Exit(1)
	}
}

func parseFlags() *options {
	o := &options{}
	flag.IntVar(&o.msgs, "msgs", 5000, "messages per run (local)")
	flag.IntVar(&o.sessions, "sessions", 20, "concurrent SMTP sessions")
	flag.IntVar(&o.size, "size", 4096, "message size in bytes")
	flag.IntVar(&o.repeat, "repeat", 3, "runs per target (medians reported)")
	flag.StringVar(&o.sizes, "queue", "25000,50000,100000", "deferred queue sizes (deferred)")
	flag.StringVar(&o.user, "user", "benchuser", "local recipient (created if missing)")
	flag.StringVar(&o.bin, "bin", "bin", "Postern's bin directory (make build)")
	flag.StringVar(&o.workdir, "workdir", os.TempDir(), "where instance dirs are made")
	flag.StringVar(&o.postfixCmd, "postfix-cmd", "/usr/sbin", "Postfix command_directory")
	flag.StringVar(&o.postfixDaemon, "postfix-daemon", "/usr/lib/postfix/sbin", "Postfix daemon_directory")
	flag.StringVar(&o.only, "only", "", "run one target only: postfix or postern")
	flag.StringVar(&o.jsonPath, "json", "", "append one JSON line per run to this file")
	flag.Var(&o.sets, "set", "extra main.cf line for both (repeatable), e.g. 'import_environment = ...'")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: localbench [flags] local|deferred")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "local" && flag.Arg(0) != "deferred") {
		flag.Usage()
		os.Exit(2)
	}
	return o
}

func (o *options) targets() ([]mtaTarget, error) {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(bin, "master")); err != nil {
		return nil, fmt.Errorf("no Postern master in %s (make build): %v", bin, err)
	}
	all := []mtaTarget{
		{name: "postfix", cmdDir: o.postfixCmd, daemonDir: o.postfixDaemon},
		{name: "postern", cmdDir: bin, daemonDir: bin},
	}
	var out []mtaTarget
	for _, t := range all {
		if o.only == "" || o.only == t.name {
			out = append(out, t)
		}
	}
	return out, nil
}

func run(o *options, mode string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("must run as root (Postfix starts as root)")
	}
	ts, err := o.targets()
	if err != nil {
		return err
	}
	var rs []result
	if mode == "local" {
		rs, err = runLocalAll(o, ts)
	} else {
		rs, err = runDeferredAll(o, ts)
	}
	if err != nil {
		return err
	}
	if mode == "local" {
		printLocal(rs)
	} else {
		printDeferred(rs)
	}
	return nil
}

// record prints one run as a JSON line on stdout and to -json.
func (o *options) record(r result) {
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	if o.jsonPath == "" {
		return
	}
	f, err := os.OpenFile(o.jsonPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "localbench:", err)
		return
	}
	defer f.Close()
	f.Write(append(b, '\n'))
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad -queue size %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
