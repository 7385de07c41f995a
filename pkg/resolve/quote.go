package resolve

import "github.com/postern/postern/pkg/addr"

// Quote822Local is addr.QuoteLocal (quote_822_local()), kept for the
// packages that quote addresses for trivial-rewrite's requests.
func Quote822Local(a string) string { return addr.QuoteLocal(a) }
