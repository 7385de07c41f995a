// Command smtp is Postfix's smtp(8) delivery agent: it serves delivery requests from qmgr on
// private/smtp (and the other master.cf services that run it, such as
// relay) and delivers them over SMTP; see pkg/smtpclient and
// docs/delivery.md. It takes no arguments.
package main

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/smtpclient"
)

const lmtp = false

var (
	env    *deliver.Env
	client *smtpclient.Client
)

// sessions is how many delivery requests one process handles at once,
// within its share of the transport's maxproc (pkg/server
// Options.Sessions; docs/performance.md).
const sessions = 100

func main() {
	server.RunSingle(server.Options{
		Params:   append(smtpclient.Params(lmtp), deliver.Params...),
		PreInit:  open,
		Sessions: sessions,
	}, serve)
}

// open reads the configuration and the TLS files before the privilege
// drop.
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if env, err = deliver.NewEnv(s.Config, s.QueueDir()); err != nil {
		return err
	}
	cfg, err := smtpclient.NewConfig(s.Config, lmtp)
	if err != nil {
		return err
	}
	cfg.QueueDir = s.QueueDir()
	// qmgr may send further requests over the same connection; a
	// process that is on its way out (reload, stop) takes no more.
	env.KeepIdle = deliver.AgentKeepIdle
	env.KeepWhile = func() bool { return !s.Draining() }
	client, err = smtpclient.New(cfg)
	return err
}

func serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, env, client); err != nil {
		maillog.Warn("%v", err)
	}
}
