package pipe

import "github.com/postern/postern/pkg/resolve"

// quoteLocal is quote_822_local().
func quoteLocal(addr string) string { return resolve.Quote822Local(addr) }
