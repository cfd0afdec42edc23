// Package testidp runs a real OpenID Provider (internal/demo/idp, built on
// zitadel/oidc's op package) on 127.0.0.1 for tests, and logs in through its
// form without a browser.
//
// The issuer has no trailing slash, "http://127.0.0.1:PORT", unless the test
// asks for one with WithIssuerTrailingSlash. Use IDP.Issuer verbatim as
// gatehouse's oidc.issuer; endpoint URLs are the host plus the *Path constants.
package testidp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
)

// Paths of the provider's endpoints, relative to the issuer.
const (
	DiscoveryPath  = "/.well-known/openid-configuration"
	AuthorizePath  = "/auth"
	TokenPath      = "/oauth/token"
	UserinfoPath   = "/userinfo"
	KeysPath       = "/keys"
	EndSessionPath = "/end_session"
	LoginPath      = "/login/username"
)

// Default client credentials and users.
const (
	DefaultClientID     = "gatehouse"
	DefaultClientSecret = "gatehouse-test-secret"

	AlicePassword = "alice-password"
	BobPassword   = "bob-password"
	CarolPassword = "carol-password"
)

// Alice, Bob and Carol are the default users. Alice is in admins and staff,
// Bob in staff, Carol in no group (the provider then sends no groups claim).
var (
	Alice = idp.User{
		ID: "alice-id", Username: "alice", Password: AlicePassword,
		Email: "alice@example.com", GivenName: "Alice", FamilyName: "Admin",
		Groups: []string{"admins", "staff"},
	}
	Bob = idp.User{
		ID: "bob-id", Username: "bob", Password: BobPassword,
		Email: "bob@example.com", GivenName: "Bob", FamilyName: "Staff",
		Groups: []string{"staff"},
	}
	Carol = idp.User{
		ID: "carol-id", Username: "carol", Password: CarolPassword,
		Email: "carol@example.org", GivenName: "Carol", FamilyName: "Nogroup",
	}
)

// IDP is a running provider. Its fields are read-only.
type IDP struct {
	// Issuer is "http://127.0.0.1:PORT", without a trailing slash unless
	// WithIssuerTrailingSlash was given.
	Issuer string
	// BaseURL is "http://127.0.0.1:PORT" in every case; endpoint URLs are
	// BaseURL plus the *Path constants.
	BaseURL                string
	ClientID, ClientSecret string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// Users are the accounts that can log in (by default Alice, Bob, Carol).
	Users []idp.User
	// Provider is the provider itself (for its signing key).
	Provider *idp.Provider

	server              *httptest.Server
	trailingSlash       bool
	accessTokenLifetime time.Duration
	down                atomic.Bool

	mu             sync.Mutex
	counts         map[string]int
	refreshGrants  int
	issued         []Tokens
	refreshSubject string // fault.go

	traceparents map[string][]string // by path (traceparent.go)
}

// Tokens are what one token response issued.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// Option changes a default of Start.
type Option func(*IDP)

// WithClient registers the client under another id and secret.
func WithClient(id, secret string) Option {
	return func(p *IDP) { p.ClientID, p.ClientSecret = id, secret }
}

// WithUsers replaces the default users.
func WithUsers(users ...idp.User) Option {
	return func(p *IDP) { p.Users = users }
}

// WithIssuerTrailingSlash makes the issuer "http://127.0.0.1:PORT/".
func WithIssuerTrailingSlash() Option {
	return func(p *IDP) { p.trailingSlash = true }
}

// WithPostLogoutRedirectURIs registers post-logout redirect URIs for the
// client (none by default, so end_session then refuses any
// post_logout_redirect_uri).
func WithPostLogoutRedirectURIs(uris ...string) Option {
	return func(p *IDP) { p.PostLogoutRedirectURIs = uris }
}

// WithAccessTokenLifetime makes the provider report access tokens valid for
// d (expires_in), so tests can watch them expire and be refreshed.
func WithAccessTokenLifetime(d time.Duration) Option {
	return func(p *IDP) { p.accessTokenLifetime = d }
}

