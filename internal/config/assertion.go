package config

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// validateAssertion checks identity.assertion.* and fills SigningKeys.
func (c *Config) validateAssertion(errs *problems) {
	a := &c.Identity.Assertion
	// Both off would forward every request with no identity at all: an
	// upstream behind gatehouse then cannot tell its users apart.
	if !a.Enabled && len(c.Identity.Headers) == 0 {
		errs.add("identity.assertion.enabled", "is false and identity.headers is empty: the upstream would get no identity")
	}
	switch {
	case a.Header == "":
		errs.add("identity.assertion.header", "is required")
	case !isToken(a.Header):
		errs.add("identity.assertion.header", "%q is not a valid header name", a.Header)
	case headers.Reserved(a.Header) && a.Header != headers.Assertion:
		errs.add("identity.assertion.header", "%s is set by gatehouse itself or by HTTP", a.Header)
	default:
		if _, clash := c.Identity.Headers[a.Header]; clash {
			errs.add("identity.assertion.header", "%s is also in identity.headers", a.Header)
		}
	}
	// An empty audience means upstream.url is missing, which is reported already.
	if isSpaceOrControlString(a.Audience) {
		errs.add("identity.assertion.audience", "must not contain spaces or control characters")
	}
	if a.TTL < 10*time.Second {
		errs.add("identity.assertion.ttl", "%s is shorter than the minimum 10s", a.TTL)
	}

	a.SigningKeys = nil
	for i, text := range a.Keys {
		key := fmt.Sprintf("identity.assertion.keys[%d]", i)
		if a.KeysFile != "" {
			key = "identity.assertion.keys_file"
		}
		parsed, err := keys.Parse(text)
		if err != nil {
			errs.add(key, "%v", err)
			continue
		}
		a.SigningKeys = append(a.SigningKeys, parsed...)
	}

	switch a.Algorithm {
	case keys.ES256, keys.EdDSA:
		if a.HMACSecret != "" {
			errs.add("identity.assertion.hmac_secret", "is used only with algorithm HS256, not %s", a.Algorithm)
		}
		if len(a.SigningKeys) > 0 && a.SigningKeys[0].Alg != a.Algorithm {
			key := "identity.assertion.keys[0]"
			if a.KeysFile != "" {
				key = "identity.assertion.keys_file"
			}
			errs.add(key, "the first key signs and is an %s key, but identity.assertion.algorithm is %s",
				a.SigningKeys[0].Alg, a.Algorithm)
		}
	case keys.HS256:
		switch {
		case a.HMACSecret == "" && a.HMACSecretFile == "":
			errs.add("identity.assertion.hmac_secret", "is required when identity.assertion.algorithm is HS256 (or set identity.assertion.hmac_secret_file)")
		case a.HMACSecret != "" && len(a.HMACSecret) < keys.MinHMACSecret:
			errs.add("identity.assertion.hmac_secret", "is %d bytes, at least %d are needed (openssl rand -base64 48)",
				len(a.HMACSecret), keys.MinHMACSecret)
		}
	default:
		errs.add("identity.assertion.algorithm", "%q is not one of ES256, EdDSA, HS256", a.Algorithm)
	}
}

func isSpaceOrControlString(s string) bool {
	for _, r := range s {
		if isSpaceOrControl(r) {
			return true
		}
	}
	return false
}
