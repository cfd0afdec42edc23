// Package verify checks gatehouse's signed identity assertion in a Go
// upstream. It uses only the standard library.
//
//	v, err := verify.New(verify.Options{
//		Issuer:   "https://app.example.com",            // gatehouse's public_url
//		Audience: "http://127.0.0.1:8080",              // identity.assertion.audience
//		JWKSURL:  "https://app.example.com/oauth2/jwks.json",
//	})
//	...
//	claims, err := v.VerifyRequest(r) // reads X-Gatehouse-Assertion
//	if err != nil { http.Error(w, "unauthorized", http.StatusUnauthorized); return }
//	user := claims.Subject
//
// The verifier accepts only the algorithms it was configured for (never
// "none", never the header's word alone), binds each algorithm to one kind of
// key (HS256 only ever uses the shared secret, ES256 only P-256 keys, EdDSA
// only Ed25519 keys), and checks iss, aud, exp and iat with a small leeway.
// Public keys come from gatehouse's JWKS, cached for CacheTTL and fetched
// again, at most once per RefetchInterval, when an unknown kid shows up (a
// key rotation).
package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultHeader is the header gatehouse sends the assertion in, unless
// identity.assertion.header says otherwise.
const DefaultHeader = "X-Gatehouse-Assertion"

// Errors that Verify wraps; test them with errors.Is.
var (
	ErrMissing    = errors.New("verify: no assertion")
	ErrMalformed  = errors.New("verify: malformed assertion")
	ErrAlgorithm  = errors.New("verify: algorithm not allowed")
	ErrUnknownKey = errors.New("verify: unknown key id")
	ErrSignature  = errors.New("verify: signature does not verify")
	ErrIssuer     = errors.New("verify: wrong issuer")
	ErrAudience   = errors.New("verify: wrong audience")
	ErrExpired    = errors.New("verify: assertion expired")
	ErrIssuedAt   = errors.New("verify: assertion issued in the future")
	ErrKeys       = errors.New("verify: cannot load the JWKS")
)

