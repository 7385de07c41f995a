// Command cleanup is Postfix's cleanup(8) daemon: the stock master.cf
// entry "cleanup unix n - y - 0 cleanup" listens on private/cleanup (and
// public/cleanup), and each client sends messages with the cleanup
// protocol (docs/queue-format.md). The work is done by pkg/cleanup, the
// same code smtpd and pickup run in-process; see that package for what
// cleanup does and the parameters it reads.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
)

var service *cleanup.Cleanup

func main() {
	server.RunSingle(server.Options{
		Params:  append([]string{"ipc_timeout"}, cleanup.Params...),
		PreInit: open,
	}, serve)
}

// open reads the configuration and opens the tables before the chroot
// (tables may live outside the queue directory).
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	dir := s.QueueDir() // the skeleton chroots into $queue_directory after PreInit
	layout, err := queue.NewLayoutIn(s.Config, dir)
	if err != nil {
		return err
	}
	service, err = cleanup.New(s.Config, cleanup.Options{Layout: layout})
	return err
}

func serve(s *server.Server, c net.Conn) {
	timeout, err := s.Config.Duration("ipc_timeout")
	if err != nil {
		timeout = time.Hour
	}
	service.Serve(c, timeout)
}
