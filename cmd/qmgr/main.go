// Command qmgr is Postfix's qmgr(8): the queue manager that the master
// runs as the trigger service on public/qmgr ("qmgr unix n - n 300 1
// qmgr"). It reads trigger bytes (W, I, D, A, F) and runs the scheduler
// of pkg/qmgr in the background; see that package and docs/qmgr.md.
package main

import (
	"context"
	"fmt"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/qmgr"
	"github.com/postern/postern/pkg/server"
)

var daemon *qmgr.Daemon

func main() {
	server.RunTrigger(server.Options{
		Params:        qmgr.Params,
		Solitary:      true,
		Resident:      true,
		WatchdogParam: "qmgr_daemon_timeout",
		PreInit:       open,
		PostInit:      start,
	}, func(_ *server.Server, data []byte) { daemon.Trigger(data) })
}

// open builds the queue manager before the privilege drop: tables may be
// outside the queue directory.
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	dir := s.QueueDir() // the skeleton chroots into $queue_directory after PreInit
	var err error
	daemon, err = qmgr.NewDaemon(s.Config, dir)
	return err
}

// start recovers the active queue and starts the scheduler.
func start(*server.Server) error {
	if err := daemon.Start(); err != nil {
		return err
	}
	go func() {
		daemon.Run(context.Background())
		maillog.Fatal("queue manager stopped")
	}()
	return nil
}
