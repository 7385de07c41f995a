package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// local_header_rewrite_clients decides whether cleanup may rewrite the
// headers of a client's mail as local mail (smtpd_check_rewrite).

type rewriteRule struct {
	name  string    // restriction name; "check_address_map" for tables
	table dict.Dict // for check_address_map
}

func parseRewriteRules(cfg *config.Config, open openTableFunc) ([]rewriteRule, error) {
	var rules []rewriteRule
	list := cfg.List("local_header_rewrite_clients")
	for i := 0; i < len(list); i++ {
		name := list[i]
		if strings.EqualFold(name, "check_address_map") && i+1 < len(list) {
			i++
			name = list[i]
		}
		if !strings.Contains(name, ":") {
			rules = append(rules, rewriteRule{name: strings.ToLower(name)})
			continue
		}
		d, err := open(name)
		if err != nil {
			return nil, err
		}
		rules = append(rules, rewriteRule{name: "check_address_map", table: d})
	}
	return rules, nil
}

// checkRewrite sets the rewrite context for this MAIL transaction; it
// returns an error reply only when a table lookup fails.
func (s *session) checkRewrite() string {
	for _, r := range s.srv.rewrite {
		ok, err := s.rewriteRuleMatches(r)
		if err != nil {
			s.srv.log.Warn("%v", err)
			s.logWhatsup("reject", "451 4.3.0 Temporary lookup error")
			return "451 4.3.0 Temporary lookup error"
		}
		if ok {
			s.rewriteCtx = "local"
			return ""
		}
	}
	s.rewriteCtx = "remote"
	return ""
}

func (s *session) rewriteRuleMatches(r rewriteRule) (bool, error) {
	switch r.name {
	case "permit_inet_interfaces":
		return s.ownAddress(), nil
	case "permit_mynetworks":
		return s.srv.lists.mynetworks.matchHost(s.client.name, s.client.addr)
	case "check_address_map":
		_, found, err := r.table.Lookup(s.client.addr)
		return found, err
	case "permit_sasl_authenticated":
		return s.saslUsername != "", nil
	case "permit_tls_clientcerts", "permit_tls_all_clientcerts":
		return false, nil // client certificates are never requested (tlsconf refuses smtpd_tls_ask_ccert)
	}
	s.srv.warnOnce("rewrite:"+r.name, "parameter local_header_rewrite_clients: invalid request: %s", r.name)
	return false, nil
}
