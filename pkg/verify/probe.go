package verify

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/cleanup"
)

// Prober posts probe messages through the cleanup service
// (post_mail_fopen_async with MAIL_SRC_MASK_VERIFY and
// DEL_REQ_FLAG_MTA_VRFY): sender, one recipient, the trace_flags
// attribute, and no content of its own (cleanup adds the headers a
// message needs). Probes are never delivered.
type Prober struct {
	Path      string        // $queue_directory/public/$cleanup_service_name
	Timeout   time.Duration // $ipc_timeout
	Sender    string        // address_verify_sender
	SenderTTL time.Duration // address_verify_sender_ttl
	Now       func() time.Time
}

// Probe posts one probe to addr.
func (p *Prober) Probe(addr string) error {
	cl, err := cleanup.Dial(p.Path, p.Timeout)
	if err != nil {
		return err
	}
	defer cl.Close()
	m, err := cl.Begin(cleanup.Meta{Origin: "verify", LocalUID: -1})
	if err != nil {
		return fmt.Errorf("probe for %s: %w", addr, err)
	}
	for _, step := range []func() error{
		func() error { return m.SetSender(p.sender(), "", "") },
		func() error { return m.AddRecipient(addr, "", "") },
		func() error { return m.SetAttr(AttrTraceFlags, strconv.Itoa(TraceFlagMTAVerify)) },
	} {
		if err := step(); err != nil {
			m.Abort()
			return fmt.Errorf("probe for %s: %w", addr, err)
		}
	}
	if _, err := m.Commit(); err != nil {
		return fmt.Errorf("probe for %s: %w", addr, err)
	}
	return nil
}

// sender is make_verify_sender_addr(): the null sender for "" or "<>";
// with a TTL, the localpart gets the current TTL epoch appended in
// Postfix's base-31 "safe" digits. cleanup canonicalizes the result.
func (p *Prober) sender() string {
	s := p.Sender
	if s == "" || s == "<>" {
		return ""
	}
	if p.SenderTTL <= 0 {
		return s
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	local, domain, hasAt := strings.Cut(s, "@")
	local += safeUltostr(uint64(now().Unix())/uint64(p.SenderTTL/time.Second), 31)
	if hasAt {
		return local + "@" + domain
	}
	return local
}

// safeUltostr is global/safe_ultostr.c without padding.
func safeUltostr(v uint64, base uint64) string {
	const digits = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
	var b []byte
	for v != 0 {
		b = append([]byte{digits[v%base]}, b...)
		v /= base
	}
	return string(b)
}

// CheckSender applies make_verify_sender_addr()'s sanity checks to
// address_verify_sender.
func CheckSender(s string) error {
	if strings.HasPrefix(s, "@") {
		return fmt.Errorf("parameter address_verify_sender: value \"%s\" must not start with '@'", s)
	}
	if strings.HasSuffix(s, "@") {
		return fmt.Errorf("parameter address_verify_sender: value \"%s\" must not end with '@'", s)
	}
	return nil
}
