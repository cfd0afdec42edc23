// Package keys reads, generates and describes the private keys that sign
// gatehouse's identity assertion: PEM parsing, the public JWK and its RFC 7638
// thumbprint (the kid). The JWK encoding and the thumbprint are go-jose's; it
// imports nothing else of gatehouse, so that the config package can validate
// keys without importing the rest of gatehouse.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms of the assertion (JWS "alg" values).
const (
	ES256 = "ES256" // ECDSA P-256 with SHA-256
	EdDSA = "EdDSA" // Ed25519
	HS256 = "HS256" // HMAC-SHA256 with a shared secret
)

// MinHMACSecret is the shortest HS256 secret accepted, in bytes.
const MinHMACSecret = 32

// Key is one asymmetric signing key.
type Key struct {
	Signer crypto.Signer // *ecdsa.PrivateKey (P-256) or ed25519.PrivateKey
	Alg    string        // ES256 or EdDSA
	KID    string        // RFC 7638 thumbprint of the public key
}

// ErrUnsupported is wrapped by every error about a key type gatehouse cannot
// sign with.
var ErrUnsupported = errors.New("unsupported key")

// Parse reads every PEM block of text: PKCS#8 "PRIVATE KEY" (P-256 or
// Ed25519) or SEC1 "EC PRIVATE KEY" (P-256). Text outside the blocks is
// ignored; text without any block is an error. Errors name the block by its
// position and never contain key material.
func Parse(text string) ([]Key, error) {
	rest := []byte(text)
	var out []Key
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		k, err := parseBlock(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New(`holds no PEM block (expected a "PRIVATE KEY" or "EC PRIVATE KEY" block)`)
	}
	return out, nil
}

func parseBlock(b *pem.Block) (Key, error) {
	var parsed any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return Key{}, fmt.Errorf("%w: want PRIVATE KEY (PKCS#8) or EC PRIVATE KEY (SEC1)", ErrUnsupported)
	}
	if err != nil {
		return Key{}, fmt.Errorf("cannot parse: %w", err)
	}
	return FromSigner(parsed)
}

// FromSigner describes a P-256 or Ed25519 private key.
func FromSigner(priv any) (Key, error) {
	var key Key
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return Key{}, fmt.Errorf("%w: EC curve %s, only P-256 is supported", ErrUnsupported, k.Curve.Params().Name)
		}
		key = Key{Signer: k, Alg: ES256}
	case ed25519.PrivateKey:
		key = Key{Signer: k, Alg: EdDSA}
	default:
		return Key{}, fmt.Errorf("%w: %T (only P-256 and Ed25519 keys)", ErrUnsupported, priv)
	}
	kid, err := Thumbprint(key.Signer.Public())
	if err != nil {
		return Key{}, err
	}
	key.KID = kid
	return key, nil
}

// JWK is the published form of the key: its public half, with alg, use and
// kid.
func (k Key) JWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Signer.Public(), KeyID: k.KID, Algorithm: k.Alg, Use: "sig"}
}

// Thumbprint is the RFC 7638 JWK thumbprint of a public key (SHA-256,
// base64url without padding), the kid of an asymmetric key.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("%w: thumbprint: %w", ErrUnsupported, err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// HMACKeyID is the kid of an HS256 secret. It is not the RFC 7638 thumbprint,
// which would be a bare SHA-256 of the secret; an HMAC of a fixed label under
// the secret names the key without offering a faster way to guess it.
func HMACKeyID(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("gatehouse assertion key id"))
	return "hs256-" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// Generate makes a new key for alg (ES256 or EdDSA).
func Generate(alg string) (Key, error) {
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("generate P-256 key: %w", err)
		}
		return FromSigner(k)
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("generate Ed25519 key: %w", err)
		}
		return FromSigner(k)
	}
	return Key{}, fmt.Errorf("%w: algorithm %q (want ES256 or EdDSA)", ErrUnsupported, alg)
}

// PEM encodes the private key as a PKCS#8 "PRIVATE KEY" block.
func (k Key) PEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// JWKS is the JSON Web Key Set of the keys' public halves, in order.
func JWKS(ks []Key) []byte {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(ks))}
	for _, k := range ks {
		set.Keys = append(set.Keys, k.JWK())
	}
	// Keys come from FromSigner (P-256 or Ed25519), which go-jose always
	// encodes: this cannot fail.
	b, _ := json.Marshal(set)
	return b
}

// NormalizeAlg maps case variants ("es256", "eddsa") to the JWS spelling and
// reports whether alg is known.
func NormalizeAlg(alg string) (string, bool) {
	for _, a := range []string{ES256, EdDSA, HS256} {
		if strings.EqualFold(alg, a) {
			return a, true
		}
	}
	return alg, false
}
