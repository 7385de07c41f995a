package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Server are smtpd's TLS settings (smtpd.c main(): the security level
// and the legacy booleans, then TLS_SERVER_INIT).
type Server struct {
	Use            bool // offer STARTTLS (var_smtpd_use_tls)
	Enforce        bool // refuse mail before STARTTLS (var_smtpd_enforce_tls)
	Wrapper        bool // smtpd_tls_wrappermode: TLS from the first byte
	AuthOnly       bool // smtpd_tls_auth_only, or implied by Enforce
	LogLevel       int  // smtpd_tls_loglevel
	ReceivedHeader bool // smtpd_tls_received_header
	Timeout        time.Duration
	// Config is the handshake configuration; nil when TLS is wanted but
	// could not be set up (STARTTLS then answers 454, as Postfix does).
	Config *tls.Config
}

// ServerParams are the parameters NewServer reads.
var ServerParams = []string{
	"smtpd_tls_security_level", "smtpd_use_tls", "smtpd_enforce_tls", "smtpd_tls_wrappermode",
	"smtpd_tls_auth_only", "smtpd_tls_loglevel", "smtpd_tls_received_header", "smtpd_starttls_timeout",
	"smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_eccert_file", "smtpd_tls_eckey_file",
	"smtpd_tls_dcert_file", "smtpd_tls_chain_files", "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
	"smtpd_tls_ciphers", "smtpd_tls_mandatory_ciphers", "smtpd_tls_exclude_ciphers",
	"smtpd_tls_mandatory_exclude_ciphers", "smtpd_tls_ask_ccert", "smtpd_tls_req_ccert",
	"tls_high_cipherlist", "tls_medium_cipherlist", "tls_low_cipherlist", "tls_export_cipherlist",
}

// NewServer reads smtpd's TLS parameters. An error is a configuration
// error that stops smtpd (Postfix's msg_fatal cases, and features
// Postern does not have); problems with the key files are logged with
// warn and leave Config nil, as Postfix disables TLS support.
func NewServer(cfg *config.Config, warn func(format string, args ...any)) (*Server, error) {
	r := reader{cfg: cfg}
	s := &Server{Wrapper: r.boolean("smtpd_tls_wrappermode"), AuthOnly: r.boolean("smtpd_tls_auth_only"),
		LogLevel: r.integer("smtpd_tls_loglevel"), ReceivedHeader: r.boolean("smtpd_tls_received_header"),
		Timeout: r.duration("smtpd_starttls_timeout")}
	if err := s.level(&r, warn); err != nil {
		return nil, err
	}
	s.Enforce = s.Enforce || s.Wrapper
	s.AuthOnly = s.AuthOnly || s.Enforce
	s.Use = s.Use || s.Enforce
	if r.err != nil || !s.Use {
		return s, r.err
	}
	if r.boolean("smtpd_tls_ask_ccert") || r.boolean("smtpd_tls_req_ccert") {
		return nil, fmt.Errorf("smtpd_tls_ask_ccert, smtpd_tls_req_ccert: client certificates are not implemented in Postern's smtpd yet")
	}
	conf, err := s.handshakeConfig(&r, warn)
	if r.err != nil {
		return nil, r.err
	}
	if err != nil {
		warn("%v", err)
	}
	s.Config = conf
	return s, nil
}

// level applies smtpd_tls_security_level, or the legacy smtpd_use_tls
// and smtpd_enforce_tls when it is empty.
func (s *Server) level(r *reader, warn func(string, ...any)) error {
	lv := r.str("smtpd_tls_security_level")
	if s.Wrapper || lv == "" {
		s.Use, s.Enforce = r.boolean("smtpd_use_tls"), r.boolean("smtpd_enforce_tls")
		return nil
	}
	switch LookupLevel(lv) {
	case LevelSecure, LevelVerify, LevelFingerprint:
		// smtpd does not verify clients: encrypt, as Postfix does.
		warn("smtpd_tls_security_level: unsupported TLS level \"%s\", using \"encrypt\"", lv)
		s.Use, s.Enforce = true, true
	case LevelEncrypt:
		s.Use, s.Enforce = true, true
	case LevelMay:
		s.Use = true
	case LevelNone:
	default:
		return fmt.Errorf("Invalid TLS level \"%s\"", lv)
	}
	return nil
}

// handshakeConfig loads the certificates and sets protocols and ciphers.
func (s *Server) handshakeConfig(r *reader, warn func(string, ...any)) (*tls.Config, error) {
	files := KeyFiles{ChainFiles: r.list("smtpd_tls_chain_files"), CertFile: r.str("smtpd_tls_cert_file"),
		KeyFile: r.str("smtpd_tls_key_file"), ECCertFile: r.str("smtpd_tls_eccert_file"),
		ECKeyFile: r.str("smtpd_tls_eckey_file"), DCertFile: r.str("smtpd_tls_dcert_file"),
		ChainParamName:   "smtpd_tls_chain_files",
		LegacyParamNames: [3]string{"smtpd_tls_cert_file", "smtpd_tls_eccert_file", "smtpd_tls_dcert_file"}}
	if strings.EqualFold(files.CertFile, "none") {
		return nil, fmt.Errorf("smtpd_tls_cert_file = none: anonymous TLS ciphers are not supported by Go's TLS library: disabling TLS support")
	}
	if files.Empty() {
		return nil, fmt.Errorf("No server certs available. TLS won't be enabled")
	}
	protoParam, gradeParam := "smtpd_tls_protocols", "smtpd_tls_ciphers"
	excl := []string{r.str("smtpd_tls_exclude_ciphers")}
	if s.Enforce {
		protoParam, gradeParam = "smtpd_tls_mandatory_protocols", "smtpd_tls_mandatory_ciphers"
		excl = append(excl, r.str("smtpd_tls_mandatory_exclude_ciphers"))
	}
	minV, maxV, err := Protocols(r.str(protoParam))
	if err != nil {
		return nil, fmt.Errorf("%v: disabling TLS support", err)
	}
	suites, err := GradeCiphers(r.str(gradeParam), r.param, excl...)
	if err != nil {
		return nil, fmt.Errorf("%v: disabling TLS support", err)
	}
	certs, err := files.Load(warn)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: certs, MinVersion: minV, MaxVersion: maxV, CipherSuites: suites,
		ClientAuth: tls.NoClientCert}, nil
}
