package config

import (
	"fmt"
	"net"
)

func (c *Config) validateSession(errs *problems) {
	s := &c.Session
	switch s.Store {
	case "redis", "memory":
	default:
		errs.add("session.store", "%q is not one of redis, memory", s.Store)
	}
	if s.IdleTimeout <= 0 {
		errs.add("session.idle_timeout", "must be greater than 0")
	}
	if s.AbsoluteTimeout <= 0 {
		errs.add("session.absolute_timeout", "must be greater than 0")
	} else if s.IdleTimeout > 0 && s.AbsoluteTimeout < s.IdleTimeout {
		errs.add("session.absolute_timeout", "%s is shorter than session.idle_timeout (%s)", s.AbsoluteTimeout, s.IdleTimeout)
	}
	if s.RefreshBefore < 0 {
		errs.add("session.refresh_before", "must not be negative")
	}
	if s.CacheEntries < 0 {
		errs.add("session.cache_entries", "must not be negative (0 turns the caches off)")
	}
	r := &s.Redis
	if s.Store == "redis" && len(r.Addresses) == 0 {
		errs.add("session.redis.addresses", "needs at least one host:port when session.store is redis")
	}
	for i, a := range r.Addresses {
		key := fmt.Sprintf("session.redis.addresses[%d]", i)
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || !validPort(port, 1) {
			errs.add(key, "%q is not host:port (for example \"redis:6379\")", a)
		}
	}
	if r.DB < 0 {
		errs.add("session.redis.db", "must not be negative")
	}
	if r.Timeout <= 0 {
		errs.add("session.redis.timeout", "must be greater than 0")
	}
	if r.ClientCache < 0 {
		errs.add("session.redis.client_cache", "must not be negative (0 disables the cache)")
	}
	if (r.TLS.CertFile == "") != (r.TLS.KeyFile == "") {
		errs.add("session.redis.tls.cert_file", "must be set together with session.redis.tls.key_file")
	}
	if !r.TLS.Enabled && (r.TLS.CAFile != "" || r.TLS.CertFile != "" || r.TLS.ServerName != "" || r.TLS.InsecureSkipVerify) {
		errs.add("session.redis.tls.enabled", "is false, but other session.redis.tls keys are set; set enabled: true to use TLS")
	}
}

func (c *Config) validateCookie(skip map[string]bool, errs *problems) {
	k := &c.Cookie
	switch {
	case k.Name == "":
		errs.add("cookie.name", "is required")
	case !isToken(k.Name):
		errs.add("cookie.name", "%q is not a valid cookie name (letters, digits and !#$%%&'*+-.^_`|~ only)", k.Name)
	case hasPrefixFold(k.Name, "__Host-"), hasPrefixFold(k.Name, "__Secure-"):
		errs.add("cookie.name", "%q must not start with __Host- or __Secure-: gatehouse adds __Host- itself on https", k.Name)
	}

	k.DecodedSecrets = nil
	if len(k.Secrets) == 0 {
		switch {
		case skip["cookie.secrets"]:
		case k.SecretsFile != "":
			errs.add("cookie.secrets_file", "file %q holds no secret", k.SecretsFile)
		default:
			errs.add("cookie.secrets", "needs at least one secret (or set cookie.secrets_file)")
		}
		return
	}
	for i, s := range k.Secrets {
		key := fmt.Sprintf("cookie.secrets[%d]", i)
		if k.SecretsFile != "" {
			key = fmt.Sprintf("cookie.secrets_file: secret %d", i+1)
		}
		b, ok := decodeBase64(s)
		switch {
		case !ok:
			errs.add(key, "is not base64 (generate one with: openssl rand -base64 48)")
		case len(b) < 32:
			errs.add(key, "decodes to %d bytes, at least 32 are needed (openssl rand -base64 48)", len(b))
		default:
			k.DecodedSecrets = append(k.DecodedSecrets, b)
		}
	}
	if len(k.DecodedSecrets) != len(k.Secrets) {
		k.DecodedSecrets = nil
	}
}
