// Command local is Postfix's local(8) delivery agent: the stock
// master.cf entry "local unix - n n - - local" runs it as root on
// private/local, and qmgr sends it the recipients of $mydestination.
// The work is done by pkg/local (aliases, .forward, mailboxes, commands,
// files) and pkg/mailbox (mailbox and maildir writing, locking, and the
// helper processes that write with a recipient's privileges); this
// program is also that helper when started with mailbox.HelperArg.
package main

import (
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/local"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/server"
)

func main() {
	m := &mailbox.AgentMain{Params: local.Params, LimitParam: "mailbox_size_limit", Open: open}
	m.Run()
}

// open opens the tables as root (local.c pre_init()).
func open(s *server.Server, env *deliver.Env) (mailbox.Agent, error) {
	agent, err := local.New(s.Config, local.Options{Service: s.Service, Env: env})
	if err != nil {
		return nil, err
	}
	return agent, nil
}
