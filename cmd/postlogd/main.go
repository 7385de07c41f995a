// Command postlogd is Postfix's postlogd(8): it receives log records as
// datagrams on the postlog service (master.cf "postlog unix-dgram n - n -
// 1 postlogd") and appends them to $maillog_file. Its own records go
// straight to the file. When maillog_file is empty (after a reload that
// removed it), records still arriving are passed on to syslog under
// their sender's name.
package main

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

func main() {
	server.RunDgram(server.Options{
		Params:        []string{"maillog_file", "postlogd_watchdog_timeout"},
		WatchdogParam: "postlogd_watchdog_timeout",
		Solitary:      true,
		PreInit:       preJailInit,
		PostInit:      func(s *server.Server) error { s.MaxUse = 0; return nil },
	}, service)
}

// toFile is whether $maillog_file is set: read once, not per datagram
// (expanding it was a third of postlogd's CPU time).
var toFile bool

// preJailInit opens $maillog_file as root, before any privilege drop.
func preJailInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	toFile = s.Config.Get("maillog_file") != ""
	if !toFile {
		return nil
	}
	l := maillog.Default()
	l.UseFileOnly()
	return l.OpenFile()
}

// service appends a burst of records to $maillog_file with one write
// (each record whole, so that records of other writers never interleave
// with them), or relays each to syslog when maillog_file is empty.
func service(s *server.Server, batch [][]byte) {
	if toFile {
		maillog.Default().AppendRecords(batch)
		return
	}
	for _, rec := range batch {
		relay(s, string(rec))
	}
}

// relay strips "Mmm dd hh:mm:ss host " and passes "name[pid]: text" on
// to the current logging mechanism under the sender's name.
func relay(s *server.Server, rec string) {
	f := strings.Fields(rec)
	if len(f) < 5 {
		maillog.Info("%s", rec)
		return
	}
	tag := strings.TrimSuffix(f[4], ":")
	text := strings.TrimSpace(rec[strings.Index(rec, f[4])+len(f[4]):])
	l, err := maillog.New(s.Config, s.Program)
	if err != nil {
		maillog.Info("%s", text)
		return
	}
	defer l.Close()
	l.SetTag(tag)
	l.SetEcho(false)
	l.Log(maillog.LevelInfo, text)
}
