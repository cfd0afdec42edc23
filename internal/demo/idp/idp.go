// Package idp is a small OpenID Provider for `gatehouse demo` and for tests.
//
// It is built on the example OP of github.com/zitadel/oidc (exampleop and its
// in-memory storage) with one confidential web client and a fixed list of users.
// Everything lives in memory and is lost when the process ends. The provider
// is for local use: passwords are compared in plain text and the OP encrypts
// its opaque tokens with a key that is public in the zitadel example code.
//
// What the provider does, seen from a relying party:
//   - discovery at <issuer>/.well-known/openid-configuration; authorization
//     endpoint /auth, token /oauth/token, userinfo /userinfo, JWKS /keys,
//     end session /end_session;
//   - a login form at /login/username (fields username, password and a hidden id);
//   - code flow with PKCE S256, client_secret_basic or client_secret_post;
//   - refresh tokens when the scope offline_access is requested (they rotate);
//   - ID tokens (RS256, 1 h) that carry only sub, sid and the protocol claims
//     when an access token is issued too: profile, email and groups come from
//     userinfo; sid names the login (the same for its refreshed ID tokens);
//   - opaque access tokens valid for 5 minutes.
package idp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is an account of the provider.
type User struct {
	// ID is the stable subject (claim sub). Required and unique.
	ID string
	// Username is what the user types into the login form; it is also the
	// claim preferred_username. Required and unique.
	Username string
	// Password is compared in plain text.
	Password string
	// Email is the claim email; it is always reported as verified.
	Email string
	// GivenName and FamilyName are the claims given_name and family_name; name
	// is both joined by a space.
	GivenName, FamilyName string
	// Groups is the claim groups (a JSON array). It is left out when empty.
	Groups []string
}

// Options configures a Provider.
type Options struct {
	// Issuer is the issuer URL exactly as discovery reports it, for example
	// "http://127.0.0.1:5556/" (a trailing slash is kept as written). Scheme
	// http or https, a host, and no path other than "/": the login form is
	// served at the root of the host.
	Issuer string
	// ClientID and ClientSecret identify the one registered client (a
	// confidential web client). Both are required.
	ClientID, ClientSecret string
	// RedirectURIs are the client's registered redirect URIs, compared exactly.
	// At least one is required.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the client's registered post-logout redirect
	// URIs for the end_session endpoint, compared exactly. Optional.
	PostLogoutRedirectURIs []string
	// Users are the accounts that can log in. At least one is required.
	Users []User
	// AccessTokenLifetime shortens the lifetime the provider reports for
	// access tokens (expires_in); zero keeps the default of 5 minutes. Tests
	// use seconds to make tokens expire and be refreshed.
	AccessTokenLifetime time.Duration
	// LoginHint is prefilled in the login form's username field (the demo
	// prints its user's name); empty leaves the field empty.
	LoginHint string
	// LoginFailed, when set, is called for every rejected sign-in at the
	// login form with a reason fit for a log (never the submitted values).
	LoginFailed func(reason string)
}

// Provider is an OpenID Provider. Serve Handler on the address that
// Options.Issuer names.
type Provider struct {
	issuer  string
	storage *groupsStorage
	handler http.Handler
}

// ErrInvalidOptions is wrapped by every error that New returns for bad Options.
var ErrInvalidOptions = errors.New("idp: invalid options")

// New builds a Provider. It does not listen anywhere.
func New(opts Options) (*Provider, error) {
	if err := validate(opts); err != nil {
		return nil, err
	}
	users, err := newUserStore(opts.Users)
	if err != nil {
		return nil, err
	}
	client := storage.WebClient(opts.ClientID, opts.ClientSecret, opts.RedirectURIs...)
	inner := storage.NewStorageWithClients(users, map[string]*storage.Client{opts.ClientID: client})
	st := &groupsStorage{
		Storage:                inner,
		users:                  users,
		clientID:               opts.ClientID,
		postLogoutRedirectURIs: append([]string(nil), opts.PostLogoutRedirectURIs...),
		accessTokenLifetime:    opts.AccessTokenLifetime,
		sidKey:                 []byte(randomID()),
	}
	// A nil logger leaves the process-wide slog default alone; the example
	// router logs one line per request through it.
	example := exampleop.SetupServer(opts.Issuer, st, nil, false)
	h := &loginPage{next: example, check: inner.CheckUsernamePasswordSimple, prefill: opts.LoginHint, failed: opts.LoginFailed,
		formAction: formActionSources(opts.RedirectURIs), template: loginTemplate}
	return &Provider{issuer: opts.Issuer, storage: st, handler: h}, nil
}

// Handler returns the provider's HTTP handler: discovery, the OIDC endpoints
// and the login form.
func (p *Provider) Handler() http.Handler { return p.handler }

// RevokeTokens revokes every access and refresh token of the user with that
// ID (its subject): a later refresh with them gets invalid_grant.
func (p *Provider) RevokeTokens(ctx context.Context, userID string) error {
	return p.storage.TerminateSession(ctx, userID, p.storage.clientID)
}

// Issuer returns the issuer as discovery reports it.
func (p *Provider) Issuer() string { return p.issuer }

// SigningKey returns the key that signs the provider's ID tokens; its public
// half is in the JWKS. Tests use it to sign tokens the provider itself never
// sends, such as back-channel logout tokens (see op.SignerFromKey).
func (p *Provider) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return p.storage.SigningKey(ctx)
}

func validate(opts Options) error {
	// Checked here because exampleop.SetupServer calls log.Fatal on an issuer
	// the op package refuses.
	if err := op.ValidateIssuer(opts.Issuer, true); err != nil {
		return fmt.Errorf("%w: issuer %q: %w", ErrInvalidOptions, opts.Issuer, err)
	}
	u, err := url.Parse(opts.Issuer)
	if err != nil {
		return fmt.Errorf("%w: issuer %q: %w", ErrInvalidOptions, opts.Issuer, err)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%w: issuer %q: a path is not supported", ErrInvalidOptions, opts.Issuer)
	}
	if u.User != nil {
		return fmt.Errorf("%w: issuer %q: user info is not allowed", ErrInvalidOptions, opts.Issuer)
	}
	switch {
	case opts.ClientID == "":
		return fmt.Errorf("%w: client id is empty", ErrInvalidOptions)
	case opts.ClientSecret == "":
		return fmt.Errorf("%w: client secret is empty", ErrInvalidOptions)
	case len(opts.RedirectURIs) == 0:
		return fmt.Errorf("%w: no redirect URIs", ErrInvalidOptions)
	case len(opts.Users) == 0:
		return fmt.Errorf("%w: no users", ErrInvalidOptions)
	}
	return nil
}

// randomID returns a hard-to-guess identifier.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
