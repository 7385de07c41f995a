// Command lmtp is Postfix's lmtp(8) delivery agent: it serves delivery requests from qmgr on
// private/lmtp and delivers them over LMTP to unix:/path or inet:host:port
// destinations (Dovecot, Cyrus); see pkg/smtpclient and
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

const lmtp = true

var (
	env    *deliver.Env
	client *smtpclient.Client
)

func main() {
	server.RunSingle(server.Options{
		Params:  append(smtpclient.Params(lmtp), deliver.Params...),
		PreInit: open,
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
	client, err = smtpclient.New(cfg)
	return err
}

func serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, env, client); err != nil {
		maillog.Warn("%v", err)
	}
}
