# Shell functions of scripts/install and scripts/uninstall (sourced, not
# run). The callers set destdir, prefix, daemon_dir, command_dir and top.
#
# The manifest ($state_dir/install.manifest) has one line per item, fields
# separated by tabs:
#
#   TYPE MODE OWNER GROUP PATH [TARGET]
#
#   f  a program or unit file installed      (removed by uninstall)
#   l  a symbolic link to TARGET installed   (removed by uninstall)
#   c  a configuration file created          (kept by uninstall)
#   d  a queue or data directory             (kept by uninstall)
#   D  a directory created for the above     (removed by uninstall if empty)
#   b  a file that was there and was moved to $state_dir/replaced/PATH
#      before Postern's replaced it          (put back by uninstall)
#   U, G  the user or group created          (kept by uninstall)
#
# PATH is the path on the installed system (without DESTDIR). MODE, OWNER
# and GROUP are what the item must have there: a DESTDIR install as an
# ordinary user cannot set them, a package built from it can, and
# "postfix set-permissions" on the installed system sets those of the
# queue and data directories and of postdrop and postqueue.

state_dir=/var/lib/postern
manifest=$destdir$state_dir/install.manifest
replaced=$destdir$state_dir/replaced
queue_default=/var/spool/postfix
data_default=/var/lib/postfix

# Postfix's command names (postfix-files $command_directory); every other
# program of ./cmd is a daemon. The set-group-ID ones are root:postdrop 2755.
postfix_commands="postalias postcat postconf postdrop postfix postkick postlock postlog postmap postmulti postqueue postsuper sendmail"
setgid_commands="postdrop postlog postqueue"
# Postfix 3.7's daemon programs ($daemon_directory). Those that Postern
# does not have are moved aside: the Postern master cannot run them.
postfix_daemons="anvil bounce cleanup discard dnsblog error flush lmtp local master nqmgr oqmgr pickup pipe postlogd postscreen proxymap qmgr qmqpd scache showq smtp smtpd spawn tlsmgr tlsproxy trivial-rewrite verify virtual"

notes=""

die() {
	echo "$0: error: $*" >&2
	exit 1
}

# note collects a line for the summary at the end.
note() {
	notes="$notes
  $*"
}

is_root() { [ "$(id -u)" = 0 ]; }

word_in() { # WORD LIST
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# check_layout refuses relative or blank-containing directory names: the
# manifest is a whitespace-separated list of absolute paths.
check_layout() {
	for p in "$prefix" "$daemon_dir" "$command_dir" ${config_dir:+"$config_dir"}; do
		case $p in
		/*) ;;
		*) die "not an absolute path: '$p'" ;;
		esac
		case $p in
		*[[:space:]]*) die "white space in a directory name is not supported: '$p'" ;;
		esac
	done
	case $destdir in
	*[[:space:]]*) die "white space in DESTDIR is not supported: '$destdir'" ;;
	"" | /*) ;;
	*) die "DESTDIR must be an absolute path: '$destdir'" ;;
	esac
}

# group_exists and user_exists ask the system databases (getent), or the
# files when there is no getent.
group_exists() {
	if command -v getent >/dev/null 2>&1; then
		getent group "$1" >/dev/null
	else
		grep -q "^$1:" /etc/group
	fi
}

user_exists() {
	if command -v getent >/dev/null 2>&1; then
		getent passwd "$1" >/dev/null
	else
		grep -q "^$1:" /etc/passwd
	fi
}

# master_running: the master holds an exclusive flock on
# $queue_directory/pid/master.pid while it runs, Postfix's and Postern's.
master_running() {
	pidfile=$1/pid/master.pid
	[ -f "$pidfile" ] || return 1
	if command -v flock >/dev/null 2>&1; then
		! flock -n "$pidfile" true
		return
	fi
	pid=$(tr -d ' \n' <"$pidfile")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# refuse_running QUEUE_DIRECTORY stops an install or uninstall under a
# running mail system: its master would start the new daemons.
refuse_running() {
	if master_running "$1"; then
		die "the mail system is running (lock $1/pid/master.pid): stop it first (systemctl stop postfix, or postfix stop)"
	fi
}

# record appends one manifest line.
record() { # TYPE MODE OWNER GROUP PATH [TARGET]
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$manifest"
	printf '%s\t%s\n' "$1" "$5" >>"$this_run"
}

# manifest_has TYPES PATH: the manifest of the previous install lists PATH
# with one of TYPES (a string of type letters).
manifest_has() {
	[ -f "$old_manifest" ] || return 1
	awk -F'\t' -v types="$1" -v p="$2" \
		'index(types, $1) && $5 == p { found = 1 } END { exit !found }' "$old_manifest"
}
