package users

import (
	"fmt"
	"strings"
	"sync"

	"github.com/postern/postern/pkg/dict"
)

// OpenTable opens one table of alias_maps or local_recipient_maps. Two
// table types that pkg/dict does not have are handled here, as a host
// without those services sees them:
//
//   - unix:passwd.byname (also behind proxy:): the password database;
//     a lookup of a user name returns its passwd(5) line, as Postfix's
//     dict_unix does;
//   - nis:NAME: a host without a NIS domain: every lookup finds nothing,
//     with Postfix's one warning "NIS domain name not set - NIS lookups
//     disabled". XXX: NIS itself is not supported.
func OpenTable(spec string, opts dict.Options) (dict.Dict, error) {
	inner := strings.TrimPrefix(spec, "proxy:")
	switch {
	case inner == "unix:passwd.byname":
		return passwdDict{}, nil
	case strings.HasPrefix(inner, "unix:"):
		return nil, fmt.Errorf("unsupported dictionary type: %s", inner)
	case strings.HasPrefix(inner, "nis:"):
		return &nisDict{warn: opts.Warn}, nil
	}
	return dict.Open(spec, opts)
}

// passwdDict is unix:passwd.byname.
type passwdDict struct{}

func (passwdDict) Lookup(key string) (string, bool, error) {
	pw, err := Lookup(strings.ToLower(key))
	if err != nil || pw == nil {
		return "", false, err
	}
	return fmt.Sprintf("%s:x:%d:%d::%s:%s", pw.Name, pw.UID, pw.GID, pw.Home, pw.Shell), true, nil
}

func (passwdDict) Close() error { return nil }

// nisDict is a NIS table on a host without a NIS domain.
type nisDict struct {
	once sync.Once
	warn func(string)
}

func (n *nisDict) Lookup(string) (string, bool, error) {
	n.once.Do(func() {
		if n.warn != nil {
			n.warn("NIS domain name not set - NIS lookups disabled")
		}
	})
	return "", false, nil
}

func (n *nisDict) Close() error { return nil }
