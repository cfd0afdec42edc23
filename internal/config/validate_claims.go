package config

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/headers"
)

// checkClaimRef reports a claim reference that does not parse, under key:
// `identity.headers.X-Role: claim path "a..b": empty segment`.
func checkClaimRef(key, ref string, errs *problems) {
	if _, err := claims.Parse(ref); err != nil {
		errs.add(key, "%v", err)
	}
}

// validateClaims checks identity.groups_claims, identity.static_headers and
// upstream.basic_auth, and canonicalises the static header names.
func (c *Config) validateClaims(errs *problems) {
	id := &c.Identity
	if len(id.GroupsClaims) == 0 {
		errs.add("identity.groups_claims", "needs at least one claim (the default is [groups])")
	}
	for i, ref := range id.GroupsClaims {
		checkClaimRef(fmt.Sprintf("identity.groups_claims[%d]", i), ref, errs)
	}

	basic := c.Upstream.BasicAuth.Enabled
	canon := make(map[string]string, len(id.StaticHeaders))
	size := 0
	for _, name := range slices.Sorted(maps.Keys(id.StaticHeaders)) {
		value := id.StaticHeaders[name]
		canonical := http.CanonicalHeaderKey(name)
		key := "identity.static_headers." + name
		switch {
		case !isToken(name):
			errs.add(key, "%q is not a valid header name", name)
		case headers.Reserved(canonical) || canonical == id.Assertion.Header:
			errs.add(key, "%s is set by gatehouse itself", canonical)
		case id.Headers[canonical] != "":
			errs.add(key, "%s is also in identity.headers", canonical)
		case basic && canonical == "Authorization":
			errs.add(key, "Authorization is set by upstream.basic_auth")
		case value == "":
			errs.add(key, "needs a value")
		case strings.ContainsFunc(value, isControl):
			errs.add(key, "the value holds a control character")
		}
		if _, dup := canon[canonical]; dup {
			errs.add(key, "names %s twice (header names ignore case)", canonical)
		}
		canon[canonical] = value
		size += len(canonical) + len(value)
	}
	if len(id.StaticHeaders) > 0 {
		id.StaticHeaders = canon
	}
	if size > id.MaxHeaderBytes/2 && id.MaxHeaderBytes >= minIdentityHeaderBytes {
		errs.add("identity.static_headers", "take %d bytes, more than half of identity.max_header_bytes (%d): the identity headers would not fit",
			size, id.MaxHeaderBytes)
	}
	if basic && id.Headers["Authorization"] != "" {
		errs.add("identity.headers.Authorization", "Authorization is set by upstream.basic_auth")
	}
	c.validateBasicAuth(errs)
}

// minIdentityHeaderBytes is the least identity.max_header_bytes allows.
const minIdentityHeaderBytes = 1024

func (c *Config) validateBasicAuth(errs *problems) {
	b := &c.Upstream.BasicAuth
	if strings.TrimSpace(b.UserClaim) == "" {
		errs.add("upstream.basic_auth.user_claim", "needs a claim name (the default is sub)")
	} else {
		checkClaimRef("upstream.basic_auth.user_claim", b.UserClaim, errs)
	}
	if !b.Enabled {
		return
	}
	if b.Password == "" && b.PasswordFile == "" {
		errs.add("upstream.basic_auth.password", "is required when upstream.basic_auth.enabled is true (or set upstream.basic_auth.password_file)")
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