// Options configure a Verifier.
type Options struct {
	// Issuer is gatehouse's public_url (required).
	Issuer string
	// Audience is identity.assertion.audience, by default gatehouse's
	// upstream.url (required).
	Audience string
	// JWKSURL is gatehouse's <public_url>/oauth2/jwks.json; an internal address
	// of gatehouse works as well. Needed for ES256 and EdDSA unless JWKS is set.
	JWKSURL string
	// JWKS is a fixed key set (JSON) used instead of fetching JWKSURL.
	JWKS []byte
	// HMACSecret is identity.assertion.hmac_secret, for HS256.
	HMACSecret []byte
	// Algorithms lists the accepted algorithms. Default: HS256 when HMACSecret
	// is set, otherwise ES256 and EdDSA.
	Algorithms []string
	// Header is the request header VerifyRequest reads (default DefaultHeader).
	Header string
	// Leeway tolerates clock differences for exp and iat (default 30s).
	Leeway time.Duration
	// CacheTTL is how long fetched keys are used before fetching again
	// (default 5m).
	CacheTTL time.Duration
	// RefetchInterval is the shortest time between two fetches caused by an
	// unknown kid, so forged kids cannot make the verifier hammer gatehouse
	// (default 30s).
	RefetchInterval time.Duration
	// HTTPClient fetches the JWKS (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Claims is the verified identity.
type Claims struct {
	Issuer            string   `json:"iss"`
	Subject           string   `json:"sub"`
	Email             string   `json:"email"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	Groups            []string `json:"groups"`
	// GroupsTruncated says Groups is not the whole list: gatehouse trimmed it
	// to fit identity.max_header_bytes.
	GroupsTruncated bool `json:"groups_truncated"`
	// SessionID is a hash of gatehouse's session id: stable for one login,
	// never the session id itself. Empty when the request was authenticated
	// by a bearer token, which has no session.
	SessionID string `json:"sid"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

// Verifier checks assertions. It is safe for concurrent use.
type Verifier struct {
	opts    Options
	allowed map[string]bool

	keys      atomic.Pointer[keySet]
	fetchMu   sync.Mutex // one fetch at a time
	lastFetch time.Time  // guarded by fetchMu
}

// New checks opts and returns a Verifier. A fixed JWKS is parsed now; a
// JWKSURL is fetched on first use.
func New(opts Options) (*Verifier, error) {
	if opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("verify: Issuer and Audience are required")
	}
	if len(opts.Algorithms) == 0 {
		opts.Algorithms = []string{"ES256", "EdDSA"}
		if len(opts.HMACSecret) > 0 {
			opts.Algorithms = []string{"HS256"}
		}
	}
	v := &Verifier{opts: opts, allowed: map[string]bool{}}
	for _, alg := range opts.Algorithms {
		switch alg {
		case "HS256":
			if len(opts.HMACSecret) < 32 {
				return nil, errors.New("verify: HS256 needs an HMACSecret of at least 32 bytes")
			}
		case "ES256", "EdDSA":
			if opts.JWKSURL == "" && opts.JWKS == nil {
				return nil, fmt.Errorf("verify: %s needs JWKSURL or JWKS", alg)
			}
		default:
			return nil, fmt.Errorf("verify: algorithm %q is not supported (ES256, EdDSA, HS256)", alg)
		}
		v.allowed[alg] = true
	}
	if v.opts.Header == "" {
		v.opts.Header = DefaultHeader
	}
	if v.opts.Leeway == 0 {
		v.opts.Leeway = 30 * time.Second
	}
	if v.opts.CacheTTL == 0 {
		v.opts.CacheTTL = 5 * time.Minute
	}
	if v.opts.RefetchInterval == 0 {
		v.opts.RefetchInterval = 30 * time.Second
	}
	if v.opts.HTTPClient == nil {
		v.opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if v.opts.Now == nil {
		v.opts.Now = time.Now
	}
	if opts.JWKS != nil {
		set, err := parseJWKS(opts.JWKS)
		if err != nil {
			return nil, err
		}
		v.keys.Store(set)
	}
	return v, nil
}

// VerifyRequest verifies the assertion in the request's header.
func (v *Verifier) VerifyRequest(r *http.Request) (*Claims, error) {
	token := r.Header.Get(v.opts.Header)
	if token == "" {
		return nil, ErrMissing
	}
	return v.Verify(r.Context(), token)
}

// Verify checks token and returns its claims.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, ErrMissing
	}
	if len(token) > 64<<10 {
		return nil, fmt.Errorf("%w: longer than 64 KiB", ErrMalformed)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	var header struct {
		Alg  string   `json:"alg"`
		Kid  string   `json:"kid"`
		Crit []string `json:"crit"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if !v.allowed[header.Alg] {
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, header.Alg)
	}
	if len(header.Crit) > 0 {
		return nil, fmt.Errorf("%w: unknown critical header parameters", ErrMalformed)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	signed := token[:len(parts[0])+1+len(parts[1])]
	if err := v.checkSignature(ctx, header.Alg, header.Kid, []byte(signed), sig); err != nil {
		return nil, err
	}

	var c struct {
		Claims
		Audience json.RawMessage `json:"aud"`
	}
	if err := decodePart(parts[1], &c); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if c.Issuer != v.opts.Issuer {
		return nil, fmt.Errorf("%w: %q", ErrIssuer, c.Issuer)
	}
	if !audienceContains(c.Audience, v.opts.Audience) {
		return nil, ErrAudience
	}
	now := v.opts.Now()
	if c.ExpiresAt == 0 || !now.Before(time.Unix(c.ExpiresAt, 0).Add(v.opts.Leeway)) {
		return nil, ErrExpired
	}
	if c.IssuedAt == 0 || time.Unix(c.IssuedAt, 0).After(now.Add(v.opts.Leeway)) {
		return nil, ErrIssuedAt
	}
	return &c.Claims, nil
}

func decodePart(part string, into any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	return json.Unmarshal(b, into)
}

// audienceContains accepts aud as a string or a list of strings.
func audienceContains(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(raw, &many) == nil && slices.Contains(many, want)
}

// checkSignature verifies sig over signed. The algorithm decides the kind of
// key: HS256 uses only the shared secret, so a public key can never be
// misused as an HMAC secret.
func (v *Verifier) checkSignature(ctx context.Context, alg, kid string, signed, sig []byte) error {
	if alg == "HS256" {
		m := hmac.New(sha256.New, v.opts.HMACSecret)
		m.Write(signed)
		if !hmac.Equal(sig, m.Sum(nil)) {
			return ErrSignature
		}
		return nil
	}
	pk, err := v.key(ctx, kid)
	if err != nil {
		return err
	}
	if pk.alg != "" && pk.alg != alg {
		return fmt.Errorf("%w: key %q is for %s, not %s", ErrAlgorithm, kid, pk.alg, alg)
	}
	switch key := pk.key.(type) {
	case *ecdsa.PublicKey:
		if alg != "ES256" || len(sig) != 64 {
			return ErrSignature
		}
		digest := sha256.Sum256(signed)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(key, digest[:], r, s) {
			return ErrSignature
		}
	case ed25519.PublicKey:
		if alg != "EdDSA" || !ed25519.Verify(key, signed, sig) {
			return ErrSignature
		}
	default:
		return ErrSignature
	}
	return nil
}
