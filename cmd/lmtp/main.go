// Command lmtp is Postfix's lmtp(8) delivery agent: it serves delivery requests from qmgr on
// private/lmtp and delivers them over LMTP to unix:/path or inet:host:port
// destinations (Dovecot, Cyrus); see pkg/smtpclient and
// docs/delivery.md. It takes no arguments.
package main

import (
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/smtpclient"
)

const lmtp = true

func main() {
	p := &deliver.Program{Params: append(smtpclient.Params(lmtp), deliver.Params...), Open: open}
	p.Run()
}

// open reads the configuration and the TLS files before the privilege
// drop.
func open(s *server.Server) (*deliver.Env, deliver.Agent, error) {
	env, err := deliver.NewEnv(s.Config, s.QueueDir())
	if err != nil {
		return nil, nil, err
	}
	cfg, err := smtpclient.NewConfig(s.Config, lmtp)
	if err != nil {
		return nil, nil, err
	}
	cfg.QueueDir = s.QueueDir()
	client, err := smtpclient.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return env, client, nil
}
