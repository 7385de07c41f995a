package verify

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Params lists the parameters NewService reads.
var Params = []string{"address_verify_map", "address_verify_sender", "address_verify_sender_ttl",
	"address_verify_positive_expire_time", "address_verify_positive_refresh_time",
	"address_verify_negative_cache", "address_verify_negative_expire_time",
	"address_verify_negative_refresh_time", "address_verify_cache_cleanup_interval",
	"cleanup_service_name", "ipc_timeout", "mail_owner"}

// Owner is who owns a new cache file: the mail system owner, or -1.
type Owner struct{ UID, GID int }

// NewService reads the configuration and opens the cache (before the
// chroot jail: the file is kept open). queueDir is the queue directory
// as the process will see it ("/" in the jail).
func NewService(cfg *config.Config, queueDir string, owner Owner,
	info, warn func(string, ...any)) (*Service, error) {
	s := &Service{Info: info, Warn: warn, Now: time.Now}
	var err error
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"address_verify_positive_expire_time", &s.PosExpire},
		{"address_verify_positive_refresh_time", &s.PosRefresh},
		{"address_verify_negative_expire_time", &s.NegExpire},
		{"address_verify_negative_refresh_time", &s.NegRefresh},
		{"address_verify_cache_cleanup_interval", &s.CleanupInterval}, {"ipc_timeout", &s.Timeout}} {
		if *d.dst, err = cfg.Duration(d.name); err != nil {
			return nil, err
		}
	}
	if s.NegCache, err = cfg.Bool("address_verify_negative_cache"); err != nil {
		return nil, err
	}
	if s.Cache, err = openCacheFor(cfg.Get("address_verify_map"), owner, warn); err != nil {
		return nil, err
	}
	p, err := newProber(cfg, queueDir)
	if err != nil {
		s.Cache.Close()
		return nil, err
	}
	s.Probe = p.Probe
	return s, nil
}

func newProber(cfg *config.Config, queueDir string) (*Prober, error) {
	sender := cfg.Get("address_verify_sender")
	if err := CheckSender(sender); err != nil {
		return nil, err
	}
	ttl, err := cfg.Duration("address_verify_sender_ttl")
	if err != nil {
		return nil, err
	}
	timeout, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return nil, err
	}
	return &Prober{Path: filepath.Join(queueDir, "public", cfg.Get("cleanup_service_name")),
		Timeout: timeout, Sender: sender, SenderTTL: ttl}, nil
}

// Persistent reports whether address_verify_map names a file (the
// process may then exit for max_use and max_idle).
func Persistent(cfg *config.Config) bool { return cfg.Get("address_verify_map") != "" }

// openCacheFor opens the cache that address_verify_map names: empty is
// memory only; an indexed type (hash, btree, cdb, lmdb) is the file
// Postfix would use for it, in Postern's format; "proxy:" is dropped.
//
// XXX: Postfix sends a proxy:type:name map through proxywrite(8);
// Postern opens the file in-process, so the verify service must be able
// to reach it.
func openCacheFor(spec string, owner Owner, warn func(string, ...any)) (*Cache, error) {
	if spec == "" {
		return NewMemoryCache("internal:verify"), nil
	}
	name := spec
	for strings.HasPrefix(name, "proxy:") {
		name = strings.TrimPrefix(name, "proxy:")
	}
	typ, file, ok := strings.Cut(name, ":")
	if !ok {
		return nil, fmt.Errorf("need dictionary type:name, got %q", spec)
	}
	path, indexed := dict.IndexedFile(typ, file)
	if !indexed {
		return nil, fmt.Errorf("address_verify_map: table type %s is not supported for the verify cache (use btree, hash, cdb or lmdb)", typ)
	}
	return OpenCache(spec, path, owner.UID, owner.GID, warn)
}
