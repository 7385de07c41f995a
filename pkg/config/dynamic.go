package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Defaults that Postfix computes at run time or fixes at build time
// (mail_params.c, postconf_builtin.c).

// MailVersion is the Postfix release whose behaviour Postern implements;
// it is what $mail_version says and what the master logs at start.
const MailVersion = "3.7.11"

func (c *Config) dynamicDefault(name, fallback string) string {
	if v, ok := c.dynamic[name]; ok {
		return v
	}
	// A default that needs itself ("myhostname = $mydomain", whose
	// default is computed from $myhostname) sees the name undefined,
	// as Postfix's mail_conf_lookup_eval() does while it computes it:
	// "" instead of endless recursion.
	if c.computing[name] {
		return ""
	}
	if c.computing == nil {
		c.computing = map[string]bool{}
	}
	c.computing[name] = true
	v := c.computeDefault(name, fallback)
	delete(c.computing, name)
	if c.dynamic == nil {
		c.dynamic = map[string]string{}
	}
	c.dynamic[name] = v
	return v
}

func (c *Config) computeDefault(name, fallback string) string {
	switch name {
	case "config_directory":
		return DefaultConfigDirectory
	case "daemon_directory":
		return DefaultDaemonDirectory
	case "command_directory":
		return DefaultCommandDirectory
	case "queue_directory":
		return DefaultQueueDirectory
	case "data_directory":
		return DefaultDataDirectory
	case "meta_directory":
		return DefaultMetaDirectory
	case "shlib_directory":
		return DefaultShlibDirectory
	case "mail_version":
		return MailVersion
	case "myhostname":
		return c.defaultHostname()
	case "mydomain":
		return domainOf(c.Get("myhostname"))
	case "mynetworks":
		return defaultMynetworks(c.Get("mynetworks_style"), c.Get("inet_protocols"))
	case "process_id":
		return fmt.Sprint(os.Getpid())
	case "process_name":
		return filepath.Base(os.Args[0])
	}
	return fallback
}

// defaultHostname is gethostname(), made fully qualified with the
// configured $mydomain (else "localdomain") when it has no dot, as
// Postfix's check_myhostname().
func (c *Config) defaultHostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	if strings.Contains(h, ".") {
		return h
	}
	domain := "localdomain"
	raw, ok := c.overrides["mydomain"]
	if !ok {
		raw, ok = c.Main.Map["mydomain"]
	}
	if ok {
		if d, err := c.Expand(raw); err == nil && d != "" {
			domain = d
		}
	}
	return h + "." + domain
}

func domainOf(host string) string {
	if _, d, ok := strings.Cut(host, "."); ok && d != "" {
		return d
	}
	return "localdomain"
}

// defaultMynetworks lists the networks of this host's interfaces for
// mynetworks_style host, subnet or class, IPv4 first, as Postfix's
// mynetworks.c does.
func defaultMynetworks(style, protocols string) string {
	addrs, _ := net.InterfaceAddrs()
	v4, v6 := protocolsEnabled(protocols)
	var out4, out6 []string
	seen := map[string]bool{}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		s := networkFor(ipn, style)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if ipn.IP.To4() != nil {
			if v4 {
				out4 = append(out4, s)
			}
		} else if v6 {
			out6 = append(out6, s)
		}
	}
	return strings.Join(append(out4, out6...), " ")
}

func protocolsEnabled(p string) (v4, v6 bool) {
	for _, w := range SplitList(p) {
		switch strings.ToLower(w) {
		case "all":
			return true, true
		case "ipv4":
			v4 = true
		case "ipv6":
			v6 = true
		}
	}
	return v4, v6
}

func networkFor(ipn *net.IPNet, style string) string {
	ones, bits := ipn.Mask.Size()
	ip := ipn.IP
	if ip4 := ip.To4(); ip4 != nil {
		ip, bits = ip4, 32
		if strings.EqualFold(style, "class") {
			ones = classfulMask(ip4)
		}
	}
	if strings.EqualFold(style, "host") {
		ones = bits
	}
	mask := net.CIDRMask(ones, bits)
	network := ip.Mask(mask)
	if bits == 32 {
		return fmt.Sprintf("%s/%d", network, ones)
	}
	return fmt.Sprintf("[%s]/%d", network, ones)
}

func classfulMask(ip net.IP) int {
	switch {
	case ip[0] < 128:
		return 8
	case ip[0] < 192:
		return 16
	case ip[0] < 224:
		return 24
	}
	return 32
}

// serviceParamDefault gives the default of a per-service parameter such
// as "relay_destination_concurrency_limit" (postconf_service.c): any name
// that is SERVICE + one of the per-transport suffixes.
func serviceParamDefault(name string) (string, bool) {
	for _, s := range perServiceParamSuffixes {
		if strings.HasSuffix(name, s.Suffix) && len(name) > len(s.Suffix) {
			service := strings.TrimSuffix(name, s.Suffix)
			return strings.ReplaceAll(s.DefaultFmt, "%s", service), true
		}
	}
	return "", false
}
