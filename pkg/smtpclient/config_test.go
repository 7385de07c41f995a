package smtpclient

import (
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
)

func cfgFrom(t *testing.T, maincf string) *config.Config {
	t.Helper()
	f, err := config.Parse("main.cf", []byte("compatibility_level = 3.6\ninet_interfaces = loopback-only\n"+maincf))
	if err != nil {
		t.Fatal(err)
	}
	return config.New(t.TempDir(), f)
}

func TestNewConfigDefaults(t *testing.T) {
	c, err := NewConfig(cfgFrom(t, "myhostname = mx.example.com\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if c.HeloName != "mx.example.com" || c.DefaultService != "smtp" || !c.DNS || c.TLS.Level != "none" ||
		c.Timeouts.Connect != 30*time.Second || c.Timeouts.DataDone != 600*time.Second || c.MXAddrLimit != 5 ||
		!c.SkipQuitResponse {
		t.Errorf("%+v", c)
	}
	l, err := NewConfig(cfgFrom(t, "myhostname = mx.example.com\nlmtp_tls_security_level = may\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if l.DefaultService != "24" || l.Timeouts.Connect != 0 || l.TLS.Level != "may" || l.SkipQuitResponse {
		t.Errorf("lmtp %+v", l)
	}
	u, _ := NewConfig(cfgFrom(t, "smtp_use_tls = yes\n"), false)
	if u.TLS.Level != "may" {
		t.Errorf("smtp_use_tls: %s", u.TLS.Level)
	}
}

func TestNewConfigRefusesMissingFeatures(t *testing.T) {
	for _, p := range []string{"smtp_header_checks = regexp:/x", "smtp_dns_support_level = dnssec",
		"smtp_tls_per_site = hash:/x", "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/x\nsmtp_sasl_auth_cache_name = btree:/x"} {
		_, err := NewConfig(cfgFrom(t, p+"\n"), false)
		if err == nil || !strings.Contains(err.Error(), "not implemented") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := New(&Config{TLS: TLSConfig{Level: "bogus"}}); err == nil {
		t.Error("bad TLS level accepted")
	}
}

func TestParamsAreRegistered(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		for _, p := range Params(lmtp) {
			if _, ok := config.LookupParam(p); !ok {
				t.Errorf("unknown parameter %s", p)
			}
		}
	}
}
