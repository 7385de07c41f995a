package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file reads the CONFIG_*_TABLE arrays out of a Postfix source tree,
// the same way Postfix's own postconf/extract.awk does when it builds the
// table of built-in parameters: every "VAR_X, DEF_X, &var_x, min, max," line
// inside a "CONFIG_<KIND>_TABLE name[] = {" ... "};" block of
// postfix/src/*/*.c is one parameter of that kind.

// cTable is one parameter occurrence in a C table.
type cTable struct {
	name     string // parameter name (VAR_ macro resolved)
	kind     string // kind name as in types.tsv
	def      string // DEF_ expression, unresolved
	min, max int64  // bounds, resolved
	file     string // source file, relative to src
}

// cKinds maps the C table type to a kind name of types.tsv. NINT (an int
// whose default is a string expression) is an Int for us.
var cKinds = map[string]string{
	"CONFIG_INT_TABLE":    "int",
	"CONFIG_NINT_TABLE":   "int",
	"CONFIG_LONG_TABLE":   "long",
	"CONFIG_BOOL_TABLE":   "bool",
	"CONFIG_NBOOL_TABLE":  "nbool",
	"CONFIG_TIME_TABLE":   "time",
	"CONFIG_STR_TABLE":    "str",
	"CONFIG_STR_FN_TABLE": "str",
	"CONFIG_RAW_TABLE":    "raw",
}

var (
	tableStartRE = regexp.MustCompile(`^(?:static|\s)*(?:const\s+)?(CONFIG_[A-Z_]+_TABLE)\s.*\{`)
	defineRE     = regexp.MustCompile(`^#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+(.*))?$`)
	commentRE    = regexp.MustCompile(`/\*.*?\*/`)
)

// cSource is a scanned Postfix source tree.
type cSource struct {
	defines map[string][]string // macro name -> every body seen (#ifdef branches)
	tables  []cTable
}

// scanSource reads every .h and .c file under src (postfix/src).
func scanSource(src string) (*cSource, error) {
	s := &cSource{defines: map[string][]string{}}
	files, err := filepath.Glob(filepath.Join(src, "*", "*.[ch]"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no */*.c files: not a postfix/src directory", src)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := s.scanDefines(f); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".c") && !strings.Contains(f, "/postconf/") {
			if err := s.scanTables(src, f); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// scanDefines records object-like #define bodies, joining continuation
// lines; function-like macros are not needed and are skipped.
func (s *cSource) scanDefines(file string) error {
	var cont string
	return eachLine(file, func(line string) error {
		if cont != "" || strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\")
			if strings.HasSuffix(line, "\\") {
				return nil
			}
			line, cont = cont, ""
		}
		m := defineRE.FindStringSubmatch(line)
		if m != nil {
			body := strings.TrimSpace(commentRE.ReplaceAllString(m[2], ""))
			s.defines[m[1]] = append(s.defines[m[1]], body)
		}
		return nil
	})
}

func (s *cSource) scanTables(src, file string) error {
	rel, _ := filepath.Rel(src, file)
	kind := ""
	lineno := 0
	return eachLine(file, func(line string) error {
		lineno++
		if kind == "" {
			if m := tableStartRE.FindStringSubmatch(line); m != nil {
				kind = cKinds[m[1]] // "" for tables we do not know: skipped
				if kind == "" && !strings.Contains(line, "};") {
					kind = "-"
				}
			}
			return nil
		}
		if strings.Contains(line, "};") {
			kind = ""
			return nil
		}
		if kind == "-" || !strings.HasPrefix(strings.TrimSpace(line), "VAR") {
			return nil
		}
		t, err := s.parseEntry(kind, line)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", rel, lineno, err)
		}
		t.file = rel
		s.tables = append(s.tables, t)
		return nil
	})
}

// parseEntry parses "VAR_X, DEF_X, &var_x[, min, max]," of one table line.
func (s *cSource) parseEntry(kind, line string) (cTable, error) {
	line = strings.TrimSpace(commentRE.ReplaceAllString(line, ""))
	f := strings.Split(strings.TrimSuffix(line, ","), ",")
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	t := cTable{kind: kind}
	if len(f) != 3 && len(f) != 5 {
		return t, fmt.Errorf("cannot parse table entry %q", line)
	}
	name, err := s.evalString(f[0], 0)
	if err != nil {
		return t, err
	}
	t.name, t.def = name, f[1]
	if len(f) == 5 {
		if t.min, err = s.evalInt(f[3], 0); err != nil {
			return t, err
		}
		if t.max, err = s.evalInt(f[4], 0); err != nil {
			return t, err
		}
	}
	return t, nil
}

// evalString evaluates a C string expression: "literal" and macro names,
// concatenated. The first definition of a macro is used.
func (s *cSource) evalString(expr string, depth int) (string, error) {
	if depth > 20 {
		return "", fmt.Errorf("macro loop in %q", expr)
	}
	var out strings.Builder
	for expr = strings.TrimSpace(expr); expr != ""; expr = strings.TrimSpace(expr) {
		if expr[0] == '"' {
			end := closingQuote(expr)
			if end < 0 {
				return "", fmt.Errorf("unterminated string in %q", expr)
			}
			lit, err := strconv.Unquote(expr[:end+1])
			if err != nil {
				return "", fmt.Errorf("bad string %q: %v", expr[:end+1], err)
			}
			out.WriteString(lit)
			expr = expr[end+1:]
			continue
		}
		id := identRE.FindString(expr)
		body, ok := s.defines[id]
		if id == "" || !ok {
			return "", fmt.Errorf("cannot evaluate %q as a string", expr)
		}
		v, err := s.evalString(body[0], depth+1)
		if err != nil {
			return "", err
		}
		out.WriteString(v)
		expr = expr[len(id):]
	}
	return out.String(), nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)

func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// evalInt evaluates a bound: a decimal number or a macro defined as one.
func (s *cSource) evalInt(expr string, depth int) (int64, error) {
	expr = strings.Trim(strings.TrimSpace(expr), "()")
	if n, err := strconv.ParseInt(strings.TrimRight(expr, "L"), 10, 64); err == nil {
		return n, nil
	}
	body, ok := s.defines[expr]
	if !ok || depth > 20 {
		return 0, fmt.Errorf("cannot evaluate bound %q", expr)
	}
	return s.evalInt(body[0], depth+1)
}

// defaults returns every value a DEF_ expression can have over the #ifdef
// branches of its definition (used only to report build-dependent defaults).
func (s *cSource) defaults(expr string) []string {
	if bodies, ok := s.defines[expr]; ok {
		var out []string
		for _, b := range bodies {
			if v, err := s.evalString(b, 0); err == nil {
				out = append(out, v)
			} else if n, err := s.evalInt(b, 0); err == nil {
				out = append(out, strconv.FormatInt(n, 10))
			}
		}
		return out
	}
	if v, err := s.evalString(expr, 0); err == nil {
		return []string{v}
	}
	return nil
}

func eachLine(file string, fn func(string) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if err := fn(sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}
