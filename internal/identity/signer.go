package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// Signer makes compact JWS (RFC 7515) with one key and publishes the public
// keys that verify them. It uses the standard library's crypto directly: the
// three algorithms need a few lines each, and owning them keeps the hot path
// free of a general JOSE library's reflection and lets the verifier side
// (package verify) stay dependency-free for upstreams.
type Signer struct {
	alg    string
	kid    string
	key    crypto.Signer // ES256, EdDSA
	secret []byte        // HS256
	header string        // base64url of the JOSE header, with the trailing '.'
	jwks   []byte
}

// NewSigner signs with alg. For ES256 and EdDSA the first of ks signs and must
// suit alg; every key of ks is published. For HS256 secret signs and is never
// published (ks, if any, are published only, for a switch of algorithm).
func NewSigner(alg string, ks []keys.Key, secret []byte) (*Signer, error) {
	s := &Signer{alg: alg, jwks: keys.JWKS(ks)}
	switch alg {
	case keys.ES256, keys.EdDSA:
		if len(ks) == 0 {
			return nil, fmt.Errorf("identity: %s needs a signing key", alg)
		}
		if ks[0].Alg != alg {
			return nil, fmt.Errorf("identity: the first key is an %s key, not %s", ks[0].Alg, alg)
		}
		s.key, s.kid = ks[0].Signer, ks[0].KID
	case keys.HS256:
		if len(secret) < keys.MinHMACSecret {
			return nil, fmt.Errorf("identity: the HS256 secret has %d bytes, at least %d are needed", len(secret), keys.MinHMACSecret)
		}
		s.secret, s.kid = secret, keys.HMACKeyID(secret)
	default:
		return nil, fmt.Errorf("identity: %w: algorithm %q", keys.ErrUnsupported, alg)
	}
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{s.alg, s.kid, "JWT"})
	if err != nil {
		return nil, fmt.Errorf("identity: encode JOSE header: %w", err)
	}
	s.header = base64.RawURLEncoding.EncodeToString(h) + "."
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
	return len(s.header) + base64.RawURLEncoding.EncodedLen(n) + 1 + s.signatureLen()
}

// Sign returns header.payload.signature for the JSON payload.
func (s *Signer) Sign(payload []byte) (string, error) {
	b64 := base64.RawURLEncoding
	buf := make([]byte, 0, s.encodedLen(len(payload)))
	buf = append(buf, s.header...)
	buf = b64.AppendEncode(buf, payload)
	signingInput := buf
	var sig []byte
	switch s.alg {
	case keys.HS256:
		m := hmac.New(sha256.New, s.secret)
		m.Write(signingInput)
		sig = m.Sum(nil)
	case keys.EdDSA:
		var err error
		if sig, err = s.key.Sign(rand.Reader, signingInput, crypto.Hash(0)); err != nil {
			return "", fmt.Errorf("identity: sign: %w", err)
		}
	case keys.ES256:
		priv, ok := s.key.(*ecdsa.PrivateKey)
		if !ok {
			return "", errors.New("identity: ES256 key is not ECDSA")
		}
		digest := sha256.Sum256(signingInput)
		r, ss, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			return "", fmt.Errorf("identity: sign: %w", err)
		}
		// JWS wants the fixed-size r||s form, not ASN.1 (RFC 7518 §3.4).
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}
