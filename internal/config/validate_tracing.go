package config

import "strings"

// validateTracing checks the tracing section and lower-cases its enum.
func (c *Config) validateTracing(errs *problems) {
	t := &c.Tracing
	t.TrustIncoming = strings.ToLower(t.TrustIncoming)
	switch t.TrustIncoming {
	case TrustIncomingTrustedProxies, TrustIncomingAlways, TrustIncomingNever:
	default:
		errs.add("tracing.trust_incoming", "%q is not one of trusted_proxies, always, never", t.TrustIncoming)
	}
}
