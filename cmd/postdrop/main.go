// Command postdrop is Postfix's postdrop(1): it writes the message that
// sendmail gives it on standard input into the maildrop queue and wakes
// the pickup service. It is installed set-group-ID $setgid_group. The
// work is done by pkg/submit; see docs/submission.md.
package main

import (
	"os"

	"github.com/postern/postern/pkg/submit"
)

func main() {
	os.Exit(submit.Postdrop(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
