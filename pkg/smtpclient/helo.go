package smtpclient

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/deliver"
)

// helo runs the start of a session (smtp_helo): the greeting, EHLO (HELO
// as fallback) or LHLO, and STARTTLS. inTLS is set when recursing after
// STARTTLS (no greeting; EHLO again).
func (s *session) helo(inTLS bool) *failure {
	cfg := s.a.cfg
	if cfg.TLS.Wrapper && !inTLS {
		if f := s.startTLS(); f != nil {
			return f
		}
	}
	if !inTLS || cfg.TLS.Wrapper {
		if f := s.greeting(); f != nil {
			return f
		}
	} else {
		s.feat.esmtp = true
	}
	if f := s.hello(); f != nil {
		return f
	}
	if cfg.TLS.Wrapper || inTLS {
		return s.saslLogin()
	}
	if f := s.maybeStartTLS(); f != nil || s.tlsState != nil {
		return f // after STARTTLS the recursion logged in
	}
	return s.saslLogin()
}

// greeting reads and checks the server's banner.
func (s *session) greeting() *failure {
	cfg := s.a.cfg
	where := "receiving the initial server greeting"
	r, f := s.reply(cfg.Timeouts.Helo, where)
	if f != nil {
		return f
	}
	if r.Class() != 2 {
		dsn := s.remoteDSN(r, "host %s refused to talk to me: %s", s.namaddr, r.Line())
		if r.Class() == 5 && cfg.SkipFiveXXGreeting {
			dsn.Status = "4" + dsn.Status[1:]
		}
		return &failure{dsn: dsn, throttle: true}
	}
	words := strings.Fields(strings.NewReplacer("-", " ").Replace(r.Text))
	for i, w := range words[min(1, len(words)):] {
		if i == 0 && strings.EqualFold(w, cfg.MyHostname) && s.loopDetect() {
			cfg.warn("host %s greeted me with my own hostname %s", s.namaddrport, cfg.MyHostname)
		} else if strings.EqualFold(w, "ESMTP") {
			s.feat.esmtp = true
		}
	}
	if cfg.LMTP || cfg.AlwaysEHLO {
		s.feat.esmtp = true
	}
	if cfg.NeverEHLO && !cfg.LMTP {
		s.feat.esmtp = false
	}
	return nil
}

func (s *session) loopDetect() bool { return !s.a.cfg.LMTP && s.a.port == 25 }

// hello sends EHLO, falls back to HELO, or sends LHLO, and reads the
// server's features.
func (s *session) hello() *failure {
	cfg := s.a.cfg
	t := cfg.Timeouts.Helo
	if cfg.LMTP {
		r, f := s.chat(t, "performing the LHLO handshake", "LHLO %s", cfg.HeloName)
		if f != nil {
			return f
		}
		if r.Class() != 2 {
			return s.refused(r)
		}
		return s.ehloFeatures(r)
	}
	if s.feat.esmtp {
		r, f := s.chat(t, "performing the EHLO handshake", "EHLO %s", cfg.HeloName)
		if f != nil {
			return f
		}
		if r.Class() == 2 {
			return s.ehloFeatures(r)
		}
		if r.Code == 421 {
			return s.refused(r)
		}
		s.feat.esmtp = false
	}
	r, f := s.chat(t, "performing the HELO handshake", "HELO %s", cfg.HeloName)
	if f != nil {
		return f
	}
	if r.Class() != 2 {
		return s.refused(r)
	}
	return nil
}

func (s *session) refused(r *Reply) *failure {
	return &failure{dsn: s.remoteDSN(r, "host %s refused to talk to me: %s", s.namaddr, r.Line()), throttle: true}
}

