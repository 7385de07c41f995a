package proxymap

import (
	"errors"
	"fmt"
)

// surrogate stands in for a table that could not be opened
// (dict_surrogate): every operation fails with a configuration error.
type surrogate struct {
	name string
	err  error
}

// errConfig marks a configuration error (DICT_ERR_CONFIG).
var errConfig = errors.New("table configuration error")

func (d surrogate) Lookup(string) (string, bool, error) {
	return "", false, fmt.Errorf("%w: %s: %v", errConfig, d.name, d.err)
}

func (d surrogate) Close() error { return nil }

func isConfigError(err error) bool { return errors.Is(err, errConfig) }
