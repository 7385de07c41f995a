package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// typeInfo is one row of types.tsv: what Postfix's source says about a
// parameter besides its default text.
type typeInfo struct {
	kind     string // str raw int long bool nbool time
	min, max int64  // Int/Long/Time bounds (seconds); Str/Raw length bounds
	source   string // where it was found, for the reader
}

var validKinds = map[string]string{
	"str": "Str", "raw": "Raw", "int": "Int", "long": "Long",
	"bool": "Bool", "nbool": "NBool", "time": "Time",
}

const typesHeader = `# Parameter types of Postfix 3.7.11, extracted from its source by
#   go run ./internal/gen -src /path/to/postfix/src
# (the CONFIG_*_TABLE arrays of postfix/src/*/*.c, as postconf/extract.awk
# does). Columns: name, kind, min, max, source file. Bounds are in seconds
# for time, lengths for str/raw; 0 means none. Per-service parameters
# (<service>_delivery_slot_cost, ...) are not listed: the generator derives
# them from the parameter their default names.
`

// readTypes reads types.tsv.
func readTypes(path string) (map[string]typeInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	types := map[string]typeInfo{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, ti, err := parseTypeLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if _, dup := types[name]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate %s", path, n, name)
		}
		types[name] = ti
	}
	return types, sc.Err()
}

func parseTypeLine(line string) (string, typeInfo, error) {
	f := strings.Split(line, "\t")
	if len(f) != 5 {
		return "", typeInfo{}, fmt.Errorf("want 5 tab-separated columns, got %d", len(f))
	}
	ti := typeInfo{kind: f[1], source: f[4]}
	if _, ok := validKinds[ti.kind]; !ok {
		return "", ti, fmt.Errorf("%s: unknown kind %q", f[0], ti.kind)
	}
	var err error
	if ti.min, err = strconv.ParseInt(f[2], 10, 64); err != nil {
		return "", ti, fmt.Errorf("%s: bad min: %v", f[0], err)
	}
	if ti.max, err = strconv.ParseInt(f[3], 10, 64); err != nil {
		return "", ti, fmt.Errorf("%s: bad max: %v", f[0], err)
	}
	return f[0], ti, nil
}

// writeTypes writes types.tsv sorted by name.
func writeTypes(path string, types map[string]typeInfo) error {
	var b strings.Builder
	b.WriteString(typesHeader)
	for _, name := range sortedKeys(types) {
		t := types[name]
		fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%s\n", name, t.kind, t.min, t.max, t.source)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// typesFromSource builds the type map from a scanned source tree: one entry
// per parameter; a parameter declared in several programs must agree on
// kind and bounds.
func typesFromSource(s *cSource) (map[string]typeInfo, error) {
	types := map[string]typeInfo{}
	for _, t := range s.tables {
		ti := typeInfo{kind: t.kind, min: t.min, max: t.max, source: t.file}
		old, seen := types[t.name]
		if !seen {
			types[t.name] = ti
			continue
		}
		if old.kind != ti.kind || old.min != ti.min || old.max != ti.max {
			return nil, fmt.Errorf("%s: %s %d..%d in %s but %s %d..%d in %s",
				t.name, old.kind, old.min, old.max, old.source,
				ti.kind, ti.min, ti.max, ti.source)
		}
		if !strings.Contains(old.source, ti.source) {
			old.source += "," + ti.source
			types[t.name] = old
		}
	}
	for name, ti := range adhocTypes {
		if _, dup := types[name]; dup {
			return nil, fmt.Errorf("%s: ad-hoc parameter is also in a C table", name)
		}
		types[name] = ti
	}
	return types, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
