package config

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// Identity says how the logged-in user's identity reaches the upstream.
type Identity struct {
	// Headers maps a request header name to the claim it carries, a claim
	// reference (internal/claims: a top-level name, a path such as
	// realm_access.roles, or ["https://example.com/roles"]); "groups" is the
	// merged groups of groups_claims. Setting it replaces the default
	// entirely (key identity.headers, default {X-Forwarded-User: sub,
	// X-Forwarded-Email: email, X-Forwarded-Preferred-Username:
	// preferred_username, X-Forwarded-Groups: groups}). Names are
	// canonicalised with http.CanonicalHeaderKey.
	Headers map[string]string `key:"headers"`
	// GroupsClaims are the claim references whose values, merged in order
	// and de-duplicated, are the user's groups: X-Forwarded-Groups, the
	// assertion's groups and authorization.allowed_groups. Each is read
	// leniently: a JSON array, a string, or a comma-separated string (key
	// identity.groups_claims, default [groups]).
	GroupsClaims []string `key:"groups_claims"`
	// StaticHeaders maps a request header name to a fixed value sent with
	// every request that carries an identity (and in the forward-auth 202);
	// client copies are always removed, like identity headers (key
	// identity.static_headers, default {}).
	StaticHeaders map[string]string `key:"static_headers"`
	// MaxHeaderBytes caps the total size of the identity headers so that a user
	// in many groups cannot trigger 431s upstream (key identity.max_header_bytes,
	// default 8192).
	MaxHeaderBytes int `key:"max_header_bytes"`
	// Assertion is the signed identity assertion sent with every proxied
	// request (section identity.assertion).
	Assertion Assertion `key:"assertion"`
}

// Assertion configures the signed identity assertion (a compact JWS) and the
// keys that sign it.
type Assertion struct {
	// Enabled signs the assertion and sends it upstream and in the
	// forward-auth 202. Off, only the identity headers are sent, client copies
	// of header are still removed, and <path_prefix>/jwks.json answers an
	// empty key set (key identity.assertion.enabled, default true).
	Enabled bool `key:"enabled"`
	// Header is the request header that carries the assertion; client copies
	// are always removed (key identity.assertion.header, default
	// "X-Gatehouse-Assertion").
	Header string `key:"header"`
	// Algorithm is ES256, EdDSA or HS256 (key identity.assertion.algorithm,
	// default "ES256").
	Algorithm string `key:"algorithm"`
	// Keys are PEM private keys, PKCS#8 "PRIVATE KEY" (P-256 or Ed25519) or
	// SEC1 "EC PRIVATE KEY"; one entry may hold several blocks. The first key
	// signs and must suit algorithm; all public keys are published at
	// <path_prefix>/jwks.json. Empty: a key is generated at start (key
	// identity.assertion.keys, default none; never together with keys_file).
	// From the environment the value is PEM text, not a comma list.
	Keys []string `key:"keys"`
	// KeysFile names a file with one or more PEM private keys, in the order of
	// keys (key identity.assertion.keys_file, default none).
	KeysFile string `key:"keys_file"`
	// HMACSecret is the HS256 shared secret, at least 32 bytes, used as written
	// (not decoded); never published (key identity.assertion.hmac_secret,
	// required when algorithm is HS256, never together with hmac_secret_file).
	HMACSecret string `key:"hmac_secret"`
	// HMACSecretFile names a file whose content, trailing whitespace trimmed, is
	// the HS256 secret (key identity.assertion.hmac_secret_file, default none).
	HMACSecretFile string `key:"hmac_secret_file"`
	// Audience is the assertion's aud claim (key identity.assertion.audience,
	// default upstream.url as configured, without a trailing slash).
	Audience string `key:"audience"`
	// TTL is how long an assertion is valid; gatehouse reuses one until less
	// than half of it remains (key identity.assertion.ttl, default 5m).
	TTL time.Duration `key:"ttl"`
	// SigningKeys are Keys parsed, in order. It is filled by Validate and
	// cannot be set by a key.
	SigningKeys []keys.Key `key:"-"`
}
