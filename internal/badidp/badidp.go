// Package badidp is an OpenID provider for tests that misbehaves on demand.
// It is deliberately not built on an OP library: every byte it answers is
// chosen here, so a test can send gatehouse exactly the broken or hostile
// answer it wants to see rejected (unsigned or mis-signed ID tokens, wrong
// claims, rotated keys, huge or HTML documents, slow or failing endpoints).
//
// By default it behaves: discovery, JWKS, an authorize endpoint that
// redirects straight back with a code (no login form), a token endpoint that
// checks the client secret and PKCE, and userinfo. A test changes that with
// Set, and reads how often each endpoint was called with Count.
package badidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Paths of the endpoints, relative to the issuer.
const (
	DiscoveryPath    = "/.well-known/openid-configuration"
	AuthorizePath    = "/authorize"
	TokenPath        = "/token"
	UserinfoPath     = "/userinfo"
	KeysPath         = "/keys"
	AttackerKeysPath = "/attacker/keys" // what a jku header points at
)

// Client credentials the provider accepts.
const (
	ClientID     = "gatehouse"
	ClientSecret = "badidp-client-secret-0123456789abcdef"
	// Subject is the user every login is for.
	Subject = "mallory-id"
)

// Signing says how the ID token is signed.
type Signing int

// Signing modes. Only SignRS256 produces a token gatehouse may accept.
const (
	SignRS256          Signing = iota // RS256 with the published key
	SignNone                          // alg "none", empty signature
	SignBadSignature                  // RS256 with the published key, one signature byte flipped
	SignHS256Secret                   // HS256 keyed with the client secret
	SignHS256PublicKey                // HS256 keyed with the published RSA public key (PEM)
	SignAttackerKey                   // RS256 with a key of the attacker's, named by jku and jwk headers
	SignUnknownKid                    // RS256 with a fresh key under a kid the JWKS never lists
)

// Behaviour is how the provider answers. The zero value misbehaves nowhere
// except that it signs nothing: use Set, which starts from the defaults.
type Behaviour struct {
	Signing Signing
	// Algs is id_token_signing_alg_values_supported (default ["RS256"]).
	Algs []string
	// Claims edits the ID token's claims before signing (delete a key to
	// omit the claim).
	Claims func(claims map[string]any)
	// RefreshClaims edits the claims of ID tokens issued on refresh.
	RefreshClaims func(claims map[string]any)
	// Discovery, JWKS, Token and Userinfo replace that endpoint's answer.
	Discovery, JWKS, Token, Userinfo http.HandlerFunc
	// TokenDelay makes the token endpoint wait this long (or until the
	// client gives up) before answering.
	TokenDelay time.Duration
	// AccessTokenLifetime is the token response's expires_in (default 300s).
	AccessTokenLifetime time.Duration
}

// Provider is a running misbehaving provider.
type Provider struct {
	// Issuer is "http://127.0.0.1:PORT".
	Issuer string

	server *httptest.Server

	mu        sync.Mutex
	behaviour Behaviour
	key       *rsa.PrivateKey
	kid       string
	attacker  *rsa.PrivateKey
	grants    map[string]grant // by code, and by refresh token
	counts    map[string]int
}

type grant struct {
	nonce, challenge string
}

// Start runs a provider on a free port of 127.0.0.1 until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{
		key:      newKey(t),
		attacker: newKey(t),
		grants:   map[string]grant{},
		counts:   map[string]int{},
	}
	p.kid = randomString()
	p.behaviour = defaults()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DiscoveryPath, p.endpoint(func(b Behaviour) http.HandlerFunc { return b.Discovery }, p.discovery))
	mux.HandleFunc("GET "+KeysPath, p.endpoint(func(b Behaviour) http.HandlerFunc { return b.JWKS }, p.keys))
	mux.HandleFunc("GET "+AuthorizePath, p.authorize)
	mux.HandleFunc("POST "+TokenPath, p.endpoint(func(b Behaviour) http.HandlerFunc { return b.Token }, p.token))
	mux.HandleFunc(UserinfoPath, p.endpoint(func(b Behaviour) http.HandlerFunc { return b.Userinfo }, p.userinfo))
	mux.HandleFunc("GET "+AttackerKeysPath, p.attackerKeys)
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.URL.Path]++
		p.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(p.server.Close)
	p.Issuer = p.server.URL
	return p
}