// ehloFeatures reads the EHLO keywords (Microsoft's "AUTH=" form too).
func (s *session) ehloFeatures(r *Reply) *failure {
	cfg := s.a.cfg
	lines := strings.Split(r.Text, "\n")
	for n, line := range lines {
		if len(line) < 4 {
			continue
		}
		fields := strings.FieldsFunc(line[4:], func(c rune) bool { return c == ' ' || c == '\t' || c == '=' })
		if len(fields) == 0 {
			continue
		}
		word := strings.ToUpper(fields[0])
		if n == 0 {
			if strings.EqualFold(fields[0], cfg.MyHostname) && s.loopDetect() {
				return s.loopsBack()
			}
			continue
		}
		if cfg.DiscardEHLO[word] {
			continue
		}
		s.feature(word, fields[1:])
	}
	s.logDiscarded()
	if s.feat.smtputf8 && !s.feat.eightbitmime {
		cfg.info("host %s offers SMTPUTF8 support, but not 8BITMIME", s.namaddr)
		s.feat.eightbitmime = true
	}
	return nil
}

func (s *session) feature(word string, args []string) {
	switch word {
	case "8BITMIME":
		s.feat.eightbitmime = true
	case "PIPELINING":
		s.feat.pipelining = true
	case "SIZE":
		s.feat.size = true
		if len(args) > 0 {
			if n, err := strconv.ParseInt(args[0], 10, 64); err == nil && digits(args[0]) == len(args[0]) {
				s.sizeLimit = n
			} else {
				s.a.cfg.warn("bad EHLO SIZE limit \"%s\" from %s", args[0], s.namaddrport)
			}
		}
	case "STARTTLS":
		s.feat.starttls = true
	case "DSN":
		s.feat.dsn = true
	case "SMTPUTF8":
		s.feat.smtputf8 = true
	case "AUTH":
		s.authFeature(args)
	}
}

// loopsBack is the failure for a server that answers with our own name.
func (s *session) loopsBack() *failure {
	cfg := s.a.cfg
	cfg.warn("host %s replied to HELO/EHLO with my own hostname %s", s.namaddrport, cfg.MyHostname)
	status := "4.4.6"
	if s.best {
		status = "5.4.6"
	}
	return &failure{dsn: deliver.Simple(status, fmt.Sprintf("mail for %s loops back to myself", s.a.nexthop)), throttle: true}
}

// maybeStartTLS sends STARTTLS when offered and wanted, and enforces a
// TLS requirement.
func (s *session) maybeStartTLS() *failure {
	cfg := s.a.cfg
	level := s.a.tlsLevel
	if s.feat.starttls && cfg.TLS.NoteOffer && level == tlsNone {
		cfg.info("Host offered STARTTLS: [%s]", s.host)
	}
	if s.feat.starttls && level >= tlsMay {
		r, f := s.chat(cfg.Timeouts.StartTLS, "receiving the STARTTLS response", "STARTTLS")
		if f != nil {
			return f
		}
		if r.Class() == 2 {
			if f := s.startTLS(); f != nil {
				return f
			}
			s.feat = features{}
			return s.helo(true)
		}
		s.feat.starttls = false
		if level >= tlsEncrypt {
			return &failure{dsn: s.remoteDSN(r, "TLS is required, but host %s refused to start TLS: %s",
				s.namaddr, r.Line()), throttle: true}
		}
	}
	if level >= tlsEncrypt && !s.feat.starttls {
		return &failure{dsn: deliver.Simple("4.7.4",
			fmt.Sprintf("TLS is required, but was not offered by host %s", s.namaddr)), throttle: true}
	}
	return nil
}

// ehloNames is the order in which Postfix names EHLO keywords (ehlo_mask.c).
var ehloNames = []string{"8BITMIME", "AUTH", "ETRN", "PIPELINING", "SIZE", "VERP", "VRFY", "XCLIENT",
	"XFORWARD", "STARTTLS", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "CHUNKING", "SILENT-DISCARD"}

// logDiscarded logs "discarding EHLO keywords: ..." unless silent-discard.
func (s *session) logDiscarded() {
	d := s.a.cfg.DiscardEHLO
	if len(d) == 0 || d["SILENT-DISCARD"] {
		return
	}
	var names []string
	for _, n := range ehloNames {
		if d[n] {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		s.a.cfg.info("discarding EHLO keywords: %s", strings.Join(names, " "))
	}
}
