// Command docgen writes docs/parameters.md, the administrator's list of
// every main.cf parameter Postern knows: the parameter registry of
// pkg/config (Postfix 3.7.11's parameters, defaults and types) and, for
// each parameter, what Postern's code does with it, found by scanning
// the source (scan.go):
//
//   - read: the code of these packages reads it;
//   - refused: Postern stops with an error naming it when it is set
//     (declared in code whose name contains "unsupported");
//   - through $name: no code names it, but the default of a parameter in
//     use refers to it;
//   - otherwise Postern accepts it (postconf knows it, main.cf may set
//     it) and nothing uses it.
//
// Run it with "go generate ./pkg/config/internal/docgen"; the test of
// this package fails while docs/parameters.md is out of date.
//
// The scan sees names, not behaviour: a package that reads a parameter
// may implement only part of what Postfix does with it (see
// docs/compatibility.md), and a name built at run time in a way the scan
// does not follow is missed.
package main

//go:generate go run . -o ../../../../docs/parameters.md

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Parse()
	root, err := moduleRoot()
	if err == nil {
		var doc []byte
		if doc, err = generate(root); err == nil {
			if *out == "" {
				_, err = os.Stdout.Write(doc)
			} else {
				err = os.WriteFile(*out, doc, 0644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

// generate returns the text of docs/parameters.md for the tree at root.
func generate(root string) ([]byte, error) {
	lits, err := scan(root)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	render(&buf, lits)
	return buf.Bytes(), nil
}

// moduleRoot is the nearest directory above the current one with go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the current directory")
		}
		dir = parent
	}
}
