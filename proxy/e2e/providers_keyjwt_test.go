package e2e

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/hydratest"
	"github.com/gatehouse/gatehouse/internal/nodeoptest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// clientKey writes a new private key of alg's type as a PKCS#8 PEM file and
// returns its path and the JWK Set a provider registers for it, under kid,
// or when kid is empty under its RFC 7638 thumbprint (gatehouse's default
// kid).
func clientKey(t *testing.T, alg, kid string) (string, map[string]any) {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil || priv == nil {
		t.Fatalf("generate %s key: %v", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.key")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if kid == "" {
		sum, err := (&jose.JSONWebKey{Key: priv.Public()}).Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		kid = base64.RawURLEncoding.EncodeToString(sum)
	}
	b, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	var jwk map[string]any
	if err := json.Unmarshal(b, &jwk); err != nil {
		t.Fatal(err)
	}
	return path, map[string]any{"keys": []any{jwk}}
}

// TestPrivateKeyJWTOIDCProvider: with oidc.token_auth_method private_key_jwt
// gatehouse logs in and refreshes at oidc-provider with a client that has
// no secret, signing the client assertion with an EC, RSA or Ed25519 key,
// under the key's thumbprint or the kid of oidc.client_key_id.
func TestPrivateKeyJWTOIDCProvider(t *testing.T) {
	for _, tc := range []struct{ alg, kid string }{{"ES256", ""}, {"RS256", ""}, {"EdDSA", "gatehouse-2026"}} {
		t.Run(tc.alg, func(t *testing.T) {
			path, jwks := clientKey(t, tc.alg, tc.kid)
			clock := newClock()
			g, op := startNodeOPGate(t, func(c *nodeoptest.Client) {
				c.Secret, c.AuthMethod, c.JWKS = "", "private_key_jwt", jwks
			}, withClock(clock), withEnv(
				"GATEHOUSE_OIDC_TOKEN_AUTH_METHOD=private_key_jwt",
				"GATEHOUSE_OIDC_CLIENT_KEY_FILE="+path,
				"GATEHOUSE_OIDC_CLIENT_KEY_ID="+tc.kid,
				"GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true",
			))
			b := newBrowser(t)
			nodeOPLogin(t, b, g, op, "alice")
			assertRefreshes(t, b, g, clock.Advance, nodeOPTokenTTL)
		})
	}
}

// assertRefreshes checks that a request after the access token's lifetime
// gets a new access token (the refresh authenticated).
func assertRefreshes(t *testing.T, b *browser, g *gate, advance func(d time.Duration) time.Time, ttl time.Duration) {
	t.Helper()
	token := func() string {
		t.Helper()
		if resp := b.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /app: status %d", resp.StatusCode)
		}
		return g.Upstream.last(t).Header.Get("X-Forwarded-Access-Token")
	}
	first := token()
	advance(ttl)
	if second := token(); second == first || second == "" {
		t.Fatal("the access token was not refreshed")
	}
}

// TestPrivateKeyJWTHydra: the same against Ory Hydra, whose client is
// registered with token_endpoint_auth_method private_key_jwt and the public
// key's JWK Set; Hydra accepts only its token endpoint as the assertion's aud.
func TestPrivateKeyJWTHydra(t *testing.T) {
	path, jwks := clientKey(t, "ES256", "")
	h := hydratest.Start(t)
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	const clientID = "gatehouse-hydra-key"
	h.CreateKeyClient(t, hydratest.Client{
		ID:                     clientID,
		RedirectURIs:           []string{base + "/oauth2/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
		BackchannelLogoutURI:   base + "/oauth2/backchannel-logout",
	}, jwks, "ES256")
	clock := newClock()
	g := startGate(t, withListener(ln), withProvider(h.Issuer, clientID, ""), withClock(clock), withEnv(
		"GATEHOUSE_OIDC_TOKEN_AUTH_METHOD=private_key_jwt",
		"GATEHOUSE_OIDC_CLIENT_KEY_FILE="+path,
		"GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true",
	))
	b := newBrowser(t)
	hydraLogin(t, b, g, h, "alice")
	// Hydra's access tokens live an hour by default.
	assertRefreshes(t, b, g, clock.Advance, time.Hour)
}
