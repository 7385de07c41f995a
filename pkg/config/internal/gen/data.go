package main

// Facts about Postfix 3.7.11 that are not in a CONFIG_*_TABLE.

// adhocTypes are the parameters postconf registers by hand
// (postconf/postconf_builtin.c pcf_adhoc_*, postconf/install_table.h).
var adhocTypes = map[string]typeInfo{
	"process_name":     {kind: "str", source: "postconf_builtin.c(adhoc)"},
	"process_id":       {kind: "int", source: "postconf_builtin.c(adhoc)"},
	"service_name":     {kind: "str", source: "postconf_builtin.c(adhoc)"},
	"config_directory": {kind: "str", source: "postconf/install_table.h"},
	"debugger_command": {kind: "str", source: "postconf/install_table.h"},
}

// dynamic lists the parameters whose default Postfix computes at run time
// or takes from its build configuration, with the reason. Their Default in
// the table is what postconf -d printed on the generating machine (Debian's
// build), except process_id (see pidParam).
var dynamic = map[string]string{
	"myhostname":            "host: gethostname(), made fully qualified with $mydomain",
	"mydomain":              "host: $myhostname minus its first label, else localdomain",
	"mynetworks":            "host: networks of the local interfaces, per mynetworks_style",
	"process_id":            "run time: the pid of the process (read-only)",
	"process_name":          "run time: the program name (read-only)",
	"service_name":          "run time: the master.cf service name (read-only)",
	"mail_version":          "build: mail_version.h",
	"mail_release_date":     "build: mail_version.h",
	"config_directory":      "build: DEF_CONFIG_DIR; -c or MAIL_CONFIG at run time",
	"daemon_directory":      "build: DEF_DAEMON_DIR (make makefiles)",
	"command_directory":     "build: DEF_COMMAND_DIR (make makefiles)",
	"queue_directory":       "build: DEF_QUEUE_DIR (make makefiles)",
	"data_directory":        "build: DEF_DATA_DIR (make makefiles)",
	"meta_directory":        "build: DEF_META_DIR (make makefiles)",
	"sample_directory":      "build: DEF_SAMPLE_DIR (make makefiles)",
	"readme_directory":      "build: DEF_README_DIR (make makefiles)",
	"html_directory":        "build: DEF_HTML_DIR (make makefiles)",
	"manpage_directory":     "build: DEF_MANPAGE_DIR (make makefiles)",
	"shlib_directory":       "build: DEF_SHLIB_DIR (make makefiles)",
	"sendmail_path":         "build: DEF_SENDMAIL_PATH (make makefiles)",
	"newaliases_path":       "build: DEF_NEWALIAS_PATH (make makefiles)",
	"mailq_path":            "build: DEF_MAILQ_PATH (make makefiles)",
	"tls_eecdh_auto_curves": "TLS library: the curves OpenSSL knows (DEF_TLS_EECDH_AUTO_*)",
}

// pidParam has no stable default to record: postconf -d prints its own pid.
const pidParam = "process_id"

// serviceSuffix is one per-service parameter of postconf_service.c
// pcf_register_service_parameters(): for every master.cf service whose
// command is in commands, postconf knows <service><suffix> with default
// "$<base>". Kind and bounds are those of base, as qmgr_transport.c,
// pipe.c and spawn.c read them with get_mail_conf_{int,time}2(); time
// values have default unit 's' there.
type serviceSuffix struct {
	suffix, base string
	commands     string // name of the Go variable listing the commands
}

const (
	deliveryCommandsVar  = "deliveryCommands"
	timeLimitCommandsVar = "timeLimitCommands"
)

// commandLists are the master.cf command names (argv[0] basename) of
// postconf_service.c service_defs.
var commandLists = map[string][]string{
	deliveryCommandsVar:  {"local", "error", "virtual", "smtp", "lmtp", "pipe"},
	timeLimitCommandsVar: {"pipe", "spawn"},
}

var serviceSuffixes = []serviceSuffix{
	{"_time_limit", "command_time_limit", timeLimitCommandsVar},
	{"_recipient_limit", "default_recipient_limit", deliveryCommandsVar},
	{"_extra_recipient_limit", "default_extra_recipient_limit", deliveryCommandsVar},
	{"_recipient_refill_limit", "default_recipient_refill_limit", deliveryCommandsVar},
	{"_recipient_refill_delay", "default_recipient_refill_delay", deliveryCommandsVar},
	{"_delivery_slot_cost", "default_delivery_slot_cost", deliveryCommandsVar},
	{"_delivery_slot_loan", "default_delivery_slot_loan", deliveryCommandsVar},
	{"_delivery_slot_discount", "default_delivery_slot_discount", deliveryCommandsVar},
	{"_minimum_delivery_slots", "default_minimum_delivery_slots", deliveryCommandsVar},
	{"_initial_destination_concurrency", "initial_destination_concurrency", deliveryCommandsVar},
	{"_destination_concurrency_limit", "default_destination_concurrency_limit", deliveryCommandsVar},
	{"_destination_recipient_limit", "default_destination_recipient_limit", deliveryCommandsVar},
	{"_destination_concurrency_positive_feedback", "default_destination_concurrency_positive_feedback", deliveryCommandsVar},
	{"_destination_concurrency_negative_feedback", "default_destination_concurrency_negative_feedback", deliveryCommandsVar},
	{"_destination_concurrency_failed_cohort_limit", "default_destination_concurrency_failed_cohort_limit", deliveryCommandsVar},
	{"_destination_rate_delay", "default_destination_rate_delay", deliveryCommandsVar},
	{"_transport_rate_delay", "default_transport_rate_delay", deliveryCommandsVar},
}
