package config

// Kind is the type of a main.cf parameter, as in Postfix's CONFIG_*_TABLEs
// (global/mail_conf.h): it decides how a value is validated and converted.
type Kind int

const (
	Str   Kind = iota // free text; $name expanded at use time
	Raw               // free text; never expanded (CONFIG_RAW_TABLE)
	Int               // decimal integer (CONFIG_INT_TABLE)
	Long              // decimal integer, 64 bit (CONFIG_LONG_TABLE)
	Bool              // yes/no (CONFIG_BOOL_TABLE)
	NBool             // yes/no, "no" default form (CONFIG_NBOOL_TABLE)
	Time              // number with optional unit s/m/h/d/w (CONFIG_TIME_TABLE)
)

// Param is one entry of the parameter registry: the single place where a
// parameter's name, type, default and bounds are declared. postconf -d,
// postconf -n, "unused parameter" warnings and every daemon read it.
type Param struct {
	Name    string
	Kind    Kind
	Default string // exactly as Postfix 3.7 "postconf -d" prints it
	Unit    byte   // Time: default unit ('s', 'm', 'h', 'd', 'w'); 0 means 's'
	Min     int64  // Int/Long/Time: lower bound (seconds for Time); Str/Raw: minimum length
	Max     int64  // upper bound (Str/Raw: maximum length); 0 = none
	// Dynamic marks a default computed at run time from the host or fixed
	// at build time (myhostname, mydomain, mynetworks, daemon_directory,
	// ...); Default then holds what Debian's postconf -d prints, for
	// reference, and the config package computes the value as Postfix does.
	Dynamic bool
	// Deviates marks a default Postern changes on purpose (see
	// posternDefaults and docs/compatibility.md); Default holds Postern's.
	Deviates bool
}