func defaults() Behaviour { return Behaviour{Algs: []string{"RS256"}} }

// Set resets the behaviour to the defaults and lets edit change it.
func (p *Provider) Set(edit func(b *Behaviour)) {
	b := defaults()
	if edit != nil {
		edit(&b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.behaviour = b
}

// RotateKey replaces the signing key: the JWKS then lists only the new one.
func (p *Provider) RotateKey(t testing.TB) {
	key := newKey(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key, p.kid = key, randomString()
}

// Count is how many requests reached path (e.g. TokenPath).
func (p *Provider) Count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[path]
}

// Counts is a copy of every counter.
func (p *Provider) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

func (p *Provider) current() Behaviour {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.behaviour
}

// endpoint serves the test's replacement when it set one, else the default.
func (p *Provider) endpoint(pick func(Behaviour) http.HandlerFunc, def http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h := pick(p.current()); h != nil {
			h(w, r)
			return
		}
		def(w, r)
	}
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, p.DiscoveryDocument())
}

// DiscoveryDocument is the default discovery document.
func (p *Provider) DiscoveryDocument() map[string]any {
	return map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + AuthorizePath,
		"token_endpoint":                        p.Issuer + TokenPath,
		"userinfo_endpoint":                     p.Issuer + UserinfoPath,
		"jwks_uri":                              p.Issuer + KeysPath,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": p.current().Algs,
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	}
}

func (p *Provider) keys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, p.KeySet())
}

// KeySet is the default JWKS: the current public signing key.
func (p *Provider) KeySet() jose.JSONWebKeySet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: "RS256", Use: "sig",
	}}}
}

func (p *Provider) attackerKeys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{p.attackerJWK()}})
}

func (p *Provider) attackerJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &p.attacker.PublicKey, KeyID: "attacker", Algorithm: "RS256", Use: "sig"}
}

// authorize redirects straight back with a code: there is no login form,
// every login is for Subject.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != ClientID || redirect.Scheme != "http" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := randomString()
	p.mu.Lock()
	p.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	p.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	b := p.current()
	if b.TokenDelay > 0 {
		select {
		case <-time.After(b.TokenDelay):
		case <-r.Context().Done():
			return
		}
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != ClientID || secret != ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	var (
		g       grant
		refresh = r.PostFormValue("grant_type") == "refresh_token"
		edit    = b.Claims
	)
	p.mu.Lock()
	if refresh {
		g, ok = p.grants["rt:"+r.PostFormValue("refresh_token")]
		edit = b.RefreshClaims
	} else {
		g, ok = p.grants[r.PostFormValue("code")]
		delete(p.grants, r.PostFormValue("code"))
	}
	p.mu.Unlock()
	if !ok || (!refresh && !pkceMatches(g.challenge, r.PostFormValue("code_verifier"))) {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	accessToken, refreshToken := randomString(), randomString()
	p.mu.Lock()
	p.grants["rt:"+refreshToken] = g
	p.mu.Unlock()
	idToken := p.IDToken(g.nonce, accessToken, edit, b.Signing)
	lifetime := 300
	if b.AccessTokenLifetime > 0 {
		lifetime = int(b.AccessTokenLifetime / time.Second)
	}
	writeJSON(w, map[string]any{
		"access_token": accessToken, "token_type": "Bearer", "expires_in": lifetime,
		"refresh_token": refreshToken, "id_token": idToken,
	})
}

func (p *Provider) userinfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"sub": Subject, "email": "mallory@example.com"})
}

// Claims are the default claims of an ID token for nonce and accessToken.
func (p *Provider) Claims(nonce, accessToken string) map[string]any {
	now := time.Now()
	sum := sha256.Sum256([]byte(accessToken))
	return map[string]any{
		"iss": p.Issuer, "aud": ClientID, "sub": Subject,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": nonce, "at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
		"email": "mallory@example.com",
	}
}

// IDToken makes an ID token with the default claims, edited by edit, signed
// as signing says.
func (p *Provider) IDToken(nonce, accessToken string, edit func(map[string]any), signing Signing) string {
	claims := p.Claims(nonce, accessToken)
	if edit != nil {
		edit(claims)
	}
	payload, _ := json.Marshal(claims)
	return p.sign(signing, payload)
}

func newKey(t testing.TB) *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("badidp: %v", err)
	}
	return key
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func pkceMatches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	return challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
