// Command sendmail is Postfix's sendmail(1), the Sendmail-compatible
// mail submission command; started as mailq it lists the queue
// (postqueue -p) and as newaliases it rebuilds $alias_database
// (postalias). `make build` links bin/mailq and bin/newaliases to it.
// The work is done by pkg/sendmail; see docs/submission.md.
package main

import (
	"os"

	"github.com/postern/postern/pkg/sendmail"
)

func main() {
	os.Exit(sendmail.Sendmail(sendmail.Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