// Start runs a provider on a free port of 127.0.0.1 with one confidential
// client whose redirect URIs are redirectURIs. It stops with t.Cleanup.
func Start(t testing.TB, redirectURIs []string, opts ...Option) *IDP {
	t.Helper()
	p := &IDP{
		ClientID:     DefaultClientID,
		ClientSecret: DefaultClientSecret,
		RedirectURIs: redirectURIs,
		Users:        []idp.User{Alice, Bob, Carol},
		counts:       make(map[string]int),
	}
	for _, o := range opts {
		o(p)
	}
	var handler http.Handler = http.NotFoundHandler()
	p.server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		if p.down.Load() {
			http.Error(w, "identity provider down (fault injected by the test)", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == TokenPath {
			p.serveToken(w, r, handler)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	p.BaseURL = "http://" + p.server.Listener.Addr().String()
	p.Issuer = p.BaseURL
	if p.trailingSlash {
		p.Issuer += "/"
	}
	provider, err := idp.New(idp.Options{
		Issuer:                 p.Issuer,
		ClientID:               p.ClientID,
		ClientSecret:           p.ClientSecret,
		RedirectURIs:           p.RedirectURIs,
		PostLogoutRedirectURIs: p.PostLogoutRedirectURIs,
		Users:                  p.Users,
		AccessTokenLifetime:    p.accessTokenLifetime,
	})
	if err != nil {
		p.server.Listener.Close()
		t.Fatalf("testidp: %v", err)
	}
	p.Provider = provider
	handler = provider.Handler()
	p.server.Start()
	t.Cleanup(p.server.Close)
	return p
}

// User returns the user with that username; it fails the test when there is none.
func (p *IDP) User(t testing.TB, username string) idp.User {
	t.Helper()
	for _, u := range p.Users {
		if u.Username == username {
			return u
		}
	}
	t.Fatalf("testidp: no user %q", username)
	return idp.User{}
}

// SetDown injects a fault: while down is true every endpoint of the provider
// (discovery, JWKS, token, userinfo, login) answers 503.
func (p *IDP) SetDown(down bool) { p.down.Store(down) }

// Count returns how many requests reached path (for example TokenPath),
// including those answered 503 by SetDown.
func (p *IDP) Count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[path]
}

// ResetCounts sets every counter back to zero.
func (p *IDP) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.counts)
	p.refreshGrants = 0
}

// RefreshGrants returns how many token requests with grant_type=refresh_token
// reached the provider (counted like Count, and reset by ResetCounts).
func (p *IDP) RefreshGrants() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshGrants
}

// RevokeTokens revokes every access and refresh token the provider issued to
// user (a username): the next refresh gets invalid_grant, as after an
// administrator ended the user's sessions at a real provider.
func (p *IDP) RevokeTokens(t testing.TB, username string) {
	t.Helper()
	if err := p.Provider.RevokeTokens(t.Context(), p.User(t, username).ID); err != nil {
		t.Fatalf("testidp: revoke tokens: %v", err)
	}
}

// IssuedTokens returns every token the token endpoint issued, in order, so
// tests can look for them where they must not be.
func (p *IDP) IssuedTokens() []Tokens {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.issued)
}

// tokenRecorder holds a token response back so it can be recorded (and,
// for fault injection, changed) before it is sent.
type tokenRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *tokenRecorder) Header() http.Header         { return r.header }
func (r *tokenRecorder) WriteHeader(status int)      { r.status = status }
func (r *tokenRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// serveToken serves the token endpoint and records what it issued.
func (p *IDP) serveToken(w http.ResponseWriter, r *http.Request, handler http.Handler) {
	rec := &tokenRecorder{header: w.Header(), status: http.StatusOK}
	handler.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	var t Tokens
	if rec.status == http.StatusOK && json.Unmarshal(body, &t) == nil && t.AccessToken != "" {
		if r.PostForm.Get("grant_type") == "refresh_token" {
			body, t = p.forgeRefreshSubject(r.Context(), body, t)
		}
		p.mu.Lock()
		p.issued = append(p.issued, t)
		p.mu.Unlock()
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

func (p *IDP) count(r *http.Request) {
	refresh := false
	if r.Method == http.MethodPost && r.URL.Path == TokenPath {
		// ParseForm keeps the values on r, so the provider reads the same form.
		refresh = r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[r.URL.Path]++
	p.recordTraceparent(r)
	if refresh {
		p.refreshGrants++
	}
}

// SessionID returns the sid claim of an ID token the provider issued (read
// without verification: the test got the token from the provider itself).
func SessionID(t testing.TB, idToken string) string {
	t.Helper()
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		t.Fatalf("testidp: ID token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("testidp: ID token payload: %v", err)
	}
	var claims struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("testidp: ID token claims: %v", err)
	}
	return claims.SID
}
