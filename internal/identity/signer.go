package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// Signer makes compact JWS (RFC 7515) with one key and publishes the public
// keys that verify them. The signing is go-jose's; the header it writes is
// {"alg","kid","typ":"JWT"}. The verifier side (package verify) stays
// dependency-free for upstreams.
type Signer struct {
	alg    string
	kid    string
	signer jose.Signer
	// headerLen is the length of the base64url JOSE header with its '.',
	// the same for every token: sizes are computed without signing.
	headerLen int
	jwks      []byte
}

// NewSigner signs with alg. For ES256 and EdDSA the first of ks signs and must
// suit alg; every key of ks is published. For HS256 secret signs and is never
// published (ks, if any, are published only, for a switch of algorithm).
func NewSigner(alg string, ks []keys.Key, secret []byte) (*Signer, error) {
	s := &Signer{alg: alg, jwks: keys.JWKS(ks)}
	var key any
	switch alg {
	case keys.ES256, keys.EdDSA:
		if len(ks) == 0 {
			return nil, fmt.Errorf("identity: %s needs a signing key", alg)
		}
		if ks[0].Alg != alg {
			return nil, fmt.Errorf("identity: the first key is an %s key, not %s", ks[0].Alg, alg)
		}
		key, s.kid = ks[0].Signer, ks[0].KID
	case keys.HS256:
		if len(secret) < keys.MinHMACSecret {
			return nil, fmt.Errorf("identity: the HS256 secret has %d bytes, at least %d are needed", len(secret), keys.MinHMACSecret)
		}
		key, s.kid = secret, keys.HMACKeyID(secret)
	default:
		return nil, fmt.Errorf("identity: %w: algorithm %q", keys.ErrUnsupported, alg)
	}
	// kid as an extra header: go-jose writes a key's own KeyID only for
	// asymmetric keys, and HS256 tokens carry one too.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid))
	if err != nil {
		return nil, fmt.Errorf("identity: %s signer: %w", alg, err)
	}
	s.signer = signer
	probe, err := s.Sign([]byte("{}"))
	if err != nil {
		return nil, err
	}
	s.headerLen = strings.IndexByte(probe, '.') + 1
	return s, nil
}

// Alg is the JWS algorithm; KID the key id in every header.
func (s *Signer) Alg() string { return s.alg }

// KID is the key id written into every JWS header.
func (s *Signer) KID() string { return s.kid }

// JWKS is the JSON Web Key Set of the published public keys.
func (s *Signer) JWKS() []byte { return s.jwks }

// signatureLen is the length of the base64url signature, fixed per algorithm.
func (s *Signer) signatureLen() int {
	if s.alg == keys.HS256 {
		return base64.RawURLEncoding.EncodedLen(sha256.Size)
	}
	return base64.RawURLEncoding.EncodedLen(64) // ES256 r||s and Ed25519 are both 64 bytes
}

// encodedLen is the length of the JWS of a payload of n bytes.
func (s *Signer) encodedLen(n int) int {
	return s.headerLen + base64.RawURLEncoding.EncodedLen(n) + 1 + s.signatureLen()
}

// Sign returns header.payload.signature for the JSON payload.
func (s *Signer) Sign(payload []byte) (string, error) {
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("identity: sign: %w", err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("identity: sign: %w", err)
	}
	return token, nil
}
