// Command postfix is Postfix's postfix(1): start, stop, reload and check
// the mail system. See pkg/master/control.
package main

import (
	"os"

	"github.com/postern/postern/pkg/master/control"
)

func main() { control.Main(os.Args[1:]) }
