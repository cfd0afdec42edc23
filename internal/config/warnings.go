package config

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Warning is a setting that loads and works but is probably a mistake, or
// weakens what gatehouse protects. serve logs each one; check-config prints
// them and, with --strict, fails on them.
type Warning struct {
	// Key is the config key, or the environment variable, that holds the
	// setting.
	Key string
	// Message says what is risky and what to do instead; it never holds a
	// secret value.
	Message string
}

func (w Warning) String() string { return w.Key + ": " + w.Message }

// Warnings lists the risky settings of a validated config, in key order of
// the config file.
func (c *Config) Warnings() []Warning {
	var out []Warning
	add := func(key, format string, args ...any) {
		out = append(out, Warning{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	pub, _ := url.Parse(c.PublicURL)
	if pub != nil && pub.Scheme == "http" && !isLoopbackHost(pub.Hostname()) {
		add("public_url", "%q is http on a host other than this machine: session cookies and the login travel unencrypted and are not marked Secure; use https (http is for local development only)", c.PublicURL)
	}
	for i, p := range c.TrustedProxyPrefixes {
		if tooWide(p) {
			add(fmt.Sprintf("trusted_proxies[%d]", i), "%s trusts %s: any client there can set X-Forwarded-For/-Host/-Proto and choose the address and scheme the application sees; list only the proxies in front of gatehouse", p, coverage(p))
		}
	}
	if pub != nil && pub.Scheme == "https" {
		for i, h := range c.AllowedRedirectHosts {
			if _, port, err := net.SplitHostPort(h); err == nil && port == "80" {
				add(fmt.Sprintf("allowed_redirect_hosts[%d]", i), "%q names the http port while public_url is https; gatehouse never redirects from https to http, so this entry only allows https://%s", h, h)
			}
		}
		if strings.HasPrefix(strings.ToLower(c.OIDC.PostLogoutRedirectURI), "http://") {
			add("oidc.post_logout_redirect_uri", "%q is http while public_url is https: the browser leaves the encrypted site after logout", c.OIDC.PostLogoutRedirectURI)
		}
	}
	if slices.Contains(c.Bearer.Audiences, c.OIDC.ClientID) {
		add("bearer.audiences", "contains oidc.client_id %q, the audience of the ID tokens the provider issues to gatehouse; access tokens for an API should carry that API's own audience", c.OIDC.ClientID)
	}
	return out
}

// tooWide reports a trusted proxy prefix that covers far more than a proxy
// tier: all addresses (/0) or a large share of the internet. Private ranges
// such as 10.0.0.0/8 and fc00::/7 stay quiet.
func tooWide(p netip.Prefix) bool {
	if p.Addr().Is4() || p.Addr().Is4In6() {
		return p.Bits() < 8 || (p.Addr().Is4In6() && p.Bits() < 96+8)
	}
	return p.Bits() < 7
}

func coverage(p netip.Prefix) string {
	if p.Bits() == 0 {
		return "every address"
	}
	return "a large part of the internet"
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// kubernetesEnv matches the variables Kubernetes adds for every Service in
// the namespace (a Service named gatehouse gives GATEHOUSE_SERVICE_HOST,
// GATEHOUSE_PORT_4180_TCP_ADDR, ...): they are not settings.
var kubernetesEnv = regexp.MustCompile(`^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)$`)

// UnknownEnv lists the GATEHOUSE_* variables in env that set no key, each
// with the closest variable that does: a typo such as GATEHOUSE_SESION_STORE
// otherwise leaves the default in force without a word. Variables that
// Kubernetes adds for Services are left out.
func UnknownEnv(env []string) []Warning {
	leaves := leavesOf(reflect.TypeFor[Config](), "", nil)
	known := make(map[string]string, len(leaves))
	for _, l := range leaves {
		known[envName(l.key)] = l.key
	}
	var out []Warning
	seen := map[string]bool{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || known[name] != "" || seen[name] || kubernetesEnv.MatchString(name) {
			continue
		}
		seen[name] = true
		msg := "is not a gatehouse setting and is ignored"
		if best, ok := closest(name, known); ok {
			msg += fmt.Sprintf("; did you mean %s (key %s)?", best, known[best])
		}
		out = append(out, Warning{Key: name, Message: msg})
	}
	return out
}

// closest returns the known variable nearest to name by edit distance, when
// it is near enough to be a plausible typo.
func closest(name string, known map[string]string) (string, bool) {
	best, bestDist := "", -1
	for _, candidate := range slices.Sorted(maps.Keys(known)) {
		d := editDistance(name[len(EnvPrefix):], candidate[len(EnvPrefix):])
		if bestDist < 0 || d < bestDist {
			best, bestDist = candidate, d
		}
	}
	limit := max(2, (len(name)-len(EnvPrefix))/3)
	return best, bestDist >= 0 && bestDist <= limit
}

// editDistance is the Levenshtein distance of a and b (bytes; the names are
// ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
