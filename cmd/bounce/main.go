// Command bounce is Postfix's bounce(8), running as the stock master.cf
// services bounce, defer and trace ("bounce unix - - y - 0 bounce").
// Postern's queue manager sends delivery status notifications in-process
// and its delivery agents write the per-message logs themselves, so this
// daemon only serves other clients of the same job: see pkg/bounce
// (server.go) for the protocol. The service name (-n) selects the log.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
)

var (
	service *bounce.Service
	layout  *queue.Layout
)

type logger struct{}

func (logger) Info(f string, a ...any) { maillog.Info(f, a...) }
func (logger) Warn(f string, a ...any) { maillog.Warn(f, a...) }

func main() {
	server.RunSingle(server.Options{
		Params: []string{"ipc_timeout", "notify_classes", "bounce_notice_recipient",
			"2bounce_notice_recipient", "delay_notice_recipient", "bounce_size_limit",
			"maximal_queue_lifetime", "delay_warning_time", "bounce_template_file"},
		PreInit:   open,
		Unlimited: true,
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
	set, err := bounce.SettingsFromConfig(s.Config, func(m string) { maillog.Warn("%s", m) })
	if err != nil {
		return err
	}
	c, err := cleanup.New(s.Config, cleanup.Options{Layout: layout})
	if err != nil {
		return err
	}
	service = bounce.New(set, &bounce.CleanupPoster{C: c}, logger{}, nil)
	return nil
}

func serve(s *server.Server, c net.Conn) {
	timeout, err := s.Config.Duration("ipc_timeout")
	if err != nil {
		timeout = time.Hour
	}
	if err := service.Serve(attr.NewConn(c, attr.Null, timeout), s.Service, layout); err != nil {
		maillog.Warn("%v", err)
	}
}
