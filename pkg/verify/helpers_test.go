package verify

import "github.com/postern/postern/pkg/attr"

func attrList(kv ...string) attr.List {
	var l attr.List
	for i := 0; i+1 < len(kv); i += 2 {
		l.Str(kv[i], kv[i+1])
	}
	return l
}
