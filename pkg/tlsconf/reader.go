package tlsconf

import (
	"time"

	"github.com/postern/postern/pkg/config"
)

// reader collects the first configuration error.
type reader struct {
	cfg *config.Config
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *reader) str(name string) string {
	v, err := r.cfg.Value(name)
	r.fail(err)
	return v
}

// param is str for callers that want a plain lookup function.
func (r *reader) param(name string) string { return r.str(name) }

func (r *reader) list(name string) []string { return config.SplitList(r.str(name)) }

func (r *reader) boolean(name string) bool {
	v, err := r.cfg.Bool(name)
	r.fail(err)
	return v
}

func (r *reader) integer(name string) int {
	v, err := r.cfg.Int(name)
	r.fail(err)
	return v
}

func (r *reader) duration(name string) time.Duration {
	v, err := r.cfg.Duration(name)
	r.fail(err)
	return v
}
