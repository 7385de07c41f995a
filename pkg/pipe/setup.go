package pipe

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/server"
)

// Params lists the parameters NewAgent reads, besides
// SERVICE_time_limit.
var Params = append([]string{"command_time_limit", "export_environment", "recipient_delimiter",
	"owner_request_special", "double_bounce_sender", "enable_original_recipient", "mail_owner",
	"setgid_group", "pipe_delivery_status_filter", "config_directory"}, deliver.Params...)

// NewAgent reads the configuration of the master.cf service; args are
// its command attributes (checked at the first delivery).
func NewAgent(cfg *config.Config, service string, args []string, root bool) (*Agent, error) {
	if v := cfg.Get("pipe_delivery_status_filter"); v != "" {
		// XXX: delivery status filters are not implemented.
		return nil, fmt.Errorf("pipe_delivery_status_filter = %s: delivery status filters are not implemented in Postern", v)
	}
	limitParam := service + "_time_limit"
	if err := server.CheckParam(cfg, limitParam); err != nil {
		return nil, err
	}
	limit, err := cfg.Duration(limitParam)
	if err != nil {
		return nil, err
	}
	enable, err := cfg.Bool("enable_original_recipient")
	if err != nil {
		return nil, err
	}
	id, err := identities(cfg, root)
	if err != nil {
		return nil, err
	}
	return &Agent{Service: service, Args: args, Ident: id, TimeLimit: limit,
		Export: cfg.List("export_environment"), Delims: cfg.Get("recipient_delimiter"),
		NoSplit: noSplit(cfg), OrigRcpt: enable, ConfigDir: cfg.Get("config_directory"), Program: "pipe"}, nil
}

// identities finds $mail_owner and $setgid_group, which user= must not
// name. Without root they may be missing; nothing is then excluded.
func identities(cfg *config.Config, root bool) (Ident, error) {
	id := Ident{OwnerName: cfg.Get("mail_owner"), OwnerUID: -2, OwnerGID: -2,
		SgidName: cfg.Get("setgid_group"), SgidGID: -2}
	o, err := server.LookupOwner(id.OwnerName)
	switch {
	case err == nil:
		id.OwnerUID, id.OwnerGID = o.UID, o.GID
	case root:
		return id, err
	}
	if gid, err := lookupGroup(id.SgidName, id); err == nil {
		id.SgidGID = gid
	} else if root {
		return id, fmt.Errorf("unknown group: %s", id.SgidName)
	}
	return id, nil
}

// noSplit lists the local parts that split_addr() keeps whole.
func noSplit(cfg *config.Config) func(string) bool {
	special, _ := cfg.Bool("owner_request_special")
	dbl := cfg.Get("double_bounce_sender")
	dash := strings.Contains(cfg.Get("recipient_delimiter"), "-")
	return func(local string) bool {
		l := strings.ToLower(local)
		if l == "postmaster" || l == "mailer-daemon" || strings.EqualFold(local, dbl) {
			return true
		}
		return dash && special && (strings.HasPrefix(l, "owner-") || (len(l) > 8 && strings.HasSuffix(l, "-request")))
	}
}
