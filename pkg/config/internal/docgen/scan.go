package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The source scan: which parameter names the Go code of pkg/ and cmd/
// spells out, and where. It reads the syntax tree, never comments.
//
//   - A string literal that is a parameter's name reads that parameter.
//   - A concatenation of literals and other values ("default_" + kind +
//     "_feedback", transport + "_destination_rate_delay", pfx +
//     "tcp_port") reads every parameter it can build: a leading value
//     before a literal that starts with "_" stands for a service name, a
//     leading value before another literal for one of the prefix literals
//     of the code ("smtp_", "lmtp_", ...), any other value for a word.
//   - A literal that starts with "_" and names no parameter by itself
//     (qmgr's table of per-transport suffixes) is a suffix: it reads the
//     parameters that end with it.
//   - A literal with an underscore that names no parameter by itself is
//     tried after each prefix literal ("tls_policy_maps" with "smtp_").
//
// A name found inside a declaration or function whose name contains
// "unsupported" is refused rather than read: by convention (pkg/smtpd,
// pkg/cleanup, pkg/smtpclient) such code makes Postern stop with an
// error when the parameter is set, instead of ignoring it.

// excluded are the directories whose code names parameters without
// implementing them: the registry and main.cf parser, postconf (which
// prints and edits any parameter), this generator, and the postfix
// command's validation table of every global parameter.
var excluded = []string{"pkg/config", "pkg/postconf"}

var excludedFiles = []string{"pkg/master/control/params.go"}

// use is where a parameter is named: the package directories that read
// it and those that refuse it.
type use struct {
	read, refused []string
}

// literal is a string literal found in code, or a concatenation.
type literal struct {
	pkg     string
	refused bool
	parts   []string // literal parts; "" and "*" between them stand for values
	concat  bool
}

var nameChars = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

// scan parses every non-test Go file under root/pkg and root/cmd.
func scan(root string) ([]literal, error) {
	var lits []literal
	for _, top := range []string{"pkg", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if slices.Contains(excluded, rel) || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || slices.Contains(excludedFiles, rel) {
				return nil
			}
			found, err := scanFile(path, filepath.ToSlash(filepath.Dir(rel)))
			lits = append(lits, found...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return lits, nil
}

func scanFile(path, pkg string) ([]literal, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var lits []literal
	for _, decl := range f.Decls {
		refused := strings.Contains(strings.ToLower(declName(decl)), "unsupported")
		lits = append(lits, scanNode(decl, pkg, refused)...)
	}
	return lits, nil
}

// declName is a function's name or the names a declaration declares.
func declName(decl ast.Decl) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return d.Name.Name
	case *ast.GenDecl:
		var names []string
		for _, s := range d.Specs {
			if v, ok := s.(*ast.ValueSpec); ok {
				for _, n := range v.Names {
					names = append(names, n.Name)
				}
			}
		}
		return strings.Join(names, " ")
	}
	return ""
}

// scanNode collects the literals and the concatenations under n; a
// concatenation is one literal, its sub-chains are not collected again.
func scanNode(n ast.Node, pkg string, refused bool) []literal {
	var lits []literal
	inner := map[ast.Node]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		switch e := n.(type) {
		case *ast.BinaryExpr:
			if e.Op != token.ADD || inner[e] {
				return true
			}
			if parts, ok := concatParts(e, inner); ok {
				lits = append(lits, literal{pkg: pkg, refused: refused, parts: parts, concat: true})
			}
		case *ast.BasicLit:
			if s, ok := stringLit(e); ok && nameChars.MatchString(s) {
				lits = append(lits, literal{pkg: pkg, refused: refused, parts: []string{s}})
			}
		}
		return true
	})
	return lits
}

// concatParts flattens a chain of +: literal text, "" for anything else
// ("*" for consecutive values), and marks the chain's inner + nodes.
// Only chains of name characters with a value and a literal of at least
// four characters count.
func concatParts(e *ast.BinaryExpr, inner map[ast.Node]bool) ([]string, bool) {
	var parts []string
	var walk func(ast.Expr)
	walk = func(x ast.Expr) {
		if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.ADD {
			inner[b] = true
			walk(b.X)
			walk(b.Y)
			return
		}
		if lit, ok := x.(*ast.BasicLit); ok {
			if s, ok := stringLit(lit); ok {
				parts = append(parts, s)
				return
			}
		}
		switch {
		case len(parts) == 0 || !isValue(parts[len(parts)-1]):
			parts = append(parts, "")
		default:
			parts[len(parts)-1] = "*"
		}
	}
	walk(e)
	long := false
	for _, p := range parts {
		if !isValue(p) && !nameChars.MatchString(p) {
			return nil, false
		}
		long = long || len(p) >= 4
	}
	return parts, long && slices.ContainsFunc(parts, isValue)
}

// isValue: "" stands for a value in a concatenation, "*" for several.
func isValue(part string) bool { return part == "" || part == "*" }

func stringLit(l *ast.BasicLit) (string, bool) {
	if l.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}
