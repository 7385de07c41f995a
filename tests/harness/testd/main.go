// Command testd is the daemon that the process-level tests run under a
// real master. Its first argument picks the skeleton:
//
//	single   one client per process (server.RunSingle)
//	multi    many clients per process (server.RunMulti)
//	sessions up to three clients at once per process (server.RunSingle
//	         with Options.Sessions 3, within the master's budget)
//	trigger  logs each trigger it gets (server.RunTrigger)
//	fail     exits with status 1 before serving anything
//
// A client of single or multi gets "hello PID" and may then send lines:
// "id" (reply "UID GID"), "ls" (reply the names in "/", space-separated),
// "exit N" (exit with status N), "kill"
// (SIGKILL itself), "race" (a deliberate data race, reply "raced": how the
// tests check that a race-built daemon's report reaches the harness),
// "quit" (close); anything else is echoed back.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

func main() {
	mode := ""
	for i, a := range os.Args {
		if i > 0 && (a == "single" || a == "multi" || a == "sessions" || a == "trigger" || a == "fail") {
			mode = a
		}
	}
	switch mode {
	case "single":
		server.RunSingle(server.Options{}, serve)
	case "multi":
		server.RunMulti(server.Options{}, serve)
	case "sessions":
		server.RunSingle(server.Options{Sessions: 3}, serve)
	case "trigger":
		server.RunTrigger(server.Options{}, func(s *server.Server, data []byte) {
			maillog.Info("trigger %q service %s pid %d", data, s.Service, os.Getpid())
		})
	case "fail":
		server.RunSingle(server.Options{PostInit: func(*server.Server) error {
			return fmt.Errorf("failing on purpose")
		}}, serve)
	default:
		fmt.Fprintln(os.Stderr, "usage: testd [skeleton options] single|multi|sessions|trigger|fail")
		os.Exit(2)
	}
}

func serve(s *server.Server, c net.Conn) {
	maillog.Info("serving %s pid %d", s.Service, os.Getpid())
	fmt.Fprintf(c, "hello %d\n", os.Getpid())
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		line := sc.Text()
		var n int
		switch {
		case line == "id":
			fmt.Fprintf(c, "%d %d\n", os.Getuid(), os.Getgid())
		case line == "ls":
			ents, _ := os.ReadDir("/")
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			fmt.Fprintf(c, "%s\n", strings.Join(names, " "))
		case line == "race":
			dataRace()
			fmt.Fprintf(c, "raced\n")
		case line == "kill":
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		case line == "quit":
			return
		case scanInt(line, "exit %d", &n):
			os.Exit(n)
		default:
			fmt.Fprintf(c, "%s\n", line)
		}
	}
}

// dataRace writes one variable from two goroutines without
// synchronisation: a race detector report under -race, nothing otherwise.
func dataRace() {
	var x int
	done := make(chan bool)
	go func() {
		x++
		done <- true
	}()
	x++
	<-done
	_ = x
}

func scanInt(line, format string, n *int) bool {
	_, err := fmt.Sscanf(line, format, n)
	return err == nil
}
