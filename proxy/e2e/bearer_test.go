package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// tokenMinter signs test JWTs with the provider's own key (as the provider
// would) or with keys an attacker controls.
type tokenMinter struct {
	t      *testing.T
	issuer string
	key    *rsa.PrivateKey
	kid    string
}

func newTokenMinter(t *testing.T, g *gate) *tokenMinter {
	sk, err := g.IDP.Provider.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key, ok := sk.Key().(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("provider key is %T, the test expects RSA", sk.Key())
	}
	return &tokenMinter{t: t, issuer: g.IDP.Issuer, key: key, kid: sk.ID()}
}

func (m *tokenMinter) claims(sub string, edit func(map[string]any)) []byte {
	now := time.Now()
	c := map[string]any{
		"iss": m.issuer, "sub": sub, "aud": []string{"api"},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"email": sub + "@example.gov", "email_verified": true, "groups": []string{"staff"},
		"preferred_username": sub,
	}
	if edit != nil {
		edit(c)
	}
	b, _ := json.Marshal(c)
	return b
}

// sign signs with key under kid using RS256, typ JWT.
func (m *tokenMinter) sign(key *rsa.PrivateKey, kid string, payload []byte) string {
	m.t.Helper()
	return m.signWith(key, kid, "JWT", payload)
}

// signWith signs with key under kid using RS256 and the JOSE typ header typ
// ("" leaves it out).
func (m *tokenMinter) signWith(key *rsa.PrivateKey, kid, typ string, payload []byte) string {
	m.t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		m.t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		m.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		m.t.Fatal(err)
	}
	return s
}

func (m *tokenMinter) valid(sub string, edit func(map[string]any)) string {
	return m.sign(m.key, m.kid, m.claims(sub, edit))
}

// handMade builds a compact JWS with any header; sig computes the signature
// over the signing input (nil: empty signature).
func handMade(header map[string]any, payload []byte, sig func(input []byte) []byte) string {
	h, _ := json.Marshal(header)
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(payload)
	var s []byte
	if sig != nil {
		s = sig([]byte(input))
	}
	return input + "." + enc.EncodeToString(s)
}

const bearerFile = policyFile + `
bearer:
  enabled: true
  audiences: [api, other-api]
`

