// Package postconf is Postern's postconf(1): it shows and edits the
// Postfix configuration, main.cf and master.cf, with the options, output
// and messages of Postfix 3.7's postconf (postfix/src/postconf/*.c), so
// that scripts and the Postfix documentation work unchanged.
//
// # What it does
//
//	postconf [-c dir] [-dfhHnpx] [-C class] [-o name=value] [name...]
//	    main.cf parameters as "name = value": all, the named ones, only
//	    those set in main.cf (-n) or only the defaults (-d); -x expands
//	    $name, -h and -H drop the name or the value, -f folds lines
//	    longer than 80 columns with a four-space indent, -C selects
//	    builtin, service or user-defined parameters.
//	postconf -M [-fx] [service[/type]...]    master.cf entries, fields at
//	    columns 0 11 17 25 33 41 49 57, "-o name=value" on lines of their
//	    own with -f, {} around values with white space.
//	postconf -F [-hHx] [service[/type[/field]]...]   master.cf fields
//	postconf -P [-hHx] [service[/type[/parameter]]...]   master.cf -o settings
//	postconf -e name=value...; -X name...; -# name...    edit main.cf
//	postconf -Me service/type='entry'...; -MX, -M# service/type...
//	postconf -Fe service/type/field=value...
//	postconf -Pe service/type/name=value...; -PX service/type/name...
//	postconf -m | -l | -a | -A    table types, lock types, SASL types
//
// Each printed line is normalized as Postfix's pcf_print_line: runs of
// white space become one space. Parameters are looked up in the master.cf
// entry (with -M, -F, -P and -x), then main.cf and -o, then the default.
//
// # Diagnostics
//
// Messages go to standard error as "PROGRAM: warning: text" or
// "PROGRAM: fatal: text", PROGRAM being argv[0] as Postfix prints it.
// A fatal error exits with status 1, discarding output still buffered,
// as Postfix does. After showing parameters, postconf warns about:
//   - "DIR/main.cf: unused parameter: name=value" and the same for
//     master.cf "-o" settings: names that are not built in, not
//     per-service parameters of a master.cf service
//     (relay_destination_concurrency_limit, ...), not listed in
//     smtpd_restriction_classes and not referenced as $name anywhere;
//   - "DIR/main.cf: undefined parameter: name" for a $name that has no
//     value and no default;
//   - "DIR/main.cf: read-only parameter assignment: name=value" for
//     process_name, process_id and service_name, which are ignored;
//   - "ldap:/file: unused parameter: name=value" for unknown settings in
//     database client files named by tables such as ldap:/file, and
//     names such as foo_server_host are valid when a table is ldap:foo
//     (the legacy database parameters).
//
// # Editing
//
// Edits never rewrite what they do not touch: lines are copied byte for
// byte, a changed main.cf setting becomes "name = value" in place of its
// first occurrence, new settings are appended, a changed master.cf entry
// is printed as -Mf prints it. The result is written to FILE.tmp (mode
// 0600, locked with flock so concurrent postconf runs take turns), then
// given mode 0644, fsynced and renamed over FILE, and the directory is
// fsynced: a crash leaves either the old or the new file.
//
// # Parameters read
//
// config_directory comes from -c, else $MAIL_CONFIG, else the built-in
// default; it counts as set in main.cf when given either way, as in
// Postfix. The defaults come from the registry in pkg/config; the table
// types of -m from pkg/dict.
//
// # What it does not do
//
// -b and -t (bounce templates, which Postfix delegates to the bounce
// daemon) and -T (OpenSSL introspection; Postern uses Go's crypto/tls)
// fail with a message saying so. -v is accepted and ignored. Where
// Postfix walks hash tables (warnings, settings appended by one -e)
// its order is random; Postern uses file and command-line order. Postfix
// rereads main.cf while it is younger than a second ("hot"), repeating
// its warnings; Postern reads it once.
package postconf
