// Command master is Postern's master(8): it owns the listening endpoints
// of master.cf and runs the daemons that serve them. See pkg/master.
package main

import (
	"os"

	"github.com/postern/postern/pkg/master"
)

func main() { master.Main(os.Args[1:]) }