func TestBearerTokens(t *testing.T) {
	g := startGate(t, withConfigFile(bearerFile), withEnv("GATEHOUSE_FORWARD_AUTH_ENABLED=true"))
	m := newTokenMinter(t, g)

	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&m.key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hmacWith := func(secret []byte) func([]byte) []byte {
		return func(input []byte) []byte {
			mac := hmac.New(sha256.New, secret)
			mac.Write(input)
			return mac.Sum(nil)
		}
	}

	refused := map[string]string{
		"expired": m.valid("u", func(c map[string]any) { c["exp"] = time.Now().Add(-5 * time.Minute).Unix() }),
		"no exp":  m.valid("u", func(c map[string]any) { delete(c, "exp") }),
		"nbf in the future": m.valid("u", func(c map[string]any) {
			c["nbf"] = time.Now().Add(5 * time.Minute).Unix()
		}),
		"wrong aud":             m.valid("u", func(c map[string]any) { c["aud"] = []string{"someone-else"} }),
		"no aud":                m.valid("u", func(c map[string]any) { delete(c, "aud") }),
		"wrong iss":             m.valid("u", func(c map[string]any) { c["iss"] = "https://evil.example" }),
		"iss with extra slash":  m.valid("u", func(c map[string]any) { c["iss"] = m.issuer + "/" }),
		"no sub":                m.valid("", nil),
		"alg none":              handMade(map[string]any{"alg": "none", "kid": m.kid}, m.claims("u", nil), nil),
		"alg none without kid":  handMade(map[string]any{"alg": "none"}, m.claims("u", nil), nil),
		"HS256 with public PEM": handMade(map[string]any{"alg": "HS256", "kid": m.kid}, m.claims("u", nil), hmacWith(pubPEM)),
		"HS256 with public DER": handMade(map[string]any{"alg": "HS256", "kid": m.kid}, m.claims("u", nil), hmacWith(pubDER)),
		"HS256 with modulus": handMade(map[string]any{"alg": "HS256", "kid": m.kid}, m.claims("u", nil),
			hmacWith(m.key.PublicKey.N.Bytes())),
		"unknown kid":             m.sign(attacker, "attacker-key", m.claims("u", nil)),
		"attacker key, known kid": m.sign(attacker, m.kid, m.claims("u", nil)),
		"no kid, attacker key":    m.sign(attacker, "", m.claims("u", nil)),
		"tampered payload": func() string {
			tok := m.valid("u", nil)
			parts := strings.Split(tok, ".")
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(m.claims("admin", nil)) + "." + parts[2]
		}(),
		"opaque":  "2YotnFZFEjr1zCsicMWpAA",
		"garbage": "a.b.c",
	}
	for name, tok := range refused {
		before := g.Upstream.count()
		resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok, "Accept", "application/json")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Errorf("%s: reached the upstream", name)
		}
		if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", name)
		}
	}

	t.Run("valid token", func(t *testing.T) {
		tok := m.valid("svc", func(c map[string]any) { c["aud"] = []string{"x", "other-api"} })
		resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok, "X-Forwarded-User", "admin")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		got := g.Upstream.last(t).Header
		if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != "svc" {
			t.Errorf("X-Forwarded-User = %q", v)
		}
		if v := got.Get("X-Forwarded-Email"); v != "svc@example.gov" {
			t.Errorf("X-Forwarded-Email = %q", v)
		}
		if v := got.Get("Authorization"); v != "" {
			t.Errorf("Authorization forwarded although bearer.pass_authorization_header is false: %q", v)
		}
		if resp.Header.Get("Set-Cookie") != "" {
			t.Error("a bearer request created a session cookie")
		}
	})

	t.Run("same policy as sessions", func(t *testing.T) {
		tok := m.valid("svc", nil) // in group staff, not admins
		if resp := rawGet(t, g, "/admin", "Authorization", "Bearer "+tok); resp.StatusCode != 403 {
			t.Errorf("staff token at /admin: %d, want 403", resp.StatusCode)
		}
		unverified := m.valid("svc", func(c map[string]any) { c["email_verified"] = false })
		if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+unverified); resp.StatusCode != 403 {
			t.Errorf("unverified email: %d, want 403", resp.StatusCode)
		}
		admin := m.valid("boss", func(c map[string]any) { c["groups"] = []string{"admins"} })
		if resp := rawGet(t, g, "/admin", "Authorization", "Bearer "+admin); resp.StatusCode != 200 {
			t.Errorf("admin token at /admin: %d, want 200", resp.StatusCode)
		}
	})

	t.Run("forward-auth and userinfo accept bearer tokens", func(t *testing.T) {
		// No trusted proxy here: the original path is unknown, so forward-auth
		// wants a token that passes every rule.
		tok := m.valid("svc", func(c map[string]any) { c["groups"] = []string{"admins"} })
		resp := rawGet(t, g, "/oauth2/auth", "Authorization", "Bearer "+tok)
		if resp.StatusCode != 202 || resp.Header.Get("X-Forwarded-User") != "svc" {
			t.Errorf("forward-auth: %d %q", resp.StatusCode, resp.Header.Get("X-Forwarded-User"))
		}
		resp = rawGet(t, g, "/oauth2/userinfo", "Authorization", "Bearer "+tok)
		var info map[string]any
		_ = json.Unmarshal([]byte(readAll(t, resp)), &info)
		if resp.StatusCode != 200 || info["sub"] != "svc" {
			t.Errorf("userinfo: %d %v", resp.StatusCode, info)
		}
		if resp := rawGet(t, g, "/oauth2/auth", "Authorization", "Bearer "+refused["expired"]); resp.StatusCode != 401 {
			t.Errorf("forward-auth with an expired token: %d, want 401", resp.StatusCode)
		}
	})
}

func TestBearerPassAuthorizationHeader(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=api",
		"GATEHOUSE_BEARER_PASS_AUTHORIZATION_HEADER=true"))
	tok := newTokenMinter(t, g).valid("svc", nil)
	if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := g.Upstream.last(t).Header.Get("Authorization"); got != "Bearer "+tok {
		t.Error("Authorization was not forwarded unchanged")
	}
}

func TestBearerDisabledIgnoresTokens(t *testing.T) {
	g := startGate(t)
	tok := newTokenMinter(t, g).valid("svc", nil)
	if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok, "Accept", "application/json"); resp.StatusCode != 401 {
		t.Errorf("bearer.enabled false: status %d, want 401", resp.StatusCode)
	}
	b := newBrowser(t)
	b.loginAlice(g)
	b.api(g.URL+"/app", "Authorization", "Basic dXNlcjpwYXNz")
	if got := g.Upstream.last(t).Header.Get("Authorization"); got != "Basic dXNlcjpwYXNz" {
		t.Errorf("the app's own Authorization header was not passed: %q", got)
	}
}
