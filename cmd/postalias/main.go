// Command postalias is Postfix's postalias(1): build, query, list and
// update alias tables. See pkg/dict/mapcmd.
package main

import "github.com/postern/postern/pkg/dict/mapcmd"

func main() { mapcmd.Main(mapcmd.Postalias) }
