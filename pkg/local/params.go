package local

import (
	"fmt"
	"os/user"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/mailbox"
)

// Params are the main.cf parameters local(8) reads (local.c main()).
var Params = []string{
	"alias_maps", "allow_mail_to_commands", "allow_mail_to_files", "biff",
	"command_execution_directory", "command_expansion_filter", "command_time_limit",
	"default_privs", "deliver_lock_attempts", "deliver_lock_delay",
	"duplicate_filter_limit", "enable_original_recipient",
	"execution_directory_expansion_filter", "expand_owner_alias", "export_environment",
	"fallback_transport", "fallback_transport_maps", "forward_expansion_filter",
	"forward_path", "frozen_delivered_to", "home_mailbox", "ipc_timeout",
	"line_length_limit", "local_command_shell", "local_delivery_status_filter",
	"luser_relay", "mail_owner", "mail_spool_directory", "mailbox_command",
	"mailbox_command_maps", "mailbox_delivery_lock", "mailbox_size_limit",
	"mailbox_transport", "mailbox_transport_maps", "message_size_limit",
	"owner_request_special", "prepend_delivered_header", "propagate_unmatched_extensions",
	"queue_directory", "recipient_delimiter", "require_home_directory",
	"reset_owner_alias", "stale_lock_time", "strict_mailbox_ownership",
	"sun_mailtool_compatibility", "cleanup_service_name", "double_bounce_sender",
}

// Delivered-To contexts (prepend_delivered_header, DELIVER_HDR_*).
const (
	deliverHdrCmd  = 1 << 0
	deliverHdrFile = 1 << 1
	deliverHdrFwd  = 1 << 2
)

// Extension propagation (propagate_unmatched_extensions, EXT_PROP_*).
const (
	extPropCanonical = 1 << 0
	extPropVirtual   = 1 << 1
	extPropAlias     = 1 << 2
	extPropForward   = 1 << 3
	extPropInclude   = 1 << 4
	extPropGeneric   = 1 << 5
)

var expandNames = []mailbox.NameBit{nb("alias", expandAlias), nb("forward", expandForward), nb("include", expandInclude)}

var deliverHdrNames = []mailbox.NameBit{nb("command", deliverHdrCmd), nb("file", deliverHdrFile), nb("forward", deliverHdrFwd)}

var extPropNames = []mailbox.NameBit{nb("canonical", extPropCanonical), nb("virtual", extPropVirtual),
	nb("alias", extPropAlias), nb("forward", extPropForward), nb("include", extPropInclude), nb("generic", extPropGeneric)}

func nb(name string, bit int) mailbox.NameBit { return mailbox.NameBit{Name: name, Bit: bit} }

// params holds local(8)'s settings.
type params struct {
	cmdMask, fileMask, hdrMask, extProp int
	lock                                mailbox.LockMask
	lockParams                          mailbox.LockParams

	// Raw (unexpanded) parameters, expanded per recipient.
	forwardPath, mailboxCommand, luserRelay, execDirectory string

	homeMailbox, spoolDir, mailboxTransport, fallbackTransport string
	cmdFilter, fwdFilter, execFilter, rcptDelim, commandShell  string
	exportEnv                                                  []string
	doubleBounce, cleanupService                               string

	cmdTimeLimit, ipcTimeout time.Duration
	dupLimit, lineLimit      int
	mailboxLimit             int64
	biff, expandOwner, ownerRequest, frozenDelivered, resetOwner,
	strictOwner, statHome, enableOrigRcpt bool
	defaultUID, defaultGID int
}

