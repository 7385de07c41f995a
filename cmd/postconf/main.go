// Command postconf shows and edits the Postfix configuration (main.cf and
// master.cf), as Postfix's postconf(1). See package postconf.
package main

import (
	"os"

	"github.com/postern/postern/pkg/postconf"
)

func main() {
	os.Exit(postconf.Run(os.Args[0], os.Args[1:], os.Stdout, os.Stderr))
}
