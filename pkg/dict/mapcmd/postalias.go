package mapcmd

import (
	"github.com/postern/postern/pkg/dict"
)

var postaliasTool = tool{
	spec:     "Nc:d:finopq:rsuvw",
	usage:    "[-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file...",
	conflict: "specify only one of -s -q or -d",
	pairFmt:  "%s:\t%s\n",
	alias:    true,
}

// Postalias is postalias(1).
func Postalias(env Env) int {
	return run(env, func(p *prog) error { return postmapMain(p, postaliasTool, env.Args) })
}

// Newaliases is newaliases(1) (also sendmail -bi / -I): postalias of
// every table in $alias_database. configDir is the configuration
// directory ("" for $MAIL_CONFIG or the default); cmd/sendmail passes
// its -C argument here.
func Newaliases(env Env, configDir string) int {
	return run(env, func(p *prog) error {
		if err := p.loadConfig(configDir); err != nil {
			return err
		}
		o := dict.BuildOptions{
			Flags:    dict.DupWarn | dict.FoldFix,
			KeepPerm: true, AsOwner: true,
			Warn:     p.warn,
			Hostname: p.cfg.Get("myhostname"),
		}
		if utf8Enabled(p.cfg) {
			o.Flags |= dict.Utf8
		}
		typ := p.cfg.Get("default_database_type")
		if err := dict.NewAliases(p.cfg.Get("alias_database"), typ, o); err != nil {
			return fatalf("%s", errText(err))
		}
		return nil
	})
}
