// Command postqueue is Postfix's postqueue(1): list (-p, -j) and flush
// (-f, -i, -s) the mail queue. See pkg/postqueue.
package main

import "github.com/postern/postern/pkg/postqueue"

func main() { postqueue.Main() }
