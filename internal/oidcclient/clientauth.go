package oidcclient

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Token endpoint authentication methods (key oidc.token_auth_method).
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	// AuthPrivateKeyJWT authenticates with a JWT signed by Options.ClientKey
	// (RFC 7523 section 2.2, OpenID Connect Core 9): no shared secret.
	AuthPrivateKeyJWT = "private_key_jwt"
)

// clientAssertionTTL is how long one client assertion is valid. It is used
// at once; providers remember its jti until it expires, so short is kind.
const clientAssertionTTL = time.Minute

// ClientKey is the key of private_key_jwt.
type ClientKey struct {
	Signer crypto.Signer
	// Alg is the JWS algorithm: ES256, RS256 or EdDSA.
	Alg string
	// KeyID is the JWS kid the provider finds the public key under.
	KeyID string
}

// clientAssertion signs a fresh assertion for one token request: iss and sub
// are the client id, aud is the token endpoint (the one value Ory Hydra
// accepts; oidc-provider and others also accept it), jti is random.
func (c *Client) clientAssertion(tokenURL string, now time.Time) (string, error) {
	k := c.opts.ClientKey
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(k.Alg),
		Key:       jose.JSONWebKey{Key: k.Signer, KeyID: k.KeyID},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("client assertion signer: %w", err)
	}
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	payload, err := json.Marshal(map[string]any{
		"iss": c.opts.ClientID,
		"sub": c.opts.ClientID,
		"aud": tokenURL,
		"jti": base64.RawURLEncoding.EncodeToString(jti),
		"iat": now.Unix(),
		"exp": now.Add(clientAssertionTTL).Unix(),
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return jws.CompactSerialize()
}

func (c *Client) usesClientKey() bool {
	return c.opts.AuthMethod == AuthPrivateKeyJWT && c.opts.ClientKey.Signer != nil
}
