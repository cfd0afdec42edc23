package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// parseHTTPURL parses an absolute http or https URL with a host. On failure it
// returns a problem phrased to follow the quoted value.
func parseHTTPURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, "is not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "must start with http:// or https://"
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, "has no host"
	}
	return u, ""
}

// checkHostPort reports a listen address that is not host:port.
func checkHostPort(key, s string, errs *problems) {
	if _, port, err := net.SplitHostPort(s); err != nil || !validPort(port, 0) {
		errs.add(key, "%q is not host:port (for example \":4180\" or \"127.0.0.1:4180\")", s)
	}
}

func validPort(port string, lowest int) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= lowest && n <= 65535 && strconv.Itoa(n) == port
}

// checkPath reports a path that is not local and absolute ("/x", not "//x").
func checkPath(key, p string, errs *problems) {
	switch {
	case !strings.HasPrefix(p, "/"):
		errs.add(key, "%q must start with \"/\"", p)
	case strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\"):
		errs.add(key, "%q must be a local path, not start with %q", p, p[:2])
	case strings.ContainsAny(p, "?#") || strings.ContainsFunc(p, isSpaceOrControl):
		errs.add(key, "%q must be a plain path without query, fragment, spaces or control characters", p)
	}
}

// parseProxies turns CIDRs and bare IPs into prefixes (a bare IP is a /32 or
// /128).
func parseProxies(list []string, errs *problems) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		key := fmt.Sprintf("trusted_proxies[%d]", i)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				errs.add(key, "%q is not a CIDR or an IP address", s)
				continue
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			errs.add(key, "%q is not a CIDR or an IP address", s)
			continue
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

// decodeBase64 accepts standard or URL base64, padded or not.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// isToken reports whether s is a non-empty RFC 9110 token (header and cookie
// names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