// readParams reads and checks the parameters, with Postfix's fatal
// messages for bad values.
func readParams(cfg *config.Config) (*params, error) {
	p := &params{}
	for _, f := range []func(*config.Config) error{p.readMasks, p.readStrings, p.readNumbers, p.readBools, p.readPrivs} {
		if err := f(cfg); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *params) readMasks(cfg *config.Config) error {
	var err error
	masks := []struct {
		param string
		names []mailbox.NameBit
		dst   *int
	}{
		{"allow_mail_to_commands", expandNames, &p.cmdMask},
		{"allow_mail_to_files", expandNames, &p.fileMask},
		{"prepend_delivered_header", deliverHdrNames, &p.hdrMask},
		{"propagate_unmatched_extensions", extPropNames, &p.extProp},
	}
	for _, m := range masks {
		if *m.dst, err = mailbox.NameMask(m.param, cfg.Get(m.param), m.names); err != nil {
			return err
		}
	}
	if p.lock, err = mailbox.ParseLockMask("mailbox_delivery_lock", cfg.Get("mailbox_delivery_lock")); err != nil {
		return err
	}
	p.lockParams, err = mailbox.ReadLockParams(cfg)
	return err
}

func (p *params) readStrings(cfg *config.Config) error {
	raw := func(name string) string { v, _ := cfg.Raw(name); return v }
	p.forwardPath, p.mailboxCommand = raw("forward_path"), raw("mailbox_command")
	p.luserRelay, p.execDirectory = raw("luser_relay"), raw("command_execution_directory")
	p.homeMailbox, p.spoolDir = cfg.Get("home_mailbox"), cfg.Get("mail_spool_directory")
	p.mailboxTransport, p.fallbackTransport = cfg.Get("mailbox_transport"), cfg.Get("fallback_transport")
	p.cmdFilter, p.fwdFilter = cfg.Get("command_expansion_filter"), cfg.Get("forward_expansion_filter")
	p.execFilter, p.rcptDelim = cfg.Get("execution_directory_expansion_filter"), cfg.Get("recipient_delimiter")
	p.commandShell, p.exportEnv = cfg.Get("local_command_shell"), cfg.List("export_environment")
	p.doubleBounce, p.cleanupService = cfg.Get("double_bounce_sender"), cfg.Get("cleanup_service_name")
	if v := cfg.Get("local_delivery_status_filter"); v != "" {
		// XXX: dsn_filter(3) is not implemented.
		return fmt.Errorf("local_delivery_status_filter = %s: delivery status filters are not implemented in Postern", v)
	}
	return nil
}

func (p *params) readNumbers(cfg *config.Config) error {
	var err error
	if p.cmdTimeLimit, err = cfg.Duration("command_time_limit"); err != nil {
		return err
	}
	if p.ipcTimeout, err = cfg.Duration("ipc_timeout"); err != nil {
		return err
	}
	if p.dupLimit, err = cfg.Int("duplicate_filter_limit"); err != nil {
		return err
	}
	if p.lineLimit, err = cfg.Int("line_length_limit"); err != nil {
		return err
	}
	if p.mailboxLimit, err = cfg.Long("mailbox_size_limit"); err != nil {
		return err
	}
	return checkSizeLimits(cfg, "mailbox_size_limit", p.mailboxLimit)
}

// checkSizeLimits is local.c pre_init(): a mailbox limit below the
// message limit would make deliveries fail forever.
func checkSizeLimits(cfg *config.Config, name string, limit int64) error {
	if limit <= 0 {
		return nil
	}
	msgLimit, err := cfg.Long("message_size_limit")
	if err != nil {
		return err
	}
	if msgLimit <= 0 {
		return fmt.Errorf("configuration error: %s is limited but message_size_limit is unlimited", name)
	}
	if limit < msgLimit {
		return fmt.Errorf("configuration error: %s is smaller than message_size_limit", name)
	}
	return nil
}

func (p *params) readBools(cfg *config.Config) error {
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"biff", &p.biff}, {"expand_owner_alias", &p.expandOwner},
		{"owner_request_special", &p.ownerRequest}, {"frozen_delivered_to", &p.frozenDelivered},
		{"reset_owner_alias", &p.resetOwner}, {"strict_mailbox_ownership", &p.strictOwner},
		{"require_home_directory", &p.statHome}, {"enable_original_recipient", &p.enableOrigRcpt},
	} {
		v, err := cfg.Bool(b.name)
		if err != nil {
			return err
		}
		*b.dst = v
	}
	compat, err := cfg.Bool("sun_mailtool_compatibility")
	if err == nil && compat {
		// local_mask_init(): the deprecated switch keeps dotlock only.
		p.lock &= mailbox.LockDot
		if p.lock == 0 {
			return fmt.Errorf("parameter mailbox_delivery_lock specifies no applicable mailbox locking method")
		}
	}
	return err
}

// readPrivs looks up default_privs (mail_params.c check_default_privs).
func (p *params) readPrivs(cfg *config.Config) error {
	name := cfg.Get("default_privs")
	where := "file " + cfg.Dir + "/main.cf: parameter default_privs"
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("%s: unknown user name value: %s", where, name)
	}
	p.defaultUID, _ = strconv.Atoi(u.Uid)
	p.defaultGID, _ = strconv.Atoi(u.Gid)
	if p.defaultUID == 0 {
		return fmt.Errorf("%s: user %s has privileged user ID", where, name)
	}
	if p.defaultGID == 0 {
		return fmt.Errorf("%s: user %s has privileged group ID", where, name)
	}
	if name == cfg.Get("mail_owner") {
		return fmt.Errorf("file %s/main.cf: parameters default_privs and mail_owner specify the same user %s", cfg.Dir, name)
	}
	return nil
}
