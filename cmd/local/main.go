// Command local is Postfix's local(8) delivery agent: the stock
// master.cf entry "local unix - n n - - local" runs it as root on
// private/local, and qmgr sends it the recipients of $mydestination.
// The work is done by pkg/local (aliases, .forward, mailboxes, commands,
// files) and pkg/mailbox (mailbox and maildir writing, locking, and the
// helper processes that write with a recipient's privileges); this
// program is also that helper when started with mailbox.HelperArg.
package main

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/local"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

var (
	agent *local.Agent
	env   *deliver.Env
)

func main() {
	if mailbox.IsHelper() {
		mailbox.HelperMain()
	}
	server.RunSingle(server.Options{
		Params:     append(append([]string{}, deliver.Params...), local.Params...),
		PreInit:    open,
		PostInit:   dropPrivileges,
		Privileged: true,
	}, serve)
}

// open reads the configuration and opens the tables as root
// (local.c pre_init()).
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if env, err = deliver.NewEnv(s.Config, s.QueueDir()); err != nil {
		return err
	}
	if agent, err = local.New(s.Config, local.Options{Service: s.Service, Env: env}); err != nil {
		return err
	}
	limit, err := s.Config.Long("mailbox_size_limit")
	if err != nil {
		return err
	}
	return mailbox.SetFileLimit(limit)
}

// dropPrivileges runs as $mail_owner from now on, keeping the means to
// start helpers as recipients (local.c post_init()).
func dropPrivileges(s *server.Server) error {
	owner, err := server.LookupOwner(s.Config.Get("mail_owner"))
	if err != nil {
		return err
	}
	privs, err := mailbox.DropTo(owner.UID, owner.GID)
	if err != nil {
		return err
	}
	agent.SetPrivs(privs)
	return nil
}

func serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, env, agent); err != nil {
		maillog.Warn("%v", err)
	}
}
