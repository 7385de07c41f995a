// Command postmap is Postfix's postmap(1): build, query, list and
// update lookup tables. See pkg/dict/mapcmd.
package main

import "github.com/postern/postern/pkg/dict/mapcmd"

func main() { mapcmd.Main(mapcmd.Postmap) }
