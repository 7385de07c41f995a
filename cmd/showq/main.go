// Command showq is Postfix's showq(8): the service on public/showq that
// lists the mail queue for postqueue -p / -j and mailq. Each client gets
// the listing in the showq protocol of pkg/showq and is disconnected.
// It runs unprivileged (and chrooted when master.cf says so); it takes no
// arguments. "showq -S" serves one listing on stdin/stdout without the
// master.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/showq"
)

var (
	layout *queue.Layout
	opts   showq.Options
)

func main() {
	server.RunSingle(server.Options{
		Params: []string{"duplicate_filter_limit", "empty_address_recipient", "hash_queue_depth",
			"hash_queue_names", "enable_long_queue_ids", "ipc_timeout"},
		PreInit: open,
	}, serve)
}

func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	dir := s.QueueDir() // the skeleton chroots into $queue_directory after PreInit
	var err error
	if layout, err = queue.NewLayoutIn(s.Config, dir); err != nil {
		return err
	}
	dup, err := s.Config.Int("duplicate_filter_limit")
	if err != nil {
		return err
	}
	opts = showq.Options{EmptyAddr: s.Config.Get("empty_address_recipient"), DupLimit: dup, Warn: maillog.Warn}
	return nil
}

func serve(s *server.Server, c net.Conn) {
	timeout, _ := s.Config.Duration("ipc_timeout")
	ac := attr.NewConn(c, attr.Null, max(timeout, time.Second))
	err := showq.Serve(ac, func(fn func(*showq.Message) error) error { return showq.Scan(layout, opts, fn) })
	if err != nil {
		maillog.Warn("%v", err)
	}
}
