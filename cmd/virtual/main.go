// Command virtual is Postfix's virtual(8) delivery agent: the stock
// master.cf entry "virtual unix - n n - - virtual" runs it as root on
// private/virtual for $virtual_mailbox_domains. The work is done by
// pkg/virtual and pkg/mailbox; this program is also the mailbox helper
// (mailbox.HelperArg) that writes with the recipient's uid and gid.
package main

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/virtual"
)

var (
	agent *virtual.Agent
	env   *deliver.Env
)

func main() {
	if mailbox.IsHelper() {
		mailbox.HelperMain()
	}
	server.RunSingle(server.Options{
		Params:     append(append([]string{}, deliver.Params...), virtual.Params...),
		PreInit:    open,
		PostInit:   dropPrivileges,
		Privileged: true,
	}, serve)
}

// open reads the configuration and sets the file size limit
// (virtual.c pre_init()).
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if env, err = deliver.NewEnv(s.Config, s.QueueDir()); err != nil {
		return err
	}
	limit, err := s.Config.Long("virtual_mailbox_limit")
	if err != nil {
		return err
	}
	return mailbox.SetFileLimit(limit)
}

// dropPrivileges runs as $mail_owner from now on and opens the tables
// (virtual.c post_init()).
func dropPrivileges(s *server.Server) error {
	owner, err := server.LookupOwner(s.Config.Get("mail_owner"))
	if err != nil {
		return err
	}
	privs, err := mailbox.DropTo(owner.UID, owner.GID)
	if err != nil {
		return err
	}
	if agent, err = virtual.New(s.Config, virtual.Options{Service: s.Service}); err != nil {
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
