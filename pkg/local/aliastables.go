package local

import (
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Table provenance (DICT_OWNER_*): commands and files named in an alias
// run with the rights of the table's owner, or of default_privs when
// root owns it; with an unknown owner such deliveries are deferred.
const (
	ownerTrusted   = 0 // owned by root
	ownerUntrusted = 1 // owned by the user ownerUID
	ownerUnknown   = -1
)

type tableOwner struct {
	status int
	uid    int
}

// aliasTable is one table of alias_maps.
type aliasTable struct {
	spec string
	d    dict.Dict
}

// owner returns who owns the table now: tables are reopened when
// postalias replaces them, so the owner is looked up at each use.
func (t aliasTable) owner() tableOwner { return specOwner(t.spec) }

// aliasMaps is alias_maps, opened table by table as local(8) needs them:
// "proxy:" is dropped (local opens the tables directly) and $number
// substitution is refused in regexp and pcre tables (DICT_FLAG_NO_REGSUB).
type aliasMaps struct {
	tables []aliasTable
	all    *dict.Maps // every table, for owner- lookups (maps_find())
}

func openAliases(value string, opts dict.Options) (*aliasMaps, error) {
	opts.Flags |= dict.NoRegsub
	am := &aliasMaps{}
	var specs []string
	var dicts []dict.Dict
	for _, spec := range config.SplitList(value) {
		spec = strings.TrimPrefix(spec, "proxy:")
		d, err := openAliasTable(spec, opts)
		if err != nil {
			am.close()
			return nil, err
		}
		am.tables = append(am.tables, aliasTable{spec: spec, d: d})
		specs, dicts = append(specs, spec), append(dicts, d)
	}
	am.all = dict.NewMaps("alias_maps", specs, dicts)
	return am, nil
}

// openAliasTable opens one table.
func openAliasTable(spec string, opts dict.Options) (dict.Dict, error) {
	d, err := dict.Open(spec, opts)
	if err != nil {
		return nil, &tableError{"alias_maps", err}
	}
	return d, nil
}

type tableError struct {
	param string
	err   error
}

func (e *tableError) Error() string { return e.param + ": " + e.err.Error() }

func (am *aliasMaps) close() {
	for _, t := range am.tables {
		t.d.Close()
	}
	am.tables = nil
}

// fileSuffix is the file an indexed table type reads.
var fileSuffix = map[string]string{"hash": ".db", "btree": ".db", "cdb": ".cdb", "lmdb": ".lmdb",
	"texthash": "", "regexp": "", "pcre": "", "cidr": "", "ldap": ""}

// specOwner finds who owns a table's file, as each Postfix table type
// records it at open time: root-owned files and in-line tables are
// trusted; a table combining tables of different users has an unknown
// owner (DICT_OWNER_AGGREGATE_UPDATE).
func specOwner(spec string) tableOwner {
	typ, name, _ := strings.Cut(spec, ":")
	switch typ {
	case "static", "inline":
		return tableOwner{ownerTrusted, 0}
	case "unionmap", "pipemap":
		return aggregateOwner(name)
	}
	sfx, ok := fileSuffix[typ]
	if !ok || strings.HasPrefix(name, "{") {
		if ok {
			return tableOwner{ownerTrusted, 0}
		}
		return tableOwner{ownerUnknown, -1}
	}
	st, err := os.Stat(name + sfx)
	if err != nil {
		return tableOwner{ownerUnknown, -1}
	}
	uid := fileUID(st)
	if uid == 0 {
		return tableOwner{ownerTrusted, 0}
	}
	return tableOwner{ownerUntrusted, uid}
}

func aggregateOwner(name string) tableOwner {
	inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(name), "{"), "}")
	agg := tableOwner{ownerTrusted, 0}
	for _, spec := range config.SplitList(inner) {
		src := specOwner(spec)
		switch {
		case agg.status == ownerTrusted || src.status == ownerUnknown:
			agg = src
		case agg.status == src.status && agg.uid != src.uid:
			agg = tableOwner{ownerUnknown, -1}
		}
	}
	return agg
}
