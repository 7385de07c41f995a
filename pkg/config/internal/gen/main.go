// Command gen rebuilds pkg/config/params_table.go, the data of Postern's
// parameter registry, from the real Postfix 3.7.11:
//
//	cd pkg/config && go run ./internal/gen [flags]
//
// Defaults come from "postconf -d" (the exact text it prints), default time
// units from "postconf -dx", both run against a private configuration
// directory with an empty main.cf and the stock master.cf. Kinds and bounds
// come from internal/gen/types.tsv, which "-src DIR" first rebuilds from a
// Postfix source tree (DIR is postfix/src of github.com/vdukhovni/postfix at
// tag v3.7.11; read it from a scratch copy, never commit it). "-report"
// prints, from the source tree, the defaults that depend on the platform or
// build, to review the Dynamic list in data.go.
//
// The generator fails, and writes nothing, when a printed parameter has no
// type or a typed parameter is no longer printed.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	postconf := flag.String("postconf", "/usr/sbin/postconf", "Postfix postconf command")
	typesPath := flag.String("types", "internal/gen/types.tsv", "type map (read; written with -src)")
	out := flag.String("o", "params_table.go", "output file")
	src := flag.String("src", "", "Postfix source tree (postfix/src) to rebuild the type map from")
	report := flag.Bool("report", false, "with -src: list build-dependent defaults and exit")
	flag.Parse()
	if err := run(*postconf, *typesPath, *out, *src, *report); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(postconf, typesPath, out, src string, report bool) error {
	vals, names, err := postconfDefaults(postconf)
	if err != nil {
		return err
	}
	if src != "" {
		s, err := scanSource(src)
		if err != nil {
			return err
		}
		if report {
			buildReport(s, vals)
			return nil
		}
		types, err := typesFromSource(s)
		if err != nil {
			return err
		}
		if err := writeTypes(typesPath, types); err != nil {
			return err
		}
	} else if report {
		return fmt.Errorf("-report needs -src")
	}
	return generate(postconf, typesPath, out, vals, names)
}

func generate(postconf, typesPath, out string, vals map[string]string, names []string) error {
	types, err := readTypes(typesPath)
	if err != nil {
		return err
	}
	expanded, _, err := postconfDefaults(postconf, "-x")
	if err != nil {
		return err
	}
	entries, err := buildEntries(vals, expanded, names, types)
	if err != nil {
		return err
	}
	services, err := stockServices(stockMasterCf)
	if err != nil {
		return err
	}
	if err := checkServiceAmbiguity(services, types, vals); err != nil {
		return err
	}
	return emit(out, entries, services, types)
}

// buildReport prints the parameters whose postconf -d default differs from
// the source's DEF_ value, or whose DEF_ value has #ifdef alternatives.
func buildReport(s *cSource, vals map[string]string) {
	seen := map[string]bool{}
	for _, t := range s.tables {
		v, ok := vals[t.name]
		if !ok || seen[t.name] {
			continue
		}
		seen[t.name] = true
		alts := s.defaults(t.def)
		mark := ""
		if len(s.defines[t.def]) > 1 {
			mark = "build-dependent"
		}
		if len(alts) > 0 && !matchesDefault(t.kind, v, alts) {
			mark += " differs"
		}
		if mark != "" {
			fmt.Printf("%s:%s\n\tpostconf -d: %q\n\t%s: %q\n", t.name, mark, v, t.def, alts)
		}
	}
}

func matchesDefault(kind, v string, alts []string) bool {
	for _, a := range alts {
		if a == v || kind == "bool" && (a == "1" && v == "yes" || a == "0" && v == "no") {
			return true
		}
	}
	return false
}
