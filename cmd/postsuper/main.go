// Command postsuper is Postfix's postsuper(1): the superuser's queue
// maintenance (delete, hold, release, requeue, expire, purge, structure
// check). See pkg/postsuper.
package main

import "github.com/postern/postern/pkg/postsuper"

func main() { postsuper.Main() }
