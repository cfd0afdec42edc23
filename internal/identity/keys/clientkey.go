package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, offered for client authentication
// only (providers accept it everywhere; the assertion does not use RSA).
const RS256 = "RS256"

// ErrNoKey means the client key file holds no PEM block.
var ErrNoKey = errors.New("no PEM block")

// ParseClientKey reads the private key gatehouse authenticates with at the
// provider's token endpoint (private_key_jwt, RFC 7523): one PKCS#8
// "PRIVATE KEY" block holding an EC P-256, RSA (2048 bits or more) or
// Ed25519 key. The algorithm follows from the key (ES256, RS256, EdDSA); kid
// is the RFC 7638 thumbprint unless keyID is given. Errors never contain key
// material.
func ParseClientKey(pemText []byte, keyID string) (Key, error) {
	block, _ := pem.Decode(pemText)
	if block == nil {
		return Key{}, ErrNoKey
	}
	if block.Type != "PRIVATE KEY" {
		return Key{}, fmt.Errorf("%w: PEM block %q, want a PKCS#8 \"PRIVATE KEY\"", ErrUnsupported, block.Type)
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("%w: not a PKCS#8 private key", ErrUnsupported)
	}
	var key Key
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return Key{}, fmt.Errorf("%w: EC curve %s, want P-256", ErrUnsupported, k.Curve.Params().Name)
		}
		key = Key{Signer: k, Alg: ES256}
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return Key{}, fmt.Errorf("%w: RSA key of %d bits, want at least 2048", ErrUnsupported, k.N.BitLen())
		}
		key = Key{Signer: k, Alg: RS256}
	case ed25519.PrivateKey:
		key = Key{Signer: k, Alg: EdDSA}
	default:
		return Key{}, fmt.Errorf("%w: %T", ErrUnsupported, priv)
	}
	key.KID = keyID
	if key.KID == "" {
		if key.KID, err = Thumbprint(key.Signer.Public()); err != nil {
			return Key{}, err
		}
	}
	return key, nil
}
